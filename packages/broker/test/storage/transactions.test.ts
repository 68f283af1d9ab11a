import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Attributes, ControlRecordType, readEndTransactionMarker, type RecordInput } from '@samsa/protocol';
import {
  InvalidProducerEpochError, InvalidRecordError, InvalidTxnStateError, KafkaErrorCode, OutOfOrderSequenceError, TransactionCoordinatorFencedError,
} from '../../src/storage/errors.ts';
import type { FaultInjectingFs } from '../../src/storage/fault-injecting-fs.ts';
import { VerificationGuard } from '../../src/storage/producer-state-manager.ts';
import type { AbortedTxn } from '../../src/storage/transaction-index.ts';
import type { UnifiedLog } from '../../src/storage/unified-log.ts';
import { batchOf, readAllBatches, splitBatches, textBatch } from './helpers/batches.ts';
import { diskEnv, type EnvFactory, inEnv, memoryEnv } from './helpers/env.ts';
import { mulberry32 } from './helpers/seeded-random.ts';

/** A transactional producer's batch of `count` records from sequence `seq`. */
function txn(pid: number, seq: number, count = 1, epoch = 0, tag = 't'): Buffer {
  const records: RecordInput[] = [];
  for (let i = 0; i < count; i++) records.push({ key: `k${pid}-${seq + i}`, value: `${tag}${pid}-${seq + i}`, timestamp: 1_700_000_000_000 });
  return batchOf(records, { transactional: true, producerId: BigInt(pid), producerEpoch: epoch, baseSequence: seq });
}

/** An idempotent (non-transactional) batch. */
function idem(pid: number, seq: number, epoch = 0): Buffer {
  return batchOf([{ key: 'k', value: `i${pid}-${seq}`, timestamp: 1_700_000_000_000 }], { producerId: BigInt(pid), producerEpoch: epoch, baseSequence: seq });
}

/** A client's transactional append the way the produce path makes it: guard first, then the append carrying it. */
async function produceTxn(log: UnifiedLog, pid: number, seq: number, count = 1, epoch = 0) {
  const verificationGuard = log.maybeStartTransactionVerification(pid, seq, epoch);
  return log.append(txn(pid, seq, count, epoch), { verificationGuard });
}

function marker(log: UnifiedLog, pid: number, committed: boolean, epoch = 0, coordinatorEpoch = 0) {
  return log.appendTransactionMarker({ producerId: pid, producerEpoch: epoch, coordinatorEpoch, committed });
}

const is = (cls: abstract new (...args: never[]) => Error, code: number) => (err: unknown) => {
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
  assert.equal((err as unknown as { errorCode: number }).errorCode, code);
  return true;
};

async function allAborted(log: UnifiedLog): Promise<AbortedTxn[]> {
  const out: AbortedTxn[] = [];
  for (const seg of log.segments) out.push(...await seg.txnIndex.entries());
  return out;
}

/**
 * The aborted transactions a log's bytes imply, computed independently of the index:
 * batch by batch, each producer's transaction opens at its first transactional batch
 * after its last marker; an ABORT marker ends it with the LSO the partition had then.
 */
async function abortedFromLog(log: UnifiedLog): Promise<AbortedTxn[]> {
  const open = new Map<number, number>();
  const out: AbortedTxn[] = [];
  for (const b of await readAllBatches(log, 1 << 20)) {
    const pid = Number(b.producerId);
    if (pid < 0 || !b.isTransactional) continue;
    if (b.isControl) {
      const m = readEndTransactionMarker(b)!;
      const first = open.get(pid);
      open.delete(pid);
      if (first === undefined) continue;
      const others = [...open.values()].sort((x, y) => x - y);
      if (m.type === ControlRecordType.ABORT) {
        out.push({ producerId: pid, firstOffset: first, lastOffset: Number(b.baseOffset), lastStableOffset: others[0] ?? Number(b.baseOffset) + 1 });
      }
    } else if (!open.has(pid)) {
      open.set(pid, Number(b.baseOffset));
    }
  }
  return out;
}

