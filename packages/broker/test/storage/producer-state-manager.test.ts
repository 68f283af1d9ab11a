import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { RecordInput } from '@samsa/protocol';
import {
  InvalidProducerEpochError, InvalidRecordError, KafkaErrorCode, OutOfOrderSequenceError, UnknownProducerIdError,
} from '../../src/storage/errors.ts';
import type { FaultInjectingFs } from '../../src/storage/fault-injecting-fs.ts';
import { LogManager } from '../../src/storage/log-manager.ts';
import {
  ProducerStateEntry, decodeSnapshot, decrementSequence, encodeSnapshot, incrementSequence,
} from '../../src/storage/producer-state-manager.ts';
import type { UnifiedLog } from '../../src/storage/unified-log.ts';
import { batchOf, readAllBatches, textBatch } from './helpers/batches.ts';
import { diskEnv, type EnvFactory, inEnv, memoryEnv } from './helpers/env.ts';

const PID = 4711;

/** An idempotent producer's batch: `count` records starting at sequence `seq`. */
function idem(seq: number, count = 1, options: { pid?: number; epoch?: number; tag?: string } = {}): Buffer {
  const records: RecordInput[] = [];
  for (let i = 0; i < count; i++) records.push({ key: `k${seq + i}`, value: `${options.tag ?? 'v'}${seq + i}`, timestamp: 1_700_000_000_000 });
  return batchOf(records, { producerId: BigInt(options.pid ?? PID), producerEpoch: options.epoch ?? 0, baseSequence: seq });
}

const is = (cls: new (m: string) => Error, code: number) => (err: unknown) => {
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
  assert.equal((err as unknown as { errorCode: number }).errorCode, code);
  return true;
};

