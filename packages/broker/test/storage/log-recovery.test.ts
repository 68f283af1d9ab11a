import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CorruptLogError, KafkaStorageError } from '../../src/storage/errors.ts';
import type { FaultInjectingFs } from '../../src/storage/fault-injecting-fs.ts';
import { readAllBatches, readAllRecords, sizedBatch, splitBatches, textBatch } from './helpers/batches.ts';
import { memoryEnv } from './helpers/env.ts';
import { mulberry32 } from './helpers/seeded-random.ts';

describe('crash recovery with torn writes (FaultInjectingFs)', () => {
  it('after a power cut at any byte the log is a prefix of what was written, flushed batches all there', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = mulberry32(seed);
      const env = await memoryEnv();
      const fs = env.fs as FaultInjectingFs;
      const config = { segmentBytes: 1500, indexIntervalBytes: 200, flushMessages: 1 + Math.floor(random() * 6) };
      let log = await env.openLog(config);
      const written: string[] = [];
      let flushedCount = 0;
      const n = 10 + Math.floor(random() * 40);
      for (let i = 0; i < n; i++) {
        const value = `s${seed}-b${i}`;
        await log.append(textBatch(value, 1 + (i % 3)));
        written.push(value);
        if (log.recoveryPoint >= log.logEndOffset) flushedCount = written.length;
      }
      fs.crash({ unflushed: 'torn', random });
      log = await env.openLog(config, { recoveryPoint: 0, hadCleanShutdown: false });
      const batches = await readAllBatches(log);
      const got = batches.map((b) => b.toArray()[0]!.value!.toString().replace(/-0$/, ''));
      assert.deepEqual(got, written.slice(0, got.length), `seed ${seed}: prefix`);
      assert.ok(got.length >= flushedCount, `seed ${seed}: ${got.length} batches survived, ${flushedCount} were flushed`);
      // The recovered log takes appends at the right offset.
      const next = log.logEndOffset;
      const info = await log.append(textBatch('after'));
      assert.equal(info.firstOffset, next);
      await log.close();
    }
  });

  it('drops everything after the first corrupt batch and rebuilds indexes', async () => {
    const env = await memoryEnv();
    const fs = env.fs as FaultInjectingFs;
    let log = await env.openLog({ segmentBytes: 100_000, indexIntervalBytes: 50 });
    const sizes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const b = textBatch(`c${i}`);
      sizes.push(b.length);
      await log.append(b);
    }
    await log.close();
    const path = log.activeSegment.path;
    const at = sizes.slice(0, 6).reduce((a, b) => a + b, 0) + 40;
    fs.poke(path, at, Buffer.from([0xde, 0xad]));
    fs.poke(path.replace(/\.log$/, '.index'), 0, Buffer.alloc(8, 0xff));
    log = await env.openLog({ segmentBytes: 100_000, indexIntervalBytes: 50 }, { hadCleanShutdown: false });
    assert.equal(log.logEndOffset, 6);
    assert.deepEqual((await readAllRecords(log)).map((r) => r.value), ['c0-0', 'c1-0', 'c2-0', 'c3-0', 'c4-0', 'c5-0']);
    const r = await log.read(4, { maxBytes: 1 });
    assert.equal(Number(splitBatches(r.records)[0]!.baseOffset), 4);
    await log.close();
  });

  it('a clean shutdown skips the scan but a damaged index is still rebuilt', async () => {
    const env = await memoryEnv();
    const fs = env.fs as FaultInjectingFs;
    const config = { segmentBytes: 600, indexIntervalBytes: 100 };
    let log = await env.openLog(config);
    for (let i = 0; i < 30; i++) await log.append(textBatch(`d${i}`));
    await log.close();
    const first = log.segments[0]!;
    fs.poke(first.path.replace(/\.log$/, '.index'), 0, Buffer.from([0x7f, 0, 0, 0]));
    log = await env.openLog(config, { hadCleanShutdown: true, recoveryPoint: 30 });
    assert.equal(log.logEndOffset, 30);
    assert.equal((await readAllRecords(log)).length, 30);
    await log.close();
  });

  it('reports a CRC mismatch found on read instead of serving it', async () => {
    const env = await memoryEnv();
    const fs = env.fs as FaultInjectingFs;
    const log = await env.openLog({ indexIntervalBytes: 1 });
    const sizes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const b = textBatch(`r${i}`);
      sizes.push(b.length);
      await log.append(b);
    }
    const third = sizes[0]! + sizes[1]!;
    fs.poke(log.activeSegment.path, third + 70, Buffer.from([0x00, 0x01, 0x02]));
    await assert.rejects(log.read(2, { maxBytes: 1 << 20 }), CorruptLogError);
    const before = await log.read(0, { maxBytes: 1 << 20 });
    assert.equal(splitBatches(before.records).length, 2, 'batches before the corrupt one are served, not the corrupt one');
    assert.equal(before.nextOffset, 2);
    const after = await log.read(3, { maxBytes: 1 << 20 });
    assert.equal(Number(splitBatches(after.records)[0]!.baseOffset), 3);
    await log.close();
  });
});

