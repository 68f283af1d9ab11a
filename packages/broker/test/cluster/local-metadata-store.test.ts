/**
 * LocalMetadataStore on real files: the MetadataStore contract for dynamic broker configs, and
 * what the local file adds (its layout, older files, hand edits, atomic replacement, a failed
 * write not poisoning the next one).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LocalMetadataStore } from '../../src/cluster/local-metadata-store.ts';
import { dynamicBrokerConfigContract } from './metadata-store-contract.ts';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-local-store-'));
  dirs.push(dir);
  return dir;
}

function open(dir: string): Promise<LocalMetadataStore> {
  return LocalMetadataStore.open({ logDirs: [dir], nodeId: 1, broker: () => ({ nodeId: 1, host: 'localhost', port: 9092, rack: null }) });
}

describe('LocalMetadataStore: MetadataStore contract for dynamic broker configs', () => {
  dynamicBrokerConfigContract(async () => {
    const dir = await freshDir();
    return { open: () => open(dir) };
  });
});

describe('LocalMetadataStore: dynamic broker configs in samsa-metadata.json', () => {
  it('are kept under brokerConfigs, keyed <default> and the node id, as ZooKeeper kept /config/brokers', async () => {
    const dir = await freshDir();
    const store = await open(dir);
    await store.setDynamicBrokerConfigs('default', { 'message.max.bytes': '2000' });
    await store.setDynamicBrokerConfigs(1, { 'log.retention.ms': '3600000' });
    await store.close();
    const state = JSON.parse(await readFile(join(dir, 'samsa-metadata.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(state['version'], 1);
    assert.deepEqual(state['brokerConfigs'], { '<default>': { 'message.max.bytes': '2000' }, 1: { 'log.retention.ms': '3600000' } });
    assert.deepEqual((await readdir(dir)).filter((name) => name.endsWith('.tmp')), [], 'no temp file left behind');
  });

  it('a file written before brokerConfigs existed loads with none, topics intact', async () => {
    const dir = await freshDir();
    const old = {
      version: 1,
      clusterId: 'AAAAAAAAAAAAAAAAAAAAAA',
      topics: [{ name: 'old', topicId: 'q2nJ3x0cQ0mzWcXkMZ8q4g', internal: false, partitions: [{ partition: 0, leader: 1, leaderEpoch: 0, replicas: [1], isr: [1] }], configs: {} }],
      nextProducerIdBlockStart: 1000,
    };
    await writeFile(join(dir, 'samsa-metadata.json'), JSON.stringify(old));
    const store = await open(dir);
    assert.deepEqual(store.dynamicBrokerConfigs('default'), {});
    assert.deepEqual(store.dynamicBrokerConfigs(1), {});
    assert.equal(store.topic('old')?.topicId, 'q2nJ3x0cQ0mzWcXkMZ8q4g');
    await store.setDynamicBrokerConfigs('default', { 'message.max.bytes': '2000' });
    await store.close();
    const state = JSON.parse(await readFile(join(dir, 'samsa-metadata.json'), 'utf8')) as typeof old;
    assert.equal(state.nextProducerIdBlockStart, 1000);
    assert.equal(state.topics[0]?.name, 'old');
  });

  it('no brokerConfigs field is written while there are none', async () => {
    const dir = await freshDir();
    const store = await open(dir);
    await store.setDynamicBrokerConfigs(1, { 'message.max.bytes': '2000' });
    await store.setDynamicBrokerConfigs(1, {});
    await store.close();
    const state = JSON.parse(await readFile(join(dir, 'samsa-metadata.json'), 'utf8')) as Record<string, unknown>;
    assert.equal('brokerConfigs' in state, false);
  });

  it('a hand-edited value that is not text becomes its JSON text, for validation to judge', async () => {
    const dir = await freshDir();
    await (await open(dir)).close();
    const file = join(dir, 'samsa-metadata.json');
    const state = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    state['brokerConfigs'] = { '<default>': { 'log.retention.ms': 60000, 'log.cleanup.policy': ['compact'], 'message.max.bytes': null }, 1: 'not an object' };
    await writeFile(file, JSON.stringify(state));
    const store = await open(dir);
    assert.deepEqual(store.dynamicBrokerConfigs('default'), { 'log.retention.ms': '60000', 'log.cleanup.policy': '["compact"]', 'message.max.bytes': 'null' });
    assert.deepEqual(store.dynamicBrokerConfigs(1), {});
    await store.close();
  });

  it('a write that fails fails its caller only; the next write carries its change too', async () => {
    const dir = await freshDir();
    const store = await open(dir);
    // A directory where the temp file goes makes the write fail, for root as well.
    const blocker = join(dir, 'samsa-metadata.json.tmp');
    await mkdir(blocker);
    await assert.rejects(store.setDynamicBrokerConfigs('default', { 'message.max.bytes': '2000' }));
    await rm(blocker, { recursive: true });
    await store.setDynamicBrokerConfigs(1, { 'log.retention.ms': '1000' });
    await store.close();
    const reopened = await open(dir);
    assert.deepEqual(reopened.dynamicBrokerConfigs('default'), { 'message.max.bytes': '2000' });
    assert.deepEqual(reopened.dynamicBrokerConfigs(1), { 'log.retention.ms': '1000' });
    await reopened.close();
  });
});
