/**
 * What every MetadataStore implementation must do with dynamic broker configs (STYLE.md 6: one
 * contract suite per backend interface). The local store runs it in local-metadata-store.test.ts;
 * the etcd store will run the same suite against a real etcd.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { MetadataStore } from '../../src/cluster/metadata-store.ts';

export interface StoreHarness {
  /** Opens the store on the same backing data each time (a broker restart). */
  open(): Promise<MetadataStore>;
}

/** Registers the contract's tests in the current describe(); `fresh` gives a harness over empty data. */
export function dynamicBrokerConfigContract(fresh: () => Promise<StoreHarness>): void {
  async function withStore(fn: (store: MetadataStore, harness: StoreHarness) => Promise<void>): Promise<void> {
    const harness = await fresh();
    const store = await harness.open();
    try {
      await fn(store, harness);
    } finally {
      await store.close();
    }
  }

  it('a scope never set reads as empty', () => withStore(async (store) => {
    assert.deepEqual(store.dynamicBrokerConfigs('default'), {});
    assert.deepEqual(store.dynamicBrokerConfigs(1), {});
  }));

  it('keeps the cluster default and each broker apart, across a reopen', () => withStore(async (store, harness) => {
    await store.setDynamicBrokerConfigs('default', { 'message.max.bytes': '2000', 'log.retention.ms': '86400000' });
    await store.setDynamicBrokerConfigs(1, { 'log.retention.ms': '3600000' });
    await store.setDynamicBrokerConfigs(2, { 'num.io.threads': '4' });
    await store.close();
    const reopened = await harness.open();
    try {
      assert.deepEqual(reopened.dynamicBrokerConfigs('default'), { 'message.max.bytes': '2000', 'log.retention.ms': '86400000' });
      assert.deepEqual(reopened.dynamicBrokerConfigs(1), { 'log.retention.ms': '3600000' });
      assert.deepEqual(reopened.dynamicBrokerConfigs(2), { 'num.io.threads': '4' });
      assert.deepEqual(reopened.dynamicBrokerConfigs(3), {});
    } finally {
      await reopened.close();
    }
  }));

  it('a set replaces the scope as a whole; an empty set clears it', () => withStore(async (store, harness) => {
    await store.setDynamicBrokerConfigs(1, { 'log.retention.ms': '1000', 'message.max.bytes': '3000' });
    await store.setDynamicBrokerConfigs(1, { 'message.max.bytes': '4000' });
    assert.deepEqual(store.dynamicBrokerConfigs(1), { 'message.max.bytes': '4000' });
    await store.setDynamicBrokerConfigs('default', { 'message.max.bytes': '5000' });
    await store.setDynamicBrokerConfigs('default', {});
    await store.close();
    const reopened = await harness.open();
    try {
      assert.deepEqual(reopened.dynamicBrokerConfigs(1), { 'message.max.bytes': '4000' });
      assert.deepEqual(reopened.dynamicBrokerConfigs('default'), {});
    } finally {
      await reopened.close();
    }
  }));

  it('values are kept as text, exactly as given, even ones this release would refuse', () => withStore(async (store, harness) => {
    const odd = { 'log.retention.ms': ' 60000 ', 'some.future.key': 'x=y,z', 'log.segment.bytes': '1' };
    await store.setDynamicBrokerConfigs('default', odd);
    await store.close();
    const reopened = await harness.open();
    try {
      assert.deepEqual(reopened.dynamicBrokerConfigs('default'), odd);
    } finally {
      await reopened.close();
    }
  }));

  it('what it hands out and what it is given are copies', () => withStore(async (store) => {
    const given = { 'message.max.bytes': '2000' };
    await store.setDynamicBrokerConfigs(1, given);
    given['message.max.bytes'] = '9';
    const read = store.dynamicBrokerConfigs(1);
    read['message.max.bytes'] = '8';
    assert.deepEqual(store.dynamicBrokerConfigs(1), { 'message.max.bytes': '2000' });
  }));

  it('changes made without waiting land in the order made', () => withStore(async (store, harness) => {
    const writes = [];
    for (let i = 1; i <= 20; i++) writes.push(store.setDynamicBrokerConfigs('default', { 'message.max.bytes': String(1000 + i) }));
    await Promise.all(writes);
    await store.close();
    const reopened = await harness.open();
    try {
      assert.deepEqual(reopened.dynamicBrokerConfigs('default'), { 'message.max.bytes': '1020' });
    } finally {
      await reopened.close();
    }
  }));

  it('dynamic configs and topics do not disturb each other', () => withStore(async (store, harness) => {
    await store.createTopic({ name: 't', partitions: 2, replicationFactor: 1, configs: { 'retention.ms': '1000' } });
    await store.setDynamicBrokerConfigs('default', { 'message.max.bytes': '2000' });
    await store.setTopicConfigs('t', { 'retention.ms': '2000' });
    await store.close();
    const reopened = await harness.open();
    try {
      assert.deepEqual(reopened.topic('t')?.configs, { 'retention.ms': '2000' });
      assert.equal(reopened.topic('t')?.partitions.length, 2);
      assert.deepEqual(reopened.dynamicBrokerConfigs('default'), { 'message.max.bytes': '2000' });
    } finally {
      await reopened.close();
    }
  }));
}