describe('ENOSPC and I/O errors (FaultInjectingFs)', () => {
  it('fails the append with KAFKA_STORAGE_ERROR, keeps acknowledged data, works again when space returns', async () => {
    const env = await memoryEnv();
    const fs = env.fs as FaultInjectingFs;
    const log = await env.openLog({ segmentBytes: 4000, flushMessages: 1 });
    for (let i = 0; i < 5; i++) await log.append(textBatch(`ok${i}`));
    fs.capacityBytes = fs.usedBytes + 30;
    await assert.rejects(log.append(textBatch('full')), (err: unknown) => err instanceof KafkaStorageError && err.errorCode === 56);
    const concurrent = await Promise.allSettled([log.append(textBatch('x1')), log.append(textBatch('x2'))]);
    assert.ok(concurrent.every((r) => r.status === 'rejected'));
    assert.equal(log.logEndOffset, 5);
    assert.equal((await readAllRecords(log)).length, 5);
    fs.capacityBytes = null;
    const info = await log.append(textBatch('back'));
    assert.equal(info.firstOffset, 5);
    assert.deepEqual((await readAllRecords(log)).map((r) => r.value), ['ok0-0', 'ok1-0', 'ok2-0', 'ok3-0', 'ok4-0', 'back-0']);
    // A power cut now still finds every acknowledged batch, and no trace of the failed ones.
    fs.crash({ unflushed: 'drop' });
    const reopened = await env.openLog({ segmentBytes: 4000 }, { hadCleanShutdown: false });
    assert.deepEqual((await readAllRecords(reopened)).map((r) => r.value), ['ok0-0', 'ok1-0', 'ok2-0', 'ok3-0', 'ok4-0', 'back-0']);
  });

  it('survives ENOSPC while rolling a new segment', async () => {
    const env = await memoryEnv();
    const fs = env.fs as FaultInjectingFs;
    const log = await env.openLog({ segmentBytes: 300 });
    for (let i = 0; i < 3; i++) await log.append(textBatch(`r${i}`));
    const segments = log.segments.length;
    fs.capacityBytes = fs.usedBytes;
    const attempts = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => log.append(textBatch(`f${i}`))));
    assert.ok(attempts.every((r) => r.status === 'rejected'));
    fs.capacityBytes = null;
    for (let i = 3; i < 10; i++) await log.append(textBatch(`r${i}`));
    assert.ok(log.segments.length > segments);
    assert.deepEqual((await readAllRecords(log)).map((r) => r.value), Array.from({ length: 10 }, (_, i) => `r${i}-0`));
    await log.close();
  });

  it('a short write followed by EIO leaves no half batch behind', async () => {
    const env = await memoryEnv();
    const fs = env.fs as FaultInjectingFs;
    const log = await env.openLog();
    await log.append(textBatch('a'));
    fs.injectFault({ op: 'write', code: 'EIO', afterBytes: 20, pathIncludes: '.log' });
    await assert.rejects(log.append(textBatch('b')), KafkaStorageError);
    await log.append(textBatch('c'));
    assert.deepEqual((await readAllRecords(log)).map((r) => r.value), ['a-0', 'c-0']);
    await log.close();
  });

  it('a failed write fails the overlapping write after it; the file keeps only what was acknowledged', async () => {
    const env = await memoryEnv();
    const fs = env.fs as FaultInjectingFs;
    const log = await env.openLog();
    await log.append(textBatch('before'));
    fs.injectFault({ op: 'write', code: 'EIO', afterBytes: 100, pathIncludes: '.log' });
    // 40 batches of ~16 KiB queued at once, with nothing in flight, go out as two writes of
    // 20: the first fails, and the second, whose bytes all land, fails with it.
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => log.append(sizedBatch(i, 16, 1024))));
    assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof KafkaStorageError));
    assert.equal(log.logEndOffset, 1);
    const segment = log.segments[0]!;
    assert.equal(fs.peek(segment.path)!.length, segment.size, 'no bytes of the failed writes after the acknowledged ones');
    const after = await log.append(sizedBatch(99, 16, 1024));
    assert.deepEqual([after.firstOffset, after.lastOffset], [1, 16]);
    fs.crash({ unflushed: 'keep' });
    const reopened = await env.openLog({}, { hadCleanShutdown: false });
    assert.equal((await readAllRecords(reopened)).length, 17);
  });

  it('an fsync failure takes the log offline rather than acknowledging', async () => {
    const env = await memoryEnv();
    const fs = env.fs as FaultInjectingFs;
    const log = await env.openLog({ flushMessages: 1 });
    await log.append(textBatch('a'));
    fs.injectFault({ op: 'sync', code: 'EIO' });
    await assert.rejects(log.append(textBatch('b')), KafkaStorageError);
    assert.equal(log.isOffline, true);
    await assert.rejects(log.append(textBatch('c')), KafkaStorageError);
    await assert.rejects(log.read(0, { maxBytes: 100 }), KafkaStorageError);
  });

  it('flush.ms flushes on the injected clock; group commit fsyncs once per group', async () => {
    const env = await memoryEnv();
    const fs = env.fs as FaultInjectingFs;
    const log = await env.openLog({ flushMs: 1000 });
    await log.append(textBatch('a'));
    assert.equal(log.recoveryPoint, 0);
    env.clock.advance(999);
    assert.equal(log.recoveryPoint, 0);
    env.clock.advance(1);
    await log.flush();
    assert.equal(log.recoveryPoint, 1);
    const grouped = await env.openLog({ flushMessages: 1 }, {}, 'grouped-0');
    await grouped.append(textBatch('warm'));
    const syncs = fs.syncCount;
    await Promise.all(Array.from({ length: 100 }, (_, i) => grouped.append(textBatch(`g${i}`))));
    assert.ok(fs.syncCount - syncs <= 3, `${fs.syncCount - syncs} fsyncs for 100 concurrent appends`);
    assert.equal(grouped.recoveryPoint, 101);
    await log.close();
    await grouped.close();
  });
});
