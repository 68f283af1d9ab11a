import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchOffsets, RecordBatch } from '@samsa/protocol';
import { OffsetOutOfRangeError, RecordTooLargeError, StorageError } from '../../src/storage/errors.ts';
import { batchOf, readAllBatches, readAllRecords, sizedBatch, splitBatches, textBatch } from './helpers/batches.ts';
import { diskEnv, type EnvFactory, inEnv, memoryEnv } from './helpers/env.ts';

/**
 * The contract every log passes, whatever file system is under it (aedes-persistence's
 * abstract suite idea): run once on a real temp directory and once on FaultInjectingFs.
 */
function logContract(makeEnv: EnvFactory, label: string): void {
  describe(`UnifiedLog contract (${label})`, () => {
    const withEnv = inEnv(makeEnv);

    it('starts empty and rejects offsets outside [logStart, logEnd]', withEnv(async (env) => {
      const log = await env.openLog();
      assert.equal(log.logStartOffset, 0);
      assert.equal(log.logEndOffset, 0);
      const r = await log.read(0, { maxBytes: 1024 });
      assert.equal(r.records.length, 0);
      await assert.rejects(log.read(1, { maxBytes: 1024 }), OffsetOutOfRangeError);
      await log.close();
    }));

    it('assigns contiguous offsets and serves the stored bytes unchanged', withEnv(async (env) => {
      const log = await env.openLog();
      const a = textBatch('a', 3);
      const b = textBatch('b', 2);
      const ia = await log.append(a, { leaderEpoch: 7 });
      const ib = await log.append(b, { leaderEpoch: 7 });
      assert.deepEqual([ia.firstOffset, ia.lastOffset, ib.firstOffset, ib.lastOffset], [0, 2, 3, 4]);
      assert.equal(log.logEndOffset, 5);
      const r = await log.read(0, { maxBytes: 1 << 20 });
      assert.deepEqual(r.records, Buffer.concat([a, b]), 'bytes as appended, with offsets patched in');
      const batches = splitBatches(r.records);
      assert.equal(batches[1]!.baseOffset, 3n);
      assert.equal(batches[1]!.partitionLeaderEpoch, 7);
      assert.equal(r.nextOffset, 5);
      await log.close();
    }));

    it('appends several batches given in one buffer', withEnv(async (env) => {
      const log = await env.openLog();
      const info = await log.append(Buffer.concat([textBatch('x', 2), textBatch('y', 3)]));
      assert.deepEqual([info.firstOffset, info.lastOffset, info.recordCount], [0, 4, 5]);
      assert.deepEqual((await readAllRecords(log)).map((r) => r.value), ['x-0', 'x-1', 'y-0', 'y-1', 'y-2']);
      await log.close();
    }));

    it('keeps call order for concurrent appends and coalesces them', withEnv(async (env) => {
      const log = await env.openLog();
      const infos = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append(textBatch(`c${i}`, 2))));
      infos.forEach((info, i) => assert.equal(info.firstOffset, i * 2));
      const values = (await readAllRecords(log)).map((r) => r.value);
      assert.equal(values.length, 100);
      assert.equal(values[98], 'c49-0');
      await log.close();
    }));

    it('reads from any offset, whole batches only, honouring maxBytes and minOneMessage', withEnv(async (env) => {
      const log = await env.openLog({ indexIntervalBytes: 100 });
      for (let i = 0; i < 40; i++) await log.append(textBatch(`r${i}`, 3));
      for (let offset = 0; offset < 120; offset += 7) {
        const r = await log.read(offset, { maxBytes: 300 });
        const batches = splitBatches(r.records);
        assert.ok(batches.length >= 1);
        assert.ok(Number(batches[0]!.baseOffset) <= offset && Number(batches[0]!.lastOffset) >= offset, `batch holds ${offset}`);
        assert.ok(r.records.length <= 300 || batches.length === 1);
      }
      const one = await log.read(0, { maxBytes: 10 });
      assert.equal(splitBatches(one.records).length, 1, 'minOneMessage returns one oversized batch');
      const none = await log.read(0, { maxBytes: 10, minOneMessage: false });
      assert.equal(none.records.length, 0);
      await log.close();
    }));

    it('reads past a sparse index: one written with a larger index.interval.bytes', withEnv(async (env) => {
      let log = await env.openLog({ indexIntervalBytes: 1024 * 1024 });
      for (let i = 0; i < 30; i++) await log.append(sizedBatch(i, 2, 500));
      await log.close();
      // The index holds no entry past offset 0, and this config's interval is far smaller
      // than the bytes between it and the offsets read: the header walk leaves the first read.
      log = await env.openLog({ indexIntervalBytes: 64 }, { hadCleanShutdown: true, recoveryPoint: 60 });
      for (const offset of [41, 58, 0]) {
        const r = await log.read(offset, { maxBytes: 100 });
        const batches = splitBatches(r.records);
        assert.equal(batches.length, 1, 'one oversized batch (minOneMessage)');
        assert.equal(Number(batches[0]!.baseOffset), offset - (offset % 2));
      }
      const tail = splitBatches((await log.read(41, { maxBytes: 1_000_000 })).records);
      assert.deepEqual(tail.map((b) => Number(b.baseOffset)), Array.from({ length: 10 }, (_, i) => 40 + 2 * i));
      await log.close();
    }));

    it('rolls by segment.bytes and reads across segments', withEnv(async (env) => {
      const log = await env.openLog({ segmentBytes: 2048, indexIntervalBytes: 256 });
      for (let i = 0; i < 60; i++) await log.append(sizedBatch(i, 4, 50));
      assert.ok(log.segments.length > 5, `${log.segments.length} segments`);
      for (const seg of log.segments) assert.ok(seg.size <= 2048);
      const batches = await readAllBatches(log, 1000);
      assert.equal(batches.length, 60);
      batches.forEach((b, i) => assert.equal(Number(b.baseOffset), i * 4));
      await log.close();
    }));

    it('rolls by segment.ms with the injected clock', withEnv(async (env) => {
      const log = await env.openLog({ segmentMs: 60_000 });
      await log.append(textBatch('a'));
      env.clock.advance(30_000);
      await log.append(textBatch('b'));
      assert.equal(log.segments.length, 1);
      env.clock.advance(31_000);
      await log.append(textBatch('c'));
      assert.equal(log.segments.length, 2);
      assert.equal(log.activeSegment.baseOffset, 2);
      await log.close();
    }));

    it('reopens after close with the same content, offsets and indexes', withEnv(async (env) => {
      let log = await env.openLog({ segmentBytes: 4096, indexIntervalBytes: 128 });
      for (let i = 0; i < 30; i++) await log.append(textBatch(`p${i}`, 5));
      const before = await readAllRecords(log);
      const leo = log.logEndOffset;
      await log.close();
      log = await env.openLog({ segmentBytes: 4096, indexIntervalBytes: 128 }, { hadCleanShutdown: true, recoveryPoint: leo });
      assert.equal(log.logEndOffset, leo);
      assert.deepEqual(await readAllRecords(log), before);
      const r = await log.read(77, { maxBytes: 100 });
      assert.equal(Number(splitBatches(r.records)[0]!.baseOffset), 75);
      await log.append(textBatch('after'));
      assert.equal(log.logEndOffset, leo + 1);
      await log.close();
    }));

    it('finds offsets by timestamp', withEnv(async (env) => {
      const log = await env.openLog({ segmentBytes: 1024, indexIntervalBytes: 64 });
      for (let i = 0; i < 50; i++) await log.append(textBatch(`t${i}`, 2, 1000 + i * 10));
      assert.deepEqual(await log.fetchOffsetByTimestamp(0), { offset: 0, timestamp: 1000 });
      assert.deepEqual(await log.fetchOffsetByTimestamp(1255), { offset: 52, timestamp: 1260 });
      assert.deepEqual(await log.fetchOffsetByTimestamp(1490), { offset: 98, timestamp: 1490 });
      assert.equal(await log.fetchOffsetByTimestamp(5000), null);
      await log.close();
    }));

    it('bounds reads by the high watermark when asked', withEnv(async (env) => {
      const log = await env.openLog();
      for (let i = 0; i < 5; i++) await log.append(textBatch(`h${i}`));
      log.updateHighWatermark(3);
      const r = await log.read(0, { maxBytes: 1 << 20, isolation: 'high_watermark' });
      assert.equal(splitBatches(r.records).length, 3);
      assert.equal(r.highWatermark, 3);
      assert.equal((await log.read(3, { maxBytes: 1 << 20, isolation: 'high_watermark' })).records.length, 0);
      await log.close();
    }));

    it('rejects corrupt and oversized batches without touching the log', withEnv(async (env) => {
      const log = await env.openLog({ maxMessageBytes: 500 });
      const bad = textBatch('bad');
      bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
      await assert.rejects(log.append(bad), (err: unknown) => err instanceof StorageError && err.errorCode === 2);
      await assert.rejects(log.append(sizedBatch(1, 1, 600)), RecordTooLargeError);
      const legacy = textBatch('v1');
      legacy.writeInt8(1, BatchOffsets.magic);
      await assert.rejects(log.append(legacy), (err: unknown) => err instanceof StorageError && err.errorCode === 87);
      assert.equal(log.logEndOffset, 0);
      await log.append(textBatch('good'));
      assert.equal(log.logEndOffset, 1);
      await log.close();
    }));

    it('stamps LogAppendTime when the topic asks for it', withEnv(async (env) => {
      const log = await env.openLog({ messageTimestampType: 'LogAppendTime' });
      const info = await log.append(textBatch('lat', 2, 5));
      assert.equal(info.logAppendTime, env.clock.now());
      const [b] = splitBatches((await log.read(0, { maxBytes: 1 << 20 })).records);
      assert.equal(b!.maxTimestamp, BigInt(env.clock.now()));
      assert.equal(b!.timestampType, 1);
      await log.close();
    }));

    it('keeps follower offsets when assignOffsets is false', withEnv(async (env) => {
      const log = await env.openLog();
      await log.append(batchOf([{ value: 'f' }, { value: 'g' }], { baseOffset: 10n }), { assignOffsets: false });
      assert.equal(log.logEndOffset, 12);
      await log.append(batchOf([{ value: 'h' }], { baseOffset: 12n }), { assignOffsets: false });
      await assert.rejects(log.append(batchOf([{ value: 'old' }], { baseOffset: 5n }), { assignOffsets: false }));
      await log.truncateTo(11);
      assert.equal(log.logEndOffset, 10, 'the batch holding offset 11 goes, as in Kafka');
      assert.deepEqual((await readAllRecords(log)).map((r) => r.value), []);
      await log.close();
    }));

    it('returns a copy-safe view: later appends do not change bytes already read', withEnv(async (env) => {
      const log = await env.openLog();
      await log.append(textBatch('first'));
      const r = await log.read(0, { maxBytes: 1 << 20 });
      const copy = Buffer.from(r.records);
      await log.append(textBatch('second'));
      assert.deepEqual(r.records, copy);
      assert.equal(new RecordBatch(r.records).recordCount, 1);
      await log.close();
    }));
  });
}

logContract(memoryEnv, 'FaultInjectingFs');
logContract(diskEnv, 'NodeFs');