function contract(makeEnv: EnvFactory, label: string): void {
  describe(`producer state in the log (${label})`, () => {
    const withEnv = inEnv(makeEnv);

    it('answers a retried batch with its first offsets and does not write it again', withEnv(async (env) => {
      const log = await env.openLog();
      await log.append(textBatch('plain', 2));
      const first = await log.append(idem(0, 3));
      assert.deepEqual([first.firstOffset, first.lastOffset, first.duplicate], [2, 4, false]);
      const end = log.logEndOffset;
      const size = log.size;
      const retry = await log.append(idem(0, 3));
      assert.deepEqual([retry.firstOffset, retry.lastOffset, retry.duplicate], [2, 4, true]);
      assert.equal(log.logEndOffset, end);
      assert.equal(log.size, size, 'no bytes written for the retry');
      const next = await log.append(idem(3, 2));
      assert.deepEqual([next.firstOffset, next.lastOffset], [5, 6]);
      await log.close();
    }));

    it('recognises any of the last five batches, not the sixth', withEnv(async (env) => {
      const log = await env.openLog();
      const offsets: number[] = [];
      for (let b = 0; b < 6; b++) offsets.push((await log.append(idem(b * 2, 2))).firstOffset);
      for (let b = 1; b < 6; b++) {
        const r = await log.append(idem(b * 2, 2));
        assert.equal(r.duplicate, true);
        assert.equal(r.firstOffset, offsets[b]);
      }
      // The oldest batch fell out of the cache: a retry of it is out of sequence, as in Kafka.
      await assert.rejects(log.append(idem(0, 2)), is(OutOfOrderSequenceError, KafkaErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER));
      assert.equal(log.logEndOffset, 12);
      await log.close();
    }));

    it('refuses a sequence gap, then takes the right next batch', withEnv(async (env) => {
      const log = await env.openLog();
      await log.append(idem(0, 2));
      await assert.rejects(log.append(idem(3)), is(OutOfOrderSequenceError, KafkaErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER));
      // A batch overlapping the last one without matching it exactly is out of sequence too.
      await assert.rejects(log.append(idem(1, 2)), is(OutOfOrderSequenceError, KafkaErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER));
      assert.equal(log.logEndOffset, 2);
      assert.equal((await log.append(idem(2))).firstOffset, 2);
      await log.close();
    }));

    it('fences an older epoch and wants a new epoch to start at sequence 0', withEnv(async (env) => {
      const log = await env.openLog();
      await log.append(idem(0, 1, { epoch: 3 }));
      await log.append(idem(1, 1, { epoch: 3 }));
      await assert.rejects(log.append(idem(2, 1, { epoch: 2 })), is(InvalidProducerEpochError, KafkaErrorCode.INVALID_PRODUCER_EPOCH));
      await assert.rejects(log.append(idem(2, 1, { epoch: 4 })), is(OutOfOrderSequenceError, KafkaErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER));
      const bumped = await log.append(idem(0, 1, { epoch: 4 }));
      assert.equal(bumped.duplicate, false, 'sequence 0 of a new epoch is not a retry of the old epoch\'s sequence 0');
      assert.equal(bumped.firstOffset, 2);
      await assert.rejects(log.append(idem(2, 1, { epoch: 3 })), is(InvalidProducerEpochError, KafkaErrorCode.INVALID_PRODUCER_EPOCH));
      assert.equal(log.producerState.lastEntry(PID)?.producerEpoch, 4);
      await log.close();
    }));

    it('answers UNKNOWN_PRODUCER_ID for an unknown producer not at sequence 0', withEnv(async (env) => {
      const log = await env.openLog();
      await assert.rejects(log.append(idem(5)), is(UnknownProducerIdError, KafkaErrorCode.UNKNOWN_PRODUCER_ID));
      assert.equal(log.logEndOffset, 0);
      assert.equal(log.producerState.lastEntry(PID), undefined, 'a refused batch leaves no state');
      await log.append(idem(0));
      await log.close();
    }));

    it('keeps producers apart and leaves batches without a producer id alone', withEnv(async (env) => {
      const log = await env.openLog();
      await log.append(idem(0, 1, { pid: 1 }));
      await log.append(idem(0, 1, { pid: 2 }));
      await log.append(textBatch('plain'));
      await log.append(textBatch('plain'));
      assert.equal((await log.append(idem(1, 1, { pid: 2 }))).firstOffset, 4);
      assert.equal((await log.append(idem(0, 1, { pid: 1 }))).duplicate, true);
      assert.equal(log.producerState.producerCount, 2);
      await log.close();
    }));

    it('checks pipelined appends in order inside one group, retries of in-flight batches included', withEnv(async (env) => {
      const log = await env.openLog();
      // Five requests in flight and a retry of the second, all queued before the first drains.
      const results = await Promise.allSettled([
        log.append(idem(0, 2)), log.append(idem(2, 2)), log.append(idem(4, 2)), log.append(idem(2, 2)),
        log.append(idem(7, 1)), log.append(idem(6, 1)),
      ]);
      const ok = (i: number) => {
        const r = results[i]!;
        assert.equal(r.status, 'fulfilled', `append ${i}: ${r.status === 'rejected' ? String(r.reason) : ''}`);
        return (r as PromiseFulfilledResult<Awaited<ReturnType<UnifiedLog['append']>>>).value;
      };
      assert.deepEqual([ok(0).firstOffset, ok(1).firstOffset, ok(2).firstOffset], [0, 2, 4]);
      assert.deepEqual([ok(3).firstOffset, ok(3).duplicate], [2, true]);
      assert.equal(results[4]!.status, 'rejected', 'sequence 7 before 6 is a gap');
      assert.equal(ok(5).firstOffset, 6);
      assert.equal(log.logEndOffset, 7);
      await log.close();
    }));

    it('checks appends across overlapping writes: sequences go on, a retry of a batch still being written gets its offsets', withEnv(async (env) => {
      const log = await env.openLog();
      // ~16 KiB batches: 30 of them are two writes' worth (256 KiB each), all queued in one
      // tick, so the retry of the last one is checked in a third write while the second,
      // which holds the original, has not been made part of the producer state yet.
      const big = (seq: number) => batchOf(Array.from({ length: 16 }, (_, i) => ({ value: Buffer.alloc(1024, seq + i), timestamp: 1_700_000_000_000 })),
        { producerId: BigInt(PID), producerEpoch: 0, baseSequence: seq });
      const appends = Array.from({ length: 30 }, (_, i) => log.append(big(i * 16)));
      const retry = log.append(big(29 * 16));
      const infos = await Promise.all(appends);
      assert.deepEqual(infos.map((info) => [info.firstOffset, info.duplicate]), infos.map((_, i) => [i * 16, false]));
      const r = await retry;
      assert.deepEqual([r.firstOffset, r.lastOffset, r.duplicate], [29 * 16, 29 * 16 + 15, true]);
      assert.equal(log.logEndOffset, 30 * 16);
      assert.equal((await log.append(big(30 * 16))).firstOffset, 30 * 16);
      await log.close();
    }));

    it('wraps sequences at Int32.MAX_VALUE', withEnv(async (env) => {
      const log = await env.openLog();
      const max = 0x7fffffff;
      // A follower's copy is applied unchecked: the quickest way to a sequence near the top.
      const near = batchOf([{ value: 'a' }, { value: 'b' }], { producerId: BigInt(PID), producerEpoch: 0, baseSequence: max - 1, baseOffset: 0n });
      await log.append(near, { assignOffsets: false });
      assert.equal(log.producerState.lastEntry(PID)?.lastSeq, max);
      assert.equal((await log.append(idem(0, 2))).duplicate, false, 'sequence 0 follows Int32.MAX_VALUE');
      assert.equal(log.producerState.lastEntry(PID)?.lastSeq, 1);
      await log.close();
    }));

    it('refuses a producer batch without a sequence as INVALID_RECORD', withEnv(async (env) => {
      const log = await env.openLog();
      const bad = batchOf([{ value: 'x' }], { producerId: 1n, producerEpoch: 0, baseSequence: -1 });
      await assert.rejects(log.append(bad), is(InvalidRecordError, KafkaErrorCode.INVALID_RECORD));
      await log.close();
    }));

    it('snapshots at each roll and on close, and restores all five batches after a clean restart', withEnv(async (env) => {
      const config = { segmentBytes: 200 };
      let log = await env.openLog(config);
      const offsets: number[] = [];
      for (let b = 0; b < 8; b++) offsets.push((await log.append(idem(b))).firstOffset);
      assert.ok(log.segments.length > 2, 'the log rolled');
      await log.producerState.awaitFileOps();
      const bases = log.segments.slice(1).map((s) => s.baseOffset);
      assert.deepEqual(log.producerState.snapshotOffsets, bases, 'one snapshot per roll, at the new base offset');
      await log.close();
      const names = (await env.fs.readdir(join(env.root, 'topic-0'))).filter((n) => n.endsWith('.snapshot')).sort();
      assert.deepEqual(names, [...bases, 8].map((o) => `${String(o).padStart(20, '0')}.snapshot`));
      log = await env.openLog(config, { hadCleanShutdown: true, recoveryPoint: 8 });
      assert.equal(log.producerState.mapEndOffset, 8);
      for (let b = 3; b < 8; b++) {
        const r = await log.append(idem(b));
        assert.deepEqual([r.duplicate, r.firstOffset], [true, offsets[b]]);
      }
      assert.equal((await log.append(idem(8))).firstOffset, 8);
      await log.close();
    }));

    it('rebuilds from the newest snapshot plus the log after it when the process dies', withEnv(async (env) => {
      const config = { segmentBytes: 400 };
      const log = await env.openLog(config);
      for (let b = 0; b < 7; b++) await log.append(idem(b, 1, { pid: 1 }));
      await log.append(idem(0, 2, { pid: 2 }));
      await log.producerState.awaitFileOps();
      const lastSnapshot = log.producerState.snapshotOffsets.at(-1)!;
      assert.ok(lastSnapshot < log.logEndOffset, 'some batches lie after the last snapshot');
      // No close: a kill -9 keeps what was written (page cache) but writes no snapshot.
      const reopened = await env.openLog(config, { hadCleanShutdown: false });
      assert.equal(reopened.producerState.mapEndOffset, log.logEndOffset);
      assert.deepEqual([reopened.producerState.lastEntry(1)?.lastSeq, reopened.producerState.lastEntry(2)?.lastSeq], [6, 1]);
      const r = await reopened.append(idem(6, 1, { pid: 1 }));
      assert.deepEqual([r.duplicate, r.firstOffset], [true, 6]);
      await assert.rejects(reopened.append(idem(3, 1, { pid: 2 })), OutOfOrderSequenceError);
      await reopened.close();
    }));

    it('replays the whole log when no snapshot is usable, deleting a damaged one', withEnv(async (env) => {
      let log = await env.openLog();
      for (let b = 0; b < 4; b++) await log.append(idem(b));
      await log.close();
      const snap = join(env.root, 'topic-0', '00000000000000000004.snapshot');
      const bytes = await env.fs.readFile(snap);
      bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
      const h = await env.fs.open(snap, 'write');
      await h.writev([bytes], 0);
      await h.close();
      log = await env.openLog({}, { hadCleanShutdown: true });
      assert.equal(await env.fs.stat(snap), null, 'the damaged snapshot is gone');
      assert.equal(log.producerState.lastEntry(PID)?.lastSeq, 3);
      assert.equal((await log.append(idem(3))).duplicate, true);
      await log.close();
    }));

    it('keeps producer state when retention deletes its segments, and their snapshots with them', withEnv(async (env) => {
      const config = { segmentBytes: 400, retentionMs: 1000, fileDeleteDelayMs: 0 };
      let log = await env.openLog(config);
      await log.append(idem(0, 1, { pid: 9 }));
      for (let b = 0; b < 6; b++) await log.append(textBatch(`filler${b}`));
      env.clock.advance(10_000);
      const deleted = await log.deleteOldSegments();
      assert.ok(deleted > 0);
      assert.ok(log.logStartOffset > 0);
      await log.producerState.awaitFileOps();
      assert.ok(log.producerState.snapshotOffsets.every((o) => o >= log.segments[0]!.baseOffset), 'no snapshot below the first segment');
      assert.equal(log.producerState.lastEntry(9)?.lastSeq, 0, 'KIP-360: the producer is remembered');
      await log.close();
      log = await env.openLog(config, { hadCleanShutdown: true, logStartOffset: log.logStartOffset });
      assert.equal(log.producerState.lastEntry(9)?.lastSeq, 0, 'and still after a restart');
      assert.equal((await log.append(idem(1, 1, { pid: 9 }))).duplicate, false);
      await log.close();
    }));

    it('expires idle producers after producer.id.expiration.ms', withEnv(async (env) => {
      const log = await env.openLog();
      await log.append(idem(0, 1, { pid: 1 }));
      env.clock.advance(5_000);
      await log.append(idem(0, 1, { pid: 2 }));
      assert.equal(await log.removeExpiredProducers(6_000), 0);
      env.clock.advance(2_000);
      assert.equal(await log.removeExpiredProducers(6_000), 1);
      assert.equal(log.producerState.lastEntry(1), undefined);
      await assert.rejects(log.append(idem(1, 1, { pid: 1 })), UnknownProducerIdError);
      assert.equal((await log.append(idem(1, 1, { pid: 2 }))).duplicate, false);
      await log.close();
    }));

    it('rebuilds producer state when a follower truncates', withEnv(async (env) => {
      const log = await env.openLog({ segmentBytes: 400 });
      for (let b = 0; b < 8; b++) await log.append(idem(b));
      await log.producerState.awaitFileOps();
      await log.truncateTo(5);
      assert.equal(log.logEndOffset, 5);
      assert.ok(log.producerState.snapshotOffsets.every((o) => o <= 5));
      assert.equal(log.producerState.lastEntry(PID)?.lastSeq, 4);
      assert.equal((await log.append(idem(5))).firstOffset, 5, 'sequence 5 is new again');
      await log.close();
    }));
  });
}