function contract(makeEnv: EnvFactory, label: string): void {
  describe(`transactions in the log (${label})`, () => {
    const withEnv = inEnv(makeEnv);

    it('opens a transaction with a verified batch, continues it, and refuses non-transactional writes while it is open', withEnv(async (env) => {
      const log = await env.openLog();
      await produceTxn(log, 7, 0, 2);
      assert.equal(log.producerState.lastEntry(7)?.currentTxnFirstOffset, 0);
      // Continuing needs no guard: the transaction is open at this epoch (SENTINEL).
      assert.equal(log.maybeStartTransactionVerification(7, 2, 0), VerificationGuard.SENTINEL);
      await log.append(txn(7, 2));
      await assert.rejects(log.append(idem(7, 3)), is(InvalidTxnStateError, KafkaErrorCode.INVALID_TXN_STATE));
      assert.equal(log.logEndOffset, 3, 'the refused batch is not written');
      await marker(log, 7, true);
      assert.equal(log.producerState.lastEntry(7)?.currentTxnFirstOffset, -1);
      // After the marker the producer may write outside a transaction, in sequence.
      const info = await log.append(idem(7, 3));
      assert.equal(info.firstOffset, 4);
      await assert.rejects(log.append(idem(7, 3)).then((r) => assert.equal(r.duplicate, true)).then(() => log.append(idem(7, 5))),
        is(OutOfOrderSequenceError, KafkaErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER));
      await log.close();
    }));

    it('refuses a transactional batch that would open a transaction without the guard (KIP-890)', withEnv(async (env) => {
      const log = await env.openLog();
      await assert.rejects(log.append(txn(8, 0)), is(InvalidTxnStateError, KafkaErrorCode.INVALID_TXN_STATE));
      await assert.rejects(log.append(txn(8, 0), { verificationGuard: new VerificationGuard() }), is(InvalidTxnStateError, KafkaErrorCode.INVALID_TXN_STATE),
        'a guard the log did not hand out');
      await assert.rejects(log.append(txn(8, 0), { verificationGuard: VerificationGuard.SENTINEL }), is(InvalidTxnStateError, KafkaErrorCode.INVALID_TXN_STATE),
        'the sentinel verifies nothing');
      assert.equal(log.logEndOffset, 0);
      const guard = log.maybeStartTransactionVerification(8, 0, 0);
      assert.equal(log.maybeStartTransactionVerification(8, 0, 0), guard, 'a guard not yet used is handed out again');
      await log.append(txn(8, 0), { verificationGuard: guard });
      assert.equal(log.producerState.verificationStateEntry(8), undefined, 'the transactional write used the guard up');
      await log.close();
      // With transaction.partition.verification.enable=false no guard is needed (Kafka < 3.6).
      const off = await env.openLog({ transactionPartitionVerificationEnable: false }, {}, 'noverify-0');
      await off.append(txn(8, 0));
      assert.equal(off.producerState.lastEntry(8)?.currentTxnFirstOffset, 0);
      await off.close();
    }));

    it('closes the race verify → abort marker → late produce: the late batch cannot open a hanging transaction', withEnv(async (env) => {
      const log = await env.openLog();
      await produceTxn(log, 9, 0);
      // The next transaction: the produce takes a guard (no transaction open after a marker)...
      await marker(log, 9, false);
      const guard = log.maybeStartTransactionVerification(9, 1, 0);
      assert.notEqual(guard, VerificationGuard.SENTINEL);
      // ...the coordinator says "in the transaction", then the transaction times out and is
      // aborted: the marker reaches the partition before the produce does.
      await marker(log, 9, false);
      await assert.rejects(log.append(txn(9, 1), { verificationGuard: guard }), is(InvalidTxnStateError, KafkaErrorCode.INVALID_TXN_STATE));
      assert.equal(log.producerState.lastEntry(9)?.currentTxnFirstOffset, -1, 'no transaction left open');
      assert.equal(log.lastStableOffset, log.highWatermark);
      // The client's retry starts over: a new guard, a new verification.
      await produceTxn(log, 9, 1);
      assert.equal(log.producerState.lastEntry(9)?.currentTxnFirstOffset, 3);
      await log.close();
    }));

    it('checks markers: older epoch INVALID_PRODUCER_EPOCH, older coordinator epoch TRANSACTION_COORDINATOR_FENCED; records the coordinator epoch', withEnv(async (env) => {
      const log = await env.openLog();
      await produceTxn(log, 11, 0, 1, 3);
      await assert.rejects(marker(log, 11, true, 2, 5), is(InvalidProducerEpochError, KafkaErrorCode.INVALID_PRODUCER_EPOCH));
      await marker(log, 11, true, 3, 5);
      assert.equal(log.producerState.lastEntry(11)?.coordinatorEpoch, 5);
      await produceTxn(log, 11, 1, 1, 3);
      await assert.rejects(marker(log, 11, false, 3, 4), is(TransactionCoordinatorFencedError, KafkaErrorCode.TRANSACTION_COORDINATOR_FENCED));
      assert.equal(log.producerState.lastEntry(11)?.currentTxnFirstOffset, 2, 'a fenced marker ends nothing');
      // A coordinator that bumped the epoch (an abort on timeout, KIP-360) may write with epoch + 1.
      await marker(log, 11, false, 4, 6);
      assert.deepEqual([log.producerState.lastEntry(11)?.producerEpoch, log.producerState.lastEntry(11)?.currentTxnFirstOffset], [4, -1]);
      await assert.rejects(log.append(txn(11, 2, 1, 3), { verificationGuard: log.maybeStartTransactionVerification(11, 2, 3) }),
        is(InvalidProducerEpochError, KafkaErrorCode.INVALID_PRODUCER_EPOCH), 'the old epoch is fenced');
      // A marker with no transaction open is written but leaves no index entry (Kafka's).
      await marker(log, 11, false, 4, 6);
      assert.deepEqual((await allAborted(log)).map((t) => [t.producerId, t.firstOffset, t.lastOffset]), [[11, 2, 3]]);
      await log.close();
    }));

    it('lets only coordinators write markers and sequence-less transactional batches', withEnv(async (env) => {
      const log = await env.openLog();
      const m = (await import('@samsa/protocol')).buildEndTransactionMarkerBatch({ type: ControlRecordType.COMMIT, producerId: 3n, producerEpoch: 0, coordinatorEpoch: 0, timestamp: 0 });
      await assert.rejects(log.append(m), is(InvalidRecordError, KafkaErrorCode.INVALID_RECORD));
      const offsets = batchOf([{ key: 'g', value: 'offset' }], { transactional: true, producerId: 3n, producerEpoch: 2, baseSequence: -1 });
      await assert.rejects(log.append(Buffer.from(offsets)), is(InvalidRecordError, KafkaErrorCode.INVALID_RECORD), 'a client batch needs a sequence');
      await log.append(Buffer.from(offsets), { origin: 'coordinator' });
      await log.append(Buffer.from(offsets), { origin: 'coordinator' });
      assert.equal(log.producerState.lastEntry(3)?.currentTxnFirstOffset, 0, 'sequences are not checked, the transaction is open');
      const old = batchOf([{ key: 'g', value: 'zombie' }], { transactional: true, producerId: 3n, producerEpoch: 1, baseSequence: -1 });
      await assert.rejects(log.append(old, { origin: 'coordinator' }), is(InvalidProducerEpochError, KafkaErrorCode.INVALID_PRODUCER_EPOCH));
      log.updateHighWatermark(log.logEndOffset);
      assert.equal(log.lastStableOffset, 0, 'the open offsets transaction holds the LSO');
      await marker(log, 3, true, 2);
      log.updateHighWatermark(log.logEndOffset);
      assert.equal(log.lastStableOffset, 3);
      await log.close();
    }));

    it('moves the LSO with interleaved producers and holds it below markers the high watermark has not passed', withEnv(async (env) => {
      const log = await env.openLog();
      const hw = () => log.updateHighWatermark(log.logEndOffset);
      await log.append(textBatch('plain', 2)); // 0-1
      hw();
      assert.equal(log.lastStableOffset, 2);
      await produceTxn(log, 1, 0); // 2
      await produceTxn(log, 2, 0, 2); // 3-4
      await log.append(txn(1, 1)); // 5
      hw();
      assert.equal(log.lastStableOffset, 2, 'the oldest open transaction holds the LSO');
      await marker(log, 2, true); // 6
      hw();
      assert.equal(log.lastStableOffset, 2, 'producer 1 is still open');
      await marker(log, 1, false); // 7: marker above the high watermark
      assert.equal(log.lastStableOffset, 2, 'an ended transaction counts until its marker is below the high watermark');
      log.updateHighWatermark(7);
      assert.equal(log.lastStableOffset, 2);
      hw();
      assert.equal(log.lastStableOffset, 8);
      // A committed read stops at the LSO; the aborted one is listed.
      await produceTxn(log, 3, 0); // 8
      hw();
      const r = await log.read(0, { maxBytes: 1 << 20, isolation: 'committed' });
      assert.equal(r.nextOffset, 8);
      assert.equal(r.lastStableOffset, 8);
      assert.deepEqual(r.abortedTransactions, [{ producerId: 1, firstOffset: 2 }]);
      const un = await log.read(0, { maxBytes: 1 << 20, isolation: 'high_watermark' });
      assert.equal(un.nextOffset, 9);
      assert.equal(un.abortedTransactions, null);
      await log.close();
    }));

    it('lists aborted transactions for fetches at any offset, across segment rolls, by Kafka\'s rule', withEnv(async (env) => {
      const log = await env.openLog({ segmentBytes: 400 });
      const hw = () => log.updateHighWatermark(log.logEndOffset);
      // p1 aborted [0..3], p2 committed [1..5], p3 aborted [4..7], p4 aborted [8..9]
      await produceTxn(log, 1, 0); // 0
      await produceTxn(log, 2, 0); // 1
      await log.append(txn(1, 1)); // 2
      await marker(log, 1, false); // 3
      await produceTxn(log, 3, 0); // 4
      await marker(log, 2, true); // 5
      await log.append(txn(3, 1)); // 6
      await marker(log, 3, false); // 7
      await produceTxn(log, 4, 0); // 8
      await marker(log, 4, false); // 9
      await log.append(textBatch('tail')); // 10
      hw();
      assert.ok(log.segments.length >= 3, `rolled into ${log.segments.length} segments`);
      assert.deepEqual((await allAborted(log)).map((t) => [t.producerId, t.firstOffset, t.lastOffset, t.lastStableOffset]),
        [[1, 0, 3, 1], [3, 4, 7, 8], [4, 8, 9, 10]], 'LSO of each abort: the oldest other open transaction, else the offset after the marker');
      assert.deepEqual(await allAborted(log), await abortedFromLog(log));
      for (let fetchOffset = 0; fetchOffset <= 10; fetchOffset++) {
        for (const maxBytes of [1, 150, 1 << 20]) {
          const r = await log.read(fetchOffset, { maxBytes, isolation: 'committed' });
          const upper = r.nextOffset;
          const want = (await abortedFromLog(log)).filter((t) => t.lastOffset >= fetchOffset && t.firstOffset < upper)
            .map((t) => ({ producerId: t.producerId, firstOffset: t.firstOffset }));
          assert.deepEqual(r.abortedTransactions, want, `fetch at ${fetchOffset}, maxBytes ${maxBytes}, data up to ${upper}`);
        }
      }
      await log.close();
    }));

    it('keeps the transaction index and open transactions across a clean restart', withEnv(async (env) => {
      let log = await env.openLog({ segmentBytes: 300 });
      await produceTxn(log, 1, 0);
      await produceTxn(log, 2, 0);
      await marker(log, 1, false);
      await log.append(txn(2, 1));
      log.updateHighWatermark(log.logEndOffset);
      const before = await allAborted(log);
      assert.equal(before.length, 1);
      await log.close();
      log = await env.openLog({ segmentBytes: 300 }, { hadCleanShutdown: true, recoveryPoint: log.logEndOffset });
      assert.deepEqual(await allAborted(log), before);
      assert.equal(log.lastStableOffset, 1, 'producer 2\'s transaction is open again, from the close snapshot');
      assert.equal(log.maybeStartTransactionVerification(2, 2, 0), VerificationGuard.SENTINEL);
      await marker(log, 2, false);
      log.updateHighWatermark(log.logEndOffset);
      assert.equal(log.lastStableOffset, log.logEndOffset);
      assert.deepEqual((await allAborted(log)).map((t) => [t.producerId, t.firstOffset]), [[1, 0], [2, 1]]);
      await log.close();
    }));

    it('deletes a segment\'s transaction index with the segment (retention)', withEnv(async (env) => {
      const log = await env.openLog({ segmentBytes: 250, retentionBytes: 0, fileDeleteDelayMs: 0 });
      await produceTxn(log, 1, 0);
      await marker(log, 1, false);
      await log.roll();
      await log.append(textBatch('after'));
      log.updateHighWatermark(log.logEndOffset);
      const seg = log.segments[0]!;
      assert.equal((await seg.txnIndex.entries()).length, 1);
      assert.notEqual(await env.fs.stat(seg.txnIndex.path), null);
      await log.deleteOldSegments();
      assert.ok(!log.segments.includes(seg));
      let names = await env.fs.readdir(log.dir);
      assert.deepEqual(names.filter((n) => n.includes('.txnindex')), ['00000000000000000000.txnindex.deleted'], 'renamed with its segment');
      env.clock.advance(1);
      for (let i = 0; i < 20 && (await env.fs.readdir(log.dir)).some((n) => n.endsWith('.deleted')); i++) await new Promise((r) => setImmediate(r));
      names = await env.fs.readdir(log.dir);
      assert.deepEqual(names.filter((n) => n.includes('.txnindex')), [], `no transaction index left: ${names.join(' ')}`);
      const r = await log.read(log.logStartOffset, { maxBytes: 1 << 20, isolation: 'committed' });
      assert.deepEqual(r.abortedTransactions, []);
      await log.close();
    }));

    it('truncation drops index entries past the new end and keeps those before', withEnv(async (env) => {
      const log = await env.openLog({ segmentBytes: 300 });
      await produceTxn(log, 1, 0); // 0
      await marker(log, 1, false); // 1
      await produceTxn(log, 2, 0); // 2
      await marker(log, 2, false); // 3
      await log.append(textBatch('x')); // 4
      await log.truncateTo(3);
      assert.deepEqual((await allAborted(log)).map((t) => t.lastOffset), [1]);
      assert.equal(log.producerState.lastEntry(2)?.currentTxnFirstOffset, 2, 'the truncated marker no longer ends producer 2\'s transaction');
      log.updateHighWatermark(log.logEndOffset);
      assert.equal(log.lastStableOffset, 2);
      await log.close();
    }));
  });
}

