import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, RecordBatch, buildRecordBatch, type RecordInput } from '@samsa/protocol';
import { CoordinatorPartitionLog } from '../../src/cluster/coordinator-partition-log.ts';
import { ReplicaManager, type FetchResult, type TransactionVerifier } from '../../src/cluster/replica-manager.ts';
import type { LoadedMarker, LoadedRecord } from '../../src/coordinator/coordinator-runtime.ts';
import { silentLogger } from '../../src/logger.ts';
import { ManualClock } from '../../src/storage/clock.ts';
import { FaultInjectingFs } from '../../src/storage/fault-injecting-fs.ts';
import { LogManager } from '../../src/storage/log-manager.ts';

/**
 * ReplicaManager's transaction paths with real logs (in-memory fs), hand-built batches as
 * a transactional producer sends them, and markers as the coordinator writes them.
 */

const T = 'orders';

function txnBatch(pid: number, seq: number, values: string[], epoch = 0): Buffer {
  const records: RecordInput[] = values.map((v) => ({ key: v, value: v, timestamp: 1_700_000_000_000 }));
  return buildRecordBatch(records, { transactional: true, producerId: BigInt(pid), producerEpoch: epoch, baseSequence: seq });
}

/** A verifier standing in for the transaction coordinator: partitions added per producer, answers scripted. */
class Verifier implements TransactionVerifier {
  readonly added = new Set<string>();
  calls: string[] = [];
  answer: number | null = null;
  /** When set, verifications wait for this before answering. */
  gate: Promise<void> | null = null;

  async verifyTransaction(transactionalId: string, producerId: number, producerEpoch: number, topic: string, partition: number): Promise<number> {
    this.calls.push(`${transactionalId}:${producerId}:${producerEpoch}:${topic}-${partition}`);
    if (this.gate !== null) await this.gate;
    if (this.answer !== null) return this.answer;
    return this.added.has(`${producerId}:${topic}-${partition}`) ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
  }
}

async function setup(partitions = 1) {
  const clock = new ManualClock();
  const fs = new FaultInjectingFs(() => clock.now());
  await fs.mkdir('/data');
  const logs = await LogManager.start({ logDirs: ['/data'], fs, clock, startBackgroundTasks: false });
  const replicas = new ReplicaManager(logs, silentLogger(), () => clock.now());
  for (let p = 0; p < partitions; p++) await replicas.becomeLeader(T, p, 0, {});
  const verifier = new Verifier();
  replicas.setTransactionVerifier(verifier);
  return { clock, logs, replicas, verifier };
}

function fetch(replicas: ReplicaManager, offset: number, isolationLevel: number, partition = 0, maxWaitMs = 0): Promise<FetchResult[]> {
  return replicas.fetchMessages([{ topic: T, partition, fetchOffset: BigInt(offset), partitionMaxBytes: 1 << 20 }],
    { maxWaitMs, minBytes: 1, maxBytes: 1 << 20, isolationLevel, signal: new AbortController().signal });
}

function values(r: FetchResult): string[] {
  const out: string[] = [];
  let pos = 0;
  const buf = r.records ?? Buffer.alloc(0);
  while (pos < buf.length) {
    const b = new RecordBatch(buf, pos);
    if (!b.isControl) for (const rec of b.records()) out.push(rec.value!.toString());
    pos += b.sizeInBytes;
  }
  return out;
}

