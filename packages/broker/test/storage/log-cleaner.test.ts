import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Attributes } from '@samsa/protocol';
import { ManualClock } from '../../src/storage/clock.ts';
import { FaultInjectingFs } from '../../src/storage/fault-injecting-fs.ts';
import { LogManager } from '../../src/storage/log-manager.ts';
import { batchOf, readAllBatches, readAllRecords, textBatch } from './helpers/batches.ts';
import { mulberry32 } from './helpers/seeded-random.ts';

async function compactedEnv(overrides = {}) {
  const clock = new ManualClock();
  const fs = new FaultInjectingFs(() => clock.now());
  const manager = await LogManager.start({
    logDirs: ['/data'], fs, clock, startBackgroundTasks: false,
    defaultConfig: { cleanupPolicy: ['compact'], segmentBytes: 1200, deleteRetentionMs: 10_000, ...overrides },
  });
  return { clock, fs, manager };
}

describe('LogCleaner', () => {
  it('keeps exactly the latest value per key, keeps offsets, drops tombstones after delete.retention.ms', async () => {
    const { clock, manager } = await compactedEnv();
    const log = await manager.getOrCreateLog('kv', 0);
    const random = mulberry32(7);
    const latest = new Map<string, { offset: number; value: string | null }>();
    for (let i = 0; i < 600; i++) {
      const key = `key-${Math.floor(random() * 40)}`;
      const value = random() < 0.1 ? null : `v${i}`;
      const count = 1 + Math.floor(random() * 3);
      const records = Array.from({ length: count }, (_, j) => ({ key: j === count - 1 ? key : `${key}`, value: j === count - 1 ? value : `early${i}-${j}`, timestamp: clock.now() }));
      const info = await log.append(batchOf(records));
      latest.set(key, { offset: info.lastOffset, value });
    }
    const endBefore = log.logEndOffset;
    await log.roll();
    log.updateHighWatermark(log.logEndOffset);
    const appendsDuringClean = Promise.all(Array.from({ length: 20 }, (_, i) => log.append(textBatch(`during${i}`))));
    const [stats] = await manager.cleaner.cleanOnce();
    await appendsDuringClean;
    assert.ok(stats !== undefined && stats.recordsRemoved > 0, 'the cleaner ran');
    assert.equal(log.logEndOffset, endBefore + 20);

    const check = async (tombstonesGone: boolean) => {
      const records = (await readAllRecords(log)).filter((r) => r.offset < endBefore);
      const seen = new Map<string, { offset: number; value: string | null }>();
      for (const r of records) {
        assert.ok(!seen.has(r.key!), `key ${r.key} appears once in the cleaned log`);
        seen.set(r.key!, { offset: r.offset, value: r.value });
      }
      for (const [key, want] of latest) {
        if (want.value === null && tombstonesGone) assert.equal(seen.get(key), undefined, `tombstone for ${key} gone`);
        else assert.deepEqual(seen.get(key), want, `latest of ${key} with its original offset`);
      }
      assert.equal(seen.size, [...latest.values()].filter((v) => !(tombstonesGone && v.value === null)).length);
    };
    await check(false);
    assert.ok([...latest.values()].some((v) => v.value === null), 'the workload has tombstones');

    clock.advance(9_999);
    await manager.cleaner.clean(log, { force: true });
    await check(false);
    clock.advance(2);
    const second = await manager.cleaner.clean(log, { force: true });
    assert.ok(second!.tombstonesRemoved > 0);
    await check(true);
    assert.equal(log.logEndOffset, endBefore + 20);
    // The cleaned log survives a restart (swap files, rebuilt indexes).
    await manager.shutdown();
  });

  it('honours min.cleanable.dirty.ratio and min.compaction.lag.ms', async () => {
    const { clock, manager } = await compactedEnv({ minCompactionLagMs: 60_000, minCleanableDirtyRatio: 0.5 });
    const log = await manager.getOrCreateLog('lag', 0);
    for (let i = 0; i < 40; i++) await log.append(batchOf([{ key: 'same', value: `v${i}`, timestamp: clock.now() }]));
    await log.roll();
    log.updateHighWatermark(log.logEndOffset);
    assert.deepEqual(await manager.cleaner.cleanOnce(), [], 'too young to clean');
    log.updateHighWatermark(0);
    clock.advance(60_001);
    assert.deepEqual(await manager.cleaner.cleanOnce(), [], 'nothing above the high watermark is cleaned');
    log.updateHighWatermark(log.logEndOffset);
    const [stats] = await manager.cleaner.cleanOnce();
    assert.ok(stats !== undefined);
    assert.deepEqual((await readAllRecords(log)).map((r) => r.value), ['v39']);
    assert.deepEqual(await manager.cleaner.cleanOnce(), [], 'nothing dirty left');
    await manager.shutdown();
  });

  it('never lets transactional records hide older values and keeps control batches', async () => {
    const { manager } = await compactedEnv();
    const log = await manager.getOrCreateLog('txn', 0);
    await log.append(batchOf([{ key: 'a', value: 'committed-plain' }]));
    const verificationGuard = log.maybeStartTransactionVerification(5, 0, 0);
    await log.append(batchOf([{ key: 'a', value: 'aborted-txn' }], { transactional: true, producerId: 5n, producerEpoch: 0, baseSequence: 0 }),
      { verificationGuard });
    await log.append(batchOf([{ key: 'b', value: 'b1' }]));
    log.updateHighWatermark(log.logEndOffset);
    await log.roll();
    assert.equal(await manager.cleaner.clean(log, { force: true }), null, 'an open transaction holds the LSO: nothing below the active segment is cleanable');
    await log.appendTransactionMarker({ producerId: 5, producerEpoch: 0, coordinatorEpoch: 1, committed: false });
    await log.append(batchOf([{ key: 'b', value: 'b2' }]));
    await log.roll();
    log.updateHighWatermark(log.logEndOffset);
    await manager.cleaner.clean(log, { force: true });
    assert.deepEqual((await log.segments[0]!.txnIndex.entries()).map((t) => [t.producerId, t.firstOffset, t.lastOffset]), [],
      'the abort marker is in the second segment');
    assert.deepEqual((await log.segments[1]!.txnIndex.entries()).map((t) => [t.producerId, t.firstOffset, t.lastOffset]), [[5, 1, 3]],
      'the cleaned segment kept its aborted transaction');
    const batches = await readAllBatches(log);
    assert.ok(batches.some((b) => (b.attributes & Attributes.CONTROL) !== 0), 'marker kept');
    const values = (await readAllRecords(log)).filter((r) => r.key !== null && !r.key.startsWith('\u0000')).map((r) => r.value);
    assert.ok(values.includes('committed-plain'), 'an aborted write does not remove the committed value');
    assert.ok(!values.includes('b1') && values.includes('b2'));
    await manager.shutdown();
  });

  it('finishes an interrupted swap at startup', async () => {
    const { fs, clock } = await compactedEnv();
    let manager = await LogManager.start({ logDirs: ['/data'], fs, clock, startBackgroundTasks: false, defaultConfig: { cleanupPolicy: ['compact'] } });
    const log = await manager.getOrCreateLog('swap', 0);
    for (let i = 0; i < 10; i++) await log.append(batchOf([{ key: 'k', value: `v${i}` }]));
    await log.roll();
    log.updateHighWatermark(log.logEndOffset);
    await manager.shutdown();
    // Fake a crash after the cleaner wrote its output: a .swap with only the last record.
    const out = batchOf([{ key: 'k', value: 'v9', offsetDelta: 0 }], { baseOffset: 9n });
    const h = await fs.open('/data/swap-0/00000000000000000000.log.swap', 'create');
    await h.writev([out], 0);
    await h.close();
    await (await fs.open('/data/swap-0/00000000000000000000.log.cleaned', 'create')).close();
    manager = await LogManager.start({ logDirs: ['/data'], fs, clock, startBackgroundTasks: false });
    const reloaded = manager.getLog('swap', 0)!;
    assert.deepEqual((await readAllRecords(reloaded)).map((r) => [r.offset, r.value]), [[9, 'v9']]);
    assert.ok(!(await fs.readdir('/data/swap-0')).some((n) => n.endsWith('.swap') || n.endsWith('.cleaned')));
    await manager.shutdown();
  });
});
