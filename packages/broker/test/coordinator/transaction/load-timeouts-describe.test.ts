import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import { TransactionCoordinator } from '../../../src/coordinator/transaction/transaction-coordinator.ts';
import { defaultTransactionCoordinatorConfig } from '../../../src/coordinator/transaction/transaction-metadata.ts';
import { TxnState } from '../../../src/coordinator/transaction/transaction-records.ts';
import { silentLogger } from '../../../src/logger.ts';
import { ManualClock } from '../../../src/storage/clock.ts';
import { MemoryCoordinatorLog } from '../group/group-coordinator-context.ts';
import { MemoryMarkerWriter, settle, TransactionCoordinatorTestContext } from './transaction-coordinator-context.ts';

test('load: a reload replays every id to the same state, and the last producer epoch is not kept', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  const a = await ctx.ongoing('a');
  const b = await ctx.init('b');
  await ctx.init('b', { producerId: b.producerId, producerEpoch: 0 });
  const c = await ctx.init('c');
  await ctx.add('c', c.producerId, 0, { t: [3] });
  await ctx.end('c', c.producerId, 0, true);
  await settle();
  const before = ctx.coordinator.describeTransactions(['a', 'b', 'c']);
  const loaded = await ctx.reload();
  assert.deepEqual(loaded.coordinator.describeTransactions(['a', 'b', 'c']), before);
  assert.deepEqual(before.map((d) => d.transactionState), ['Ongoing', 'Empty', 'CompleteCommit']);
  // The epoch bumped from is in memory only (the v0 value has no field for it), as in Kafka:
  // after a load, a retried KIP-360 bump from epoch 0 is a zombie.
  assert.equal((await loaded.init('b', { producerId: b.producerId, producerEpoch: 0 })).errorCode, ErrorCode.PRODUCER_FENCED);
  assert.equal(await loaded.add('a', a.producerId, 0, { t: [1] }), ErrorCode.NONE);
});

test('load: a transaction found in PrepareCommit gets its markers again, then CompleteCommit', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  const p = await ctx.ongoing('tx');
  ctx.markers.hold();
  assert.equal(await ctx.end('tx', p.producerId, 0, true), ErrorCode.NONE);
  // The broker stops before any marker was written.
  const markers = new MemoryMarkerWriter();
  ctx.coordinator.shutdown();
  const next = new TransactionCoordinatorTestContext(ctx.config, ctx.log, markers, ctx.topics);
  next.coordinatorEpoch = 4;
  next.clock.advance(ctx.clock.now() - next.clock.now());
  const loaded = await reopen(next);
  await settle();
  assert.deepEqual(markers.written.map((m) => [m.topic, m.partition, m.committed, m.producerEpoch, m.coordinatorEpoch]),
    [['t', 0, true, 0, 4], ['u', 1, true, 0, 4]]);
  assert.equal(loaded.state('tx'), 'CompleteCommit');
  ctx.markers.release();
});

/** Opens a context built by hand (to give it its own marker writer and coordinator epoch). */
async function reopen(ctx: TransactionCoordinatorTestContext): Promise<TransactionCoordinatorTestContext> {
  ctx.coordinator = new TransactionCoordinator({
    log: ctx.log, topic: { partitionCount: () => 1, create: () => Promise.resolve(1) }, clock: ctx.clock, config: ctx.config, numPartitions: 1,
    producerIds: { generateProducerId: () => Promise.resolve(ctx.nextProducerId++) }, markers: ctx.markers,
    coordinatorEpochFor: () => ctx.coordinatorEpoch, partitionExists: () => true, groupMetadataTopic: '__consumer_offsets',
    groupPartitionFor: () => 0, logger: silentLogger(),
  });
  await ctx.coordinator.startup();
  return ctx;
}