contract(memoryEnv, 'FaultInjectingFs');
contract(diskEnv, 'NodeFs');

describe('transaction index after a power cut (FaultInjectingFs)', () => {
  it('is rebuilt exactly: no entry missing, none twice, LSOs as written', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const random = mulberry32(seed);
      const env = await memoryEnv();
      const fs = env.fs as FaultInjectingFs;
      const config = { segmentBytes: 300 + Math.floor(random() * 600), flushMessages: random() < 0.5 ? 1 : 1 + Math.floor(random() * 8) };
      let log = await env.openLog(config);
      const seq = new Map<number, number>();
      const open = new Set<number>();
      const steps = 20 + Math.floor(random() * 60);
      for (let i = 0; i < steps; i++) {
        const pid = 1 + Math.floor(random() * 4);
        const r = random();
        if (open.has(pid) && r < 0.35) {
          await marker(log, pid, random() < 0.5);
          open.delete(pid);
        } else if (r < 0.85) {
          const s = seq.get(pid) ?? 0;
          await produceTxn(log, pid, s, 1 + Math.floor(random() * 3));
          seq.set(pid, s + (log.producerState.lastEntry(pid)!.lastSeq - s) + 1);
          open.add(pid);
        } else {
          await log.append(textBatch(`plain${i}`));
        }
      }
      await log.producerState.awaitFileOps();
      const recoveryPoint = log.recoveryPoint;
      const beforeAll = await allAborted(log);
      assert.deepEqual(beforeAll, await abortedFromLog(log), `seed ${seed}: live index matches the log`);
      fs.crash({ unflushed: random() < 0.5 ? 'drop' : 'torn', random });
      log = await env.openLog(config, { recoveryPoint, hadCleanShutdown: false });
      const after = await allAborted(log);
      assert.deepEqual(after, await abortedFromLog(log), `seed ${seed}: rebuilt index matches the surviving log`);
      assert.deepEqual(after, beforeAll.filter((t) => t.lastOffset < log.logEndOffset), `seed ${seed}: same entries as before, up to the log end`);
      // Every segment's index holds only its own markers.
      for (const [i, seg] of log.segments.entries()) {
        const next = log.segments[i + 1]?.baseOffset ?? Number.MAX_SAFE_INTEGER;
        for (const t of await seg.txnIndex.entries()) assert.ok(t.lastOffset >= seg.baseOffset && t.lastOffset < next, `seed ${seed}: entry in its segment`);
      }
      // A second crash right after recovery loses nothing recovery wrote.
      log.updateHighWatermark(log.logEndOffset);
      const recovered = log.recoveryPoint;
      fs.crash({ unflushed: 'drop' });
      log = await env.openLog(config, { recoveryPoint: recovered, hadCleanShutdown: false });
      assert.deepEqual(await allAborted(log), after, `seed ${seed}: second crash`);
      await log.close();
    }
  });

  it('a lost index entry of a flushed marker comes back (flush.messages=1)', async () => {
    const env = await memoryEnv();
    const fs = env.fs as FaultInjectingFs;
    let log = await env.openLog({ flushMessages: 1 });
    await produceTxn(log, 5, 0, 3);
    await marker(log, 5, false);
    const want = await allAborted(log);
    assert.equal(want.length, 1);
    // The marker was fsynced with the log, the index entry was not: a power cut drops it.
    fs.crash({ unflushed: 'drop' });
    const bytes = await fs.readFile(log.segments[0]!.txnIndex.path).catch(() => Buffer.alloc(0));
    assert.equal(bytes.length, 0, 'the entry was lost from the file');
    log = await env.openLog({ flushMessages: 1 }, { recoveryPoint: 4, hadCleanShutdown: false });
    assert.deepEqual(await allAborted(log), want);
    const r = await log.read(0, { maxBytes: 1 << 20, isolation: 'committed' });
    assert.deepEqual(r.abortedTransactions, [{ producerId: 5, firstOffset: 0 }]);
    assert.equal(splitBatches(r.records).filter((b) => (b.attributes & Attributes.CONTROL) !== 0).length, 1);
    await log.close();
  });

  it('rebuilds the index of every segment the recovery point has not passed, even when a later snapshot exists', async () => {
    const env = await memoryEnv();
    const fs = env.fs as FaultInjectingFs;
    let log = await env.openLog({ segmentBytes: 200 });
    await produceTxn(log, 6, 0); // 0
    await marker(log, 6, false); // 1, in the first segment
    await log.roll();
    await log.append(textBatch('later')); // 2, second segment; the roll snapshot at 2 is on disk
    await log.producerState.awaitFileOps();
    assert.deepEqual(log.producerState.snapshotOffsets, [2]);
    const want = await allAborted(log);
    assert.equal(want.length, 1);
    // A power cut before the first segment's index reached the disk: the recovery point is
    // still 0 (a stale checkpoint), and the entry is gone.
    fs.crash({ unflushed: 'keep' });
    await fs.unlink(log.segments[0]!.txnIndex.path);
    log = await env.openLog({ segmentBytes: 200 }, { recoveryPoint: 0, hadCleanShutdown: false });
    assert.deepEqual(await allAborted(log), want, 'the replay started no later than the first recovered segment');
    await log.close();
  });
});