contract(memoryEnv, 'FaultInjectingFs');
contract(diskEnv, 'NodeFs');

describe('producer state: failures and crashes (FaultInjectingFs)', () => {
  it('a write that fails leaves no state, so the producer\'s retry is written', async () => {
    const env = await memoryEnv();
    const fs = env.fs as FaultInjectingFs;
    const log = await env.openLog();
    await log.append(idem(0));
    fs.injectFault({ pathIncludes: '.log', op: 'write', code: 'ENOSPC', afterBytes: 10 });
    await assert.rejects(log.append(idem(1)), (err: unknown) => (err as { errorCode: number }).errorCode === KafkaErrorCode.KAFKA_STORAGE_ERROR);
    const retry = await log.append(idem(1));
    assert.deepEqual([retry.duplicate, retry.firstOffset], [false, 1]);
    assert.equal((await readAllBatches(log)).length, 2);
    await log.close();
  });

  it('a power cut that loses the log tail also discards the snapshots above the new end', async () => {
    const env = await memoryEnv();
    const fs = env.fs as FaultInjectingFs;
    const config = { segmentBytes: 400 };
    const log = await env.openLog(config);
    for (let b = 0; b < 3; b++) await log.append(idem(b));
    await log.flush();
    for (let b = 3; b < 9; b++) await log.append(idem(b));
    // Snapshots are fsynced as they are written; wait for them, but not for the segments.
    await log.producerState.awaitFileOps();
    const snapshots = [...log.producerState.snapshotOffsets];
    assert.ok(snapshots.some((o) => o > 3));
    fs.crash({ unflushed: 'drop' });
    const reopened = await env.openLog(config, { hadCleanShutdown: false });
    const end = reopened.logEndOffset;
    assert.ok(end < 9);
    assert.ok(reopened.producerState.snapshotOffsets.every((o) => o <= end), `snapshots ${String(reopened.producerState.snapshotOffsets)} within ${end}`);
    assert.equal(reopened.producerState.lastEntry(PID)?.lastSeq, end - 1);
    // The producer's retry of the first lost batch is written where it belongs.
    const r = await reopened.append(idem(end));
    assert.deepEqual([r.duplicate, r.firstOffset], [false, end]);
    await reopened.close();
  });

  it('LogManager expires producers on its schedule and snapshots survive a clean restart of every log', async () => {
    const env = await memoryEnv();
    const options = {
      logDirs: ['/data'], fs: env.fs, clock: env.clock, producerIdExpirationMs: () => 60_000, producerIdExpirationCheckIntervalMs: 1_000,
    };
    let m = await LogManager.start(options);
    const a = await m.getOrCreateLog('a', 0);
    const b = await m.getOrCreateLog('b', 0);
    await a.append(idem(0));
    await b.append(idem(0, 1, { pid: 2 }));
    await m.shutdown();
    m = await LogManager.start(options);
    assert.equal(m.getLog('a', 0)!.producerState.lastEntry(PID)?.lastSeq, 0);
    assert.equal(m.getLog('b', 0)!.producerState.lastEntry(2)?.lastSeq, 0);
    // The first check (after 1 s) finds nothing idle long enough; the one after 61 s does.
    const settle = async () => {
      for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    };
    env.clock.advance(1_000);
    await settle();
    assert.equal(m.getLog('a', 0)!.producerState.producerCount, 1);
    // Checks run every second of clock time, each scheduled when the previous one finished.
    for (let s = 0; s < 60; s++) {
      env.clock.advance(1_000);
      await settle();
    }
    assert.equal(m.getLog('a', 0)!.producerState.producerCount, 0);
    assert.equal(m.getLog('b', 0)!.producerState.producerCount, 0);
    await m.shutdown();
  });
});