test('load: markers of a PrepareAbort whose retries were cut short by a restart resume after the load', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  const p = await ctx.ongoing('tx');
  ctx.markers.fail('t', 0, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  await ctx.end('tx', p.producerId, 0, false);
  await settle();
  assert.equal(ctx.state('tx'), 'PrepareAbort');
  const loaded = await ctx.reload();
  await settle();
  assert.equal(loaded.state('tx'), 'CompleteAbort');
  assert.deepEqual(loaded.markers.written.filter((m) => m.topic === 't').map((m) => m.committed), [false]);
  // The old coordinator's retry timer was cancelled with it.
  await ctx.advance(1_000);
  assert.equal(loaded.markers.attempts.filter((m) => m.topic === 't').length, 2);
});

test('timeouts: an Ongoing transaction past its timeout is aborted with a bumped epoch, fencing its producer', async () => {
  const ctx = await TransactionCoordinatorTestContext.start({ abortTimedOutTransactionsIntervalMs: 1_000 });
  const p = await ctx.ongoing('tx', 5_000);
  const fresh = await ctx.ongoing('other', 60_000);
  await ctx.advance(5_000);
  assert.equal(ctx.state('tx'), 'Ongoing');
  await ctx.advance(1_000);
  assert.equal(ctx.state('tx'), 'CompleteAbort');
  assert.deepEqual(ctx.values('tx').slice(-2).map((v) => [v!.state, v!.producerEpoch]), [[TxnState.PrepareAbort, 1], [TxnState.CompleteAbort, 1]]);
  assert.deepEqual(ctx.markers.written.map((m) => [m.topic, m.partition, m.producerEpoch, m.committed]), [['t', 0, 1, false], ['u', 1, 1, false]]);
  assert.equal(await ctx.end('tx', p.producerId, 0, true), ErrorCode.PRODUCER_FENCED);
  assert.equal(await ctx.coordinator.verifyTransaction('tx', p.producerId, 0, 't', 0), ErrorCode.PRODUCER_FENCED);
  assert.equal(ctx.state('other'), 'Ongoing');
  assert.equal(await ctx.end('other', fresh.producerId, 0, true), ErrorCode.NONE);
  // A new producer instance takes over from the fenced epoch.
  assert.deepEqual(await ctx.init('tx'), { errorCode: ErrorCode.NONE, producerId: p.producerId, producerEpoch: 2 });
});

test('timeouts are armed again after a load', async () => {
  const ctx = await TransactionCoordinatorTestContext.start({ abortTimedOutTransactionsIntervalMs: 1_000 });
  await ctx.ongoing('tx', 5_000);
  const loaded = await ctx.reload();
  await loaded.advance(6_000);
  assert.equal(loaded.state('tx'), 'CompleteAbort');
});

test('expiry: ids idle past transactional.id.expiration.ms in Empty or Complete* are tombstoned; ongoing ones are kept', async () => {
  const ctx = await TransactionCoordinatorTestContext.start({
    transactionalIdExpirationMs: 10_000, removeExpiredTransactionalIdsIntervalMs: 1_000, transactionMaxTimeoutMs: 3_600_000,
  });
  await ctx.init('idle');
  const done = await ctx.ongoing('done');
  await ctx.end('done', done.producerId, 0, true);
  await ctx.ongoing('busy', 3_600_000);
  await ctx.advance(9_000);
  assert.equal(ctx.state('idle'), 'Empty');
  await ctx.advance(2_000);
  assert.equal(ctx.lastValue('idle'), null);
  assert.equal(ctx.lastValue('done'), null);
  assert.equal(ctx.state('busy'), 'Ongoing');
  assert.equal(ctx.coordinator.describeTransactions(['idle'])[0]!.errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  // Gone after a load too, and the id starts over with a new producer id.
  const loaded = await ctx.reload();
  assert.equal(loaded.coordinator.describeTransactions(['done'])[0]!.errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  const again = await loaded.init('done');
  assert.equal(again.producerEpoch, 0);
  assert.notEqual(again.producerId, done.producerId);
});

test('DescribeTransactions: state, producer, timeout, start time and partitions; unknown and empty ids', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  const started = ctx.clock.now();
  const p = await ctx.ongoing('tx', 30_000);
  assert.deepEqual(ctx.coordinator.describeTransactions(['tx', 'nope', '']), [
    {
      errorCode: ErrorCode.NONE, transactionalId: 'tx', transactionState: 'Ongoing', transactionTimeoutMs: 30_000,
      transactionStartTimeMs: started, producerId: p.producerId, producerEpoch: 0, topics: [{ topic: 't', partitions: [0] }, { topic: 'u', partitions: [1] }],
    },
    { errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, transactionalId: 'nope', transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] },
    { errorCode: ErrorCode.INVALID_REQUEST, transactionalId: '', transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] },
  ]);
});

