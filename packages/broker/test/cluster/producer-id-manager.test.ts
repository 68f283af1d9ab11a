import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import { LocalMetadataStore } from '../../src/cluster/local-metadata-store.ts';
import { ProducerIdManager } from '../../src/cluster/producer-id-manager.ts';

async function withStore(fn: (open: () => Promise<LocalMetadataStore>, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-pid-'));
  const open = () => LocalMetadataStore.open({ logDirs: [dir], nodeId: 1, broker: () => ({ nodeId: 1, host: 'localhost', port: 9092, rack: null }) });
  try {
    await fn(open, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('ProducerIdManager', () => {
  it('hands out ids from durable blocks: never twice, across restarts', () => withStore(async (open, dir) => {
    let store = await open();
    let ids = new ProducerIdManager(store, 10);
    const first = await Promise.all(Array.from({ length: 25 }, () => ids.generateProducerId()));
    assert.equal(new Set(first).size, 25, 'concurrent callers get distinct ids');
    const stored = JSON.parse(await readFile(join(dir, 'samsa-metadata.json'), 'utf8')) as { nextProducerIdBlockStart: number };
    assert.ok(stored.nextProducerIdBlockStart > Math.max(...first), 'the block end is on disk before its ids are used');
    await store.close();
    // A restart (clean or not: the file is all there is) starts after the last block given.
    store = await open();
    ids = new ProducerIdManager(store, 10);
    const next = await ids.generateProducerId();
    assert.ok(next > Math.max(...first), `${next} after ${Math.max(...first)}`);
    await store.close();
  }));

  it('bumps the epoch of a known producer, repeats the answer to a retried bump, fences others (KIP-360)', () => withStore(async (open) => {
    const store = await open();
    const ids = new ProducerIdManager(store, 10);
    const a = await ids.initProducerId(-1n, -1);
    assert.deepEqual([a.errorCode, a.producerEpoch], [ErrorCode.NONE, 0]);
    const b = await ids.initProducerId(a.producerId, 0);
    assert.deepEqual([b.producerId, b.producerEpoch], [a.producerId, 1]);
    const retry = await ids.initProducerId(a.producerId, 0);
    assert.deepEqual([retry.errorCode, retry.producerId, retry.producerEpoch], [ErrorCode.NONE, a.producerId, 1]);
    const c = await ids.initProducerId(a.producerId, 1);
    assert.equal(c.producerEpoch, 2);
    assert.equal((await ids.initProducerId(a.producerId, 0)).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH, 'two bumps behind');
    assert.equal((await ids.initProducerId(a.producerId, 9)).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH, 'ahead of the current epoch');
    assert.equal((await ids.initProducerId(a.producerId, -1)).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal((await ids.initProducerId(-1n, 3)).errorCode, ErrorCode.INVALID_REQUEST);
    await store.close();
  }));

  it('takes the given epoch as current for an id from before a restart, and gives a new id near the epoch limit or for an id never handed out', () => withStore(async (open) => {
    let store = await open();
    let ids = new ProducerIdManager(store, 10);
    const { producerId } = await ids.initProducerId(-1n, -1);
    await store.close();
    store = await open();
    ids = new ProducerIdManager(store, 10);
    const bumped = await ids.initProducerId(producerId, 4);
    assert.deepEqual([bumped.errorCode, bumped.producerId, bumped.producerEpoch], [ErrorCode.NONE, producerId, 5]);
    // Another restart: nothing remembered, and the producer says it is at epoch 32766.
    ids = new ProducerIdManager(store, 10);
    const rotated = await ids.initProducerId(producerId, 32766);
    assert.ok(rotated.producerId !== producerId && rotated.producerEpoch === 0, 'a new id instead of epoch 32767');
    const stranger = await ids.initProducerId(1_000_000n, 3);
    assert.ok(stranger.producerId !== 1_000_000n && stranger.producerEpoch === 0, 'an id no broker handed out is not adopted');
    await store.close();
  }));
});