describe('ReplicaManager: transactional produce and read_committed fetch', () => {
  it('serves committed data to read_committed, hides open data, lists aborted transactions', async () => {
    const { replicas, verifier } = await setup();
    verifier.added.add(`1:${T}-0`).add(`2:${T}-0`);
    const produce = (pid: number, seq: number, vals: string[]) => replicas.appendRecords([{ topic: T, partition: 0, records: txnBatch(pid, seq, vals), transactionalId: `tx${pid}` }]);
    assert.equal((await produce(1, 0, ['a1', 'a2']))[0]!.errorCode, ErrorCode.NONE); // 0-1
    assert.equal((await produce(2, 0, ['b1']))[0]!.errorCode, ErrorCode.NONE); // 2
    assert.deepEqual(verifier.calls, [`tx1:1:0:${T}-0`, `tx2:2:0:${T}-0`]);
    assert.equal((await produce(1, 2, ['a3']))[0]!.errorCode, ErrorCode.NONE); // 3
    assert.equal(verifier.calls.length, 2, 'continuing an open transaction needs no verification');

    let [r] = await fetch(replicas, 0, 1);
    assert.deepEqual([r!.lastStableOffset, r!.highWatermark, values(r!)], [0n, 4n, []]);
    [r] = await fetch(replicas, 0, 0);
    assert.deepEqual(values(r!), ['a1', 'a2', 'b1', 'a3']);
    assert.equal(r!.abortedTransactions, null);

    assert.equal(await replicas.appendTransactionMarker(T, 0, { producerId: 1, producerEpoch: 0, coordinatorEpoch: 0, committed: false }), ErrorCode.NONE); // 4
    [r] = await fetch(replicas, 0, 1);
    assert.equal(r!.lastStableOffset, 2n, 'producer 2 is still open');
    assert.deepEqual(values(r!), ['a1', 'a2']);
    assert.deepEqual(r!.abortedTransactions, [{ producerId: 1, firstOffset: 0 }]);

    assert.equal(await replicas.appendTransactionMarker(T, 0, { producerId: 2, producerEpoch: 0, coordinatorEpoch: 0, committed: true }), ErrorCode.NONE); // 5
    [r] = await fetch(replicas, 0, 1);
    assert.equal(r!.lastStableOffset, 6n);
    assert.deepEqual(values(r!), ['a1', 'a2', 'b1', 'a3'], 'the consumer drops producer 1\'s records itself');
    assert.deepEqual(r!.abortedTransactions, [{ producerId: 1, firstOffset: 0 }]);
    [r] = await fetch(replicas, 5, 1);
    assert.deepEqual(r!.abortedTransactions, [], 'a fetch past the abort marker lists nothing');
  });

  it('answers a failed verification as Kafka 3.8 answers Produce v3-v10', async () => {
    const { replicas, verifier } = await setup();
    const produce = () => replicas.appendRecords([{ topic: T, partition: 0, records: txnBatch(1, 0, ['x']), transactionalId: 'tx' }]);
    const cases: Array<[number, number]> = [
      [ErrorCode.INVALID_TXN_STATE, ErrorCode.INVALID_TXN_STATE],
      [ErrorCode.CONCURRENT_TRANSACTIONS, ErrorCode.NOT_ENOUGH_REPLICAS],
      [ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.NOT_ENOUGH_REPLICAS],
      [ErrorCode.NOT_COORDINATOR, ErrorCode.NOT_ENOUGH_REPLICAS],
      [ErrorCode.PRODUCER_FENCED, ErrorCode.INVALID_PRODUCER_EPOCH],
      [ErrorCode.TRANSACTION_ABORTABLE, ErrorCode.INVALID_TXN_STATE],
      [ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.INVALID_PRODUCER_EPOCH],
    ];
    for (const [answer, want] of cases) {
      verifier.answer = answer;
      const [res] = await produce();
      assert.equal(res!.errorCode, want, `verifier answered ${answer}`);
    }
    assert.equal(replicas.getPartition(T, 0)!.log.logEndOffset, 0, 'nothing written');
    replicas.setTransactionVerifier(null);
    assert.equal((await produce())[0]!.errorCode, ErrorCode.INVALID_TXN_STATE, 'no transaction coordinator: refused');
  });

  it('refuses transactional batches without a transactional id, or of two producers, for the whole request', async () => {
    const { replicas, verifier } = await setup(2);
    verifier.added.add(`1:${T}-0`).add(`2:${T}-1`);
    let res = await replicas.appendRecords([
      { topic: T, partition: 0, records: txnBatch(1, 0, ['x']), transactionalId: null },
      { topic: T, partition: 1, records: buildRecordBatch([{ value: 'plain' }]), transactionalId: null },
    ]);
    assert.deepEqual(res.map((r) => r.errorCode), [ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]);
    res = await replicas.appendRecords([
      { topic: T, partition: 0, records: txnBatch(1, 0, ['x']), transactionalId: 'tx' },
      { topic: T, partition: 1, records: txnBatch(2, 0, ['y']), transactionalId: 'tx' },
    ]);
    assert.deepEqual(res.map((r) => r.errorCode), [ErrorCode.INVALID_PRODUCER_ID_MAPPING, ErrorCode.INVALID_PRODUCER_ID_MAPPING]);
    assert.equal(verifier.calls.length, 0);
  });

  it('cannot open a hanging transaction when an abort marker lands between verification and append', async () => {
    const { replicas, verifier } = await setup();
    verifier.added.add(`1:${T}-0`);
    let release!: () => void;
    verifier.gate = new Promise<void>((r) => { release = r; });
    const late = replicas.appendRecords([{ topic: T, partition: 0, records: txnBatch(1, 0, ['late']), transactionalId: 'tx' }]);
    while (verifier.calls.length === 0) await new Promise((r) => setImmediate(r));
    // The coordinator times the transaction out and aborts it while the produce is verified.
    assert.equal(await replicas.appendTransactionMarker(T, 0, { producerId: 1, producerEpoch: 0, coordinatorEpoch: 0, committed: false }), ErrorCode.NONE);
    release();
    const [res] = await late;
    assert.equal(res!.errorCode, ErrorCode.INVALID_TXN_STATE);
    const log = replicas.getPartition(T, 0)!.log;
    assert.equal(log.producerState.lastEntry(1)?.currentTxnFirstOffset, -1, 'no hanging transaction');
    assert.equal(log.lastStableOffset, log.logEndOffset);
  });

  it('keeps a producer\'s pipelined requests in order whatever order their verifications finish in', async () => {
    const { replicas, verifier } = await setup();
    let release!: () => void;
    verifier.answer = ErrorCode.NONE;
    verifier.gate = new Promise<void>((r) => { release = r; });
    const first = replicas.appendRecords([{ topic: T, partition: 0, records: txnBatch(1, 0, ['s0']), transactionalId: 'tx' }]);
    while (verifier.calls.length === 0) await new Promise((r) => setImmediate(r));
    verifier.gate = null;
    // The second request's verification answers at once; it must still be written second.
    const second = replicas.appendRecords([{ topic: T, partition: 0, records: txnBatch(1, 1, ['s1']), transactionalId: 'tx' }]);
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    release();
    const [[a], [b]] = await Promise.all([first, second]);
    assert.deepEqual([a!.errorCode, a!.baseOffset, b!.errorCode, b!.baseOffset], [ErrorCode.NONE, 0n, ErrorCode.NONE, 1n]);
  });

  it('wakes a parked read_committed fetch when a marker moves the LSO', async () => {
    const { replicas, verifier } = await setup();
    verifier.added.add(`1:${T}-0`);
    await replicas.appendRecords([{ topic: T, partition: 0, records: txnBatch(1, 0, ['w']), transactionalId: 'tx' }]);
    const started = Date.now();
    const parked = fetch(replicas, 0, 1, 0, 30_000);
    await new Promise((r) => setImmediate(r));
    assert.equal(await replicas.appendTransactionMarker(T, 0, { producerId: 1, producerEpoch: 0, coordinatorEpoch: 0, committed: true }), ErrorCode.NONE);
    const [r] = await parked;
    assert.ok(Date.now() - started < 10_000, 'woken by the marker, not the timeout');
    assert.deepEqual(values(r!), ['w']);
    assert.equal(r!.lastStableOffset, 2n);
  });

  it('fences markers by producer epoch and coordinator epoch and answers unknown partitions', async () => {
    const { replicas, verifier } = await setup();
    verifier.added.add(`1:${T}-0`);
    await replicas.appendRecords([{ topic: T, partition: 0, records: txnBatch(1, 0, ['e'], 2), transactionalId: 'tx' }]);
    assert.equal(await replicas.appendTransactionMarker(T, 0, { producerId: 1, producerEpoch: 1, coordinatorEpoch: 3, committed: true }), ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal(await replicas.appendTransactionMarker(T, 0, { producerId: 1, producerEpoch: 2, coordinatorEpoch: 3, committed: true }), ErrorCode.NONE);
    assert.equal(await replicas.appendTransactionMarker(T, 0, { producerId: 1, producerEpoch: 2, coordinatorEpoch: 2, committed: true }), ErrorCode.TRANSACTION_COORDINATOR_FENCED);
    assert.equal(await replicas.appendTransactionMarker(T, 9, { producerId: 1, producerEpoch: 2, coordinatorEpoch: 3, committed: true }), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('describes producers: epoch, last sequence, coordinator epoch, open transaction', async () => {
    const { replicas, verifier } = await setup();
    verifier.added.add(`1:${T}-0`);
    await replicas.appendRecords([{ topic: T, partition: 0, records: buildRecordBatch([{ value: 'idem' }], { producerId: 4n, producerEpoch: 1, baseSequence: 0 }) }]);
    await replicas.appendRecords([{ topic: T, partition: 0, records: txnBatch(1, 0, ['a', 'b', 'c'], 5), transactionalId: 'tx' }]);
    const d = replicas.describeProducers(T, 0);
    assert.equal(d.errorCode, ErrorCode.NONE);
    const byId = new Map(d.activeProducers.map((p) => [p.producerId, p]));
    assert.deepEqual(byId.get(1), { producerId: 1, producerEpoch: 5, lastSequence: 2, lastTimestamp: 1_700_000_000_000, coordinatorEpoch: -1, currentTxnStartOffset: 1 });
    assert.equal(byId.get(4)?.currentTxnStartOffset, -1);
    assert.equal(byId.get(4)?.lastSequence, 0);
    await replicas.appendTransactionMarker(T, 0, { producerId: 1, producerEpoch: 5, coordinatorEpoch: 7, committed: true });
    const after = replicas.describeProducers(T, 0).activeProducers.find((p) => p.producerId === 1);
    assert.deepEqual([after?.coordinatorEpoch, after?.currentTxnStartOffset], [7, -1]);
    assert.equal(replicas.describeProducers(T, 3).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(replicas.describeProducers('nope', 0).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});

describe('CoordinatorPartitionLog: transactional offset commits and markers', () => {
  it('writes a transactional batch without sequences and a marker, and loads both back', async () => {
    const { replicas } = await setup();
    const log = new CoordinatorPartitionLog(T, replicas);
    const rec = (k: string) => ({ key: Buffer.from(k), value: Buffer.from(`v-${k}`) });
    await log.append(0, [rec('plain')], 1000);
    await log.append(0, [rec('t1'), rec('t2')], 1000, { producerId: 42, producerEpoch: 3 });
    await log.append(0, [rec('t3')], 1000, { producerId: 42, producerEpoch: 3 });
    await assert.rejects(log.append(0, [rec('old')], 1000, { producerId: 42, producerEpoch: 2 }), (err: Error & { errorCode?: number }) =>
      err.errorCode === ErrorCode.INVALID_PRODUCER_EPOCH);
    const p = replicas.getPartition(T, 0)!;
    assert.equal(p.log.lastStableOffset, 1, 'the offsets transaction is open');
    await log.appendEndTransactionMarker(0, { producerId: 42, producerEpoch: 3, coordinatorEpoch: 1, committed: true });
    assert.equal(p.log.lastStableOffset, 5);
    await assert.rejects(log.appendEndTransactionMarker(0, { producerId: 42, producerEpoch: 3, coordinatorEpoch: 0, committed: false }),
      (err: Error & { errorCode?: number }) => err.errorCode === ErrorCode.TRANSACTION_COORDINATOR_FENCED);
    const loaded: Array<LoadedRecord | LoadedMarker> = [];
    for await (const e of log.read(0)) loaded.push(e);
    assert.deepEqual(loaded.map((e) => ('marker' in e ? ['marker', e.offset, e.marker] : [e.record.key.toString(), e.offset, e.transactional, e.producerId])), [
      ['plain', 0, false, -1],
      ['t1', 1, true, 42],
      ['t2', 2, true, 42],
      ['t3', 3, true, 42],
      ['marker', 4, { producerId: 42, producerEpoch: 3, coordinatorEpoch: 1, committed: true }],
    ]);
  });
});