test('ListTransactions filters by state, producer id and (v1) duration; unknown states are reported', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  const a = await ctx.ongoing('a');
  await ctx.advance(10_000);
  const b = await ctx.ongoing('b');
  await ctx.init('c');
  await ctx.advance(1_000);
  const list = (stateFilters: string[], producerIdFilters: number[] = [], durationFilterMs = -1) => {
    const r = ctx.coordinator.listTransactions({ stateFilters, producerIdFilters, durationFilterMs });
    return { ...r, transactionStates: r.transactionStates.map((t) => t.transactionalId).sort() };
  };
  assert.deepEqual(list([]), { errorCode: ErrorCode.NONE, unknownStateFilters: [], transactionStates: ['a', 'b', 'c'] });
  assert.deepEqual(list(['Ongoing', 'Bogus']).transactionStates, ['a', 'b']);
  assert.deepEqual(list(['Ongoing', 'Bogus']).unknownStateFilters, ['Bogus']);
  assert.deepEqual(list(['Bogus']).transactionStates, []);
  assert.deepEqual(list([], [b.producerId]).transactionStates, ['b']);
  assert.deepEqual(list(['Ongoing'], [], 5_000).transactionStates, ['a']);
  assert.deepEqual(ctx.coordinator.listTransactions({ stateFilters: ['Ongoing'], producerIdFilters: [a.producerId], durationFilterMs: -1 }).transactionStates,
    [{ transactionalId: 'a', producerId: a.producerId, transactionState: 'Ongoing' }]);
});

test('FindCoordinator creates and loads __transaction_state on first use', async () => {
  const clock = new ManualClock();
  let partitions: number | null = null;
  const created: number[] = [];
  const coordinator = new TransactionCoordinator({
    log: new MemoryCoordinatorLog(),
    topic: { partitionCount: () => partitions, create: (n) => { created.push(n); partitions = 1; return Promise.resolve(1); } },
    clock, config: defaultTransactionCoordinatorConfig, numPartitions: 50,
    producerIds: { generateProducerId: () => Promise.resolve(1) }, markers: new MemoryMarkerWriter(),
    coordinatorEpochFor: () => 0, partitionExists: () => true, groupMetadataTopic: '__consumer_offsets', groupPartitionFor: () => 0,
    logger: silentLogger(),
  });
  await coordinator.startup();
  assert.equal(await coordinator.verifyTransaction('tx', 1, 0, 't', 0), ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.equal(await coordinator.findCoordinator('tx'), ErrorCode.NONE);
  assert.deepEqual(created, [50]);
  assert.equal(coordinator.partitionFor('tx'), 0);
  assert.equal((await coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 1000, producerId: -1, producerEpoch: -1 })).errorCode, ErrorCode.NONE);
  coordinator.shutdown();
});

test('transactional ids hash to partitions as Kafka\'s Utils.abs(String.hashCode) % n', async () => {
  const coordinator = new TransactionCoordinator({
    log: new MemoryCoordinatorLog(), topic: { partitionCount: () => 50, create: () => Promise.resolve(50) }, clock: new ManualClock(),
    config: defaultTransactionCoordinatorConfig, numPartitions: 50, producerIds: { generateProducerId: () => Promise.resolve(1) },
    markers: new MemoryMarkerWriter(), coordinatorEpochFor: () => 0, partitionExists: () => true, groupMetadataTopic: '__consumer_offsets',
    groupPartitionFor: () => 0, logger: silentLogger(),
  });
  // "my-txn".hashCode() is -1061187895 in Java: |h| % 50 = 45.
  assert.equal(coordinator.partitionFor('my-txn'), 45);
});