describe('producer state snapshot format', () => {
  it('round-trips entries with every field and up to five batches', () => {
    const entries = [
      new ProducerStateEntry(0, 0, [], -1, -1, 1_700_000_000_000),
      new ProducerStateEntry(2 ** 40 + 7, 32_000, [
        { lastSeq: 4, lastOffset: 2 ** 45, offsetDelta: 4, timestamp: 1_700_000_000_123 },
        { lastSeq: 0x7fffffff, lastOffset: 2 ** 45 + 9, offsetDelta: 0, timestamp: -1 },
      ], 17, 2 ** 45 - 3, 1_700_000_000_999),
    ];
    const decoded = decodeSnapshot(encodeSnapshot(entries));
    assert.deepEqual(decoded, entries);
    assert.deepEqual(decodeSnapshot(encodeSnapshot([])), []);
  });

  it('rejects a flipped bit, a short file, trailing bytes and an unknown version', () => {
    const good = encodeSnapshot([new ProducerStateEntry(5, 1, [{ lastSeq: 1, lastOffset: 10, offsetDelta: 1, timestamp: 0 }], -1, -1, 0)]);
    for (let i = 0; i < good.length; i++) {
      const bad = Buffer.from(good);
      bad.writeUInt8(bad.readUInt8(i) ^ 0x01, i);
      assert.throws(() => decodeSnapshot(bad), `bit flip at byte ${i} detected`);
    }
    assert.throws(() => decodeSnapshot(good.subarray(0, good.length - 1)));
    assert.throws(() => decodeSnapshot(Buffer.concat([good, Buffer.alloc(1)])));
    assert.throws(() => decodeSnapshot(Buffer.alloc(4)));
  });

  it('wraps sequence arithmetic like Kafka', () => {
    assert.equal(incrementSequence(0x7fffffff, 1), 0);
    assert.equal(incrementSequence(0x7ffffffe, 3), 1);
    assert.equal(incrementSequence(10, 5), 15);
    assert.equal(decrementSequence(1, 3), 0x7ffffffe);
    assert.equal(decrementSequence(15, 5), 10);
  });
});
