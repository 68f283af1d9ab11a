import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import { TxnState } from '../../../src/coordinator/transaction/transaction-records.ts';
import { GROUP_PARTITION, settle, TransactionCoordinatorTestContext } from './transaction-coordinator-context.ts';

test('AddPartitionsToTxn starts the transaction (Ongoing, start time) and adds to it; partitions already in it write nothing', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  const { producerId } = await ctx.init('tx');
  const started = ctx.clock.now();
  assert.equal(await ctx.add('tx', producerId, 0, { t: [1, 0] }), ErrorCode.NONE);
  await ctx.advance(50);
  assert.equal(await ctx.add('tx', producerId, 0, { u: [1] }), ErrorCode.NONE);
  const v = ctx.lastValue('tx')!;
  assert.equal(v.state, TxnState.Ongoing);
  assert.deepEqual(v.partitions, [{ topic: 't', partitionIds: [0, 1] }, { topic: 'u', partitionIds: [1] }]);
  assert.equal(v.startTimestampMs, started);
  assert.equal(v.lastUpdateTimestampMs, started + 50);
  const records = ctx.log.records.length;
  assert.equal(await ctx.add('tx', producerId, 0, { t: [0], u: [1] }), ErrorCode.NONE);
  assert.equal(ctx.log.records.length, records);
});

test('AddPartitionsToTxn errors: unknown id or producer id, fenced epoch, unknown partitions', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  assert.equal(await ctx.add('nope', 1, 0, { t: [0] }), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  const { producerId } = await ctx.init('tx');
  assert.equal(await ctx.add('tx', producerId + 1, 0, { t: [0] }), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await ctx.add('tx', producerId, 1, { t: [0] }), ErrorCode.PRODUCER_FENCED);
  assert.equal(await ctx.add('', producerId, 0, { t: [0] }), ErrorCode.INVALID_REQUEST);
  const r = await ctx.coordinator.addPartitionsToTxn({
    transactionalId: 'tx', producerId, producerEpoch: 0, verifyOnly: false, topics: [{ name: 't', partitions: [0, 9] }, { name: 'gone', partitions: [0] }],
  });
  assert.deepEqual(r, [
    { name: 't', resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: ErrorCode.OPERATION_NOT_ATTEMPTED }, { partitionIndex: 9, partitionErrorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] },
    { name: 'gone', resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] },
  ]);
  assert.equal(ctx.state('tx'), 'Empty');
});

test('AddOffsetsToTxn adds the group\'s __consumer_offsets partition', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  const { producerId } = await ctx.init('tx');
  assert.equal(await ctx.coordinator.addOffsetsToTxn({ transactionalId: 'tx', producerId, producerEpoch: 0, groupId: 'g' }), ErrorCode.NONE);
  assert.deepEqual(ctx.lastValue('tx')!.partitions, [{ topic: '__consumer_offsets', partitionIds: [GROUP_PARTITION] }]);
  assert.equal(await ctx.coordinator.addOffsetsToTxn({ transactionalId: 'tx', producerId, producerEpoch: 1, groupId: 'g' }), ErrorCode.PRODUCER_FENCED);
  // Committing writes the group's marker too.
  assert.equal(await ctx.end('tx', producerId, 0, true), ErrorCode.NONE);
  await settle();
  assert.deepEqual(ctx.markers.written.map((m) => [m.topic, m.partition, m.committed]), [['__consumer_offsets', GROUP_PARTITION, true]]);
});

test('EndTxn commit: PrepareCommit, the answer, COMMIT markers to every partition, then CompleteCommit', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  const p = await ctx.ongoing('tx');
  ctx.markers.hold();
  assert.equal(await ctx.end('tx', p.producerId, p.producerEpoch, true), ErrorCode.NONE);
  assert.equal(ctx.lastValue('tx')!.state, TxnState.PrepareCommit);
  assert.deepEqual(ctx.lastValue('tx')!.partitions, [{ topic: 't', partitionIds: [0] }, { topic: 'u', partitionIds: [1] }]);
  assert.equal(ctx.markers.written.length, 0);
  ctx.markers.release();
  await settle();
  assert.deepEqual(ctx.markers.written.map((m) => ({ ...m })), [
    { topic: 't', partition: 0, producerId: p.producerId, producerEpoch: 0, coordinatorEpoch: 3, committed: true },
    { topic: 'u', partition: 1, producerId: p.producerId, producerEpoch: 0, coordinatorEpoch: 3, committed: true },
  ]);
  const done = ctx.lastValue('tx')!;
  assert.equal(done.state, TxnState.CompleteCommit);
  assert.deepEqual(done.partitions, []);
  // The next transaction starts from CompleteCommit without a new InitProducerId.
  assert.equal(await ctx.add('tx', p.producerId, 0, { t: [2] }), ErrorCode.NONE);
  assert.equal(ctx.state('tx'), 'Ongoing');
});

test('EndTxn abort writes ABORT markers and CompleteAbort', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  const p = await ctx.ongoing('tx');
  assert.equal(await ctx.end('tx', p.producerId, p.producerEpoch, false), ErrorCode.NONE);
  await settle();
  assert.deepEqual(ctx.markers.written.map((m) => m.committed), [false, false]);
  assert.deepEqual(ctx.values('tx').map((v) => v!.state), [TxnState.Empty, TxnState.Ongoing, TxnState.PrepareAbort, TxnState.CompleteAbort]);
});

test('EndTxn retries and wrong states: completed same result NONE, other result or Empty INVALID_TXN_STATE, in flight CONCURRENT_TRANSACTIONS', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  const { producerId } = await ctx.init('tx');
  assert.equal(await ctx.end('tx', producerId, 0, true), ErrorCode.INVALID_TXN_STATE);
  assert.equal(await ctx.end('tx', producerId + 1, 0, true), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await ctx.end('nope', producerId, 0, true), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await ctx.end('', producerId, 0, true), ErrorCode.INVALID_REQUEST);
  await ctx.add('tx', producerId, 0, { t: [0] });
  ctx.markers.hold();
  assert.equal(await ctx.end('tx', producerId, 0, true), ErrorCode.NONE);
  assert.equal(await ctx.end('tx', producerId, 0, true), ErrorCode.CONCURRENT_TRANSACTIONS);
  assert.equal(await ctx.end('tx', producerId, 0, false), ErrorCode.CONCURRENT_TRANSACTIONS);
  assert.equal(await ctx.add('tx', producerId, 0, { t: [1] }), ErrorCode.CONCURRENT_TRANSACTIONS);
  assert.equal(await ctx.end('tx', producerId, 1, true), ErrorCode.PRODUCER_FENCED);
  ctx.markers.release();
  await settle();
  const records = ctx.log.records.length;
  assert.equal(await ctx.end('tx', producerId, 0, true), ErrorCode.NONE);
  assert.equal(await ctx.end('tx', producerId, 0, false), ErrorCode.INVALID_TXN_STATE);
  assert.equal(ctx.log.records.length, records);
});

test('EndTxn whose Prepare* append fails answers the coordinator error and the transaction stays Ongoing', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  const p = await ctx.ongoing('tx');
  ctx.log.failNextAppends = 1;
  assert.equal(await ctx.end('tx', p.producerId, 0, true), ErrorCode.NOT_COORDINATOR);
  assert.equal(ctx.state('tx'), 'Ongoing');
  assert.equal(ctx.markers.attempts.length, 0);
  assert.equal(await ctx.end('tx', p.producerId, 0, true), ErrorCode.NONE);
});

test('markers: retriable errors are retried after a backoff on the clock; a deleted topic\'s partition is dropped', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  const p = await ctx.ongoing('tx');
  ctx.markers.fail('t', 0, ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_ENOUGH_REPLICAS);
  ctx.markers.fail('u', 1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal(await ctx.end('tx', p.producerId, 0, true), ErrorCode.NONE);
  await settle();
  assert.equal(ctx.state('tx'), 'PrepareCommit');
  // Only the partition still waiting is described.
  assert.deepEqual(ctx.coordinator.describeTransactions(['tx'])[0]!.topics, [{ topic: 't', partitions: [0] }]);
  await ctx.advance(99);
  assert.equal(ctx.markers.attempts.filter((m) => m.topic === 't').length, 1);
  await ctx.advance(1);
  assert.equal(ctx.markers.attempts.filter((m) => m.topic === 't').length, 2);
  assert.equal(ctx.state('tx'), 'PrepareCommit');
  await ctx.advance(200);
  assert.equal(ctx.markers.attempts.filter((m) => m.topic === 't').length, 3);
  assert.equal(ctx.state('tx'), 'CompleteCommit');
  assert.deepEqual(ctx.markers.written.map((m) => [m.topic, m.partition]), [['t', 0]]);
});

test('markers: a fenced marker stops the job and the transaction stays in PrepareCommit', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  const p = await ctx.ongoing('tx');
  ctx.markers.fail('t', 0, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal(await ctx.end('tx', p.producerId, 0, true), ErrorCode.NONE);
  await ctx.advance(10_000);
  assert.equal(ctx.state('tx'), 'PrepareCommit');
  assert.equal(ctx.markers.attempts.filter((m) => m.topic === 't').length, 1);
  assert.equal((await ctx.init('tx')).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
});

test('the Complete* append is retried when it fails', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  const p = await ctx.ongoing('tx');
  ctx.markers.hold();
  assert.equal(await ctx.end('tx', p.producerId, 0, false), ErrorCode.NONE);
  ctx.log.failNextAppends = 1;
  ctx.markers.release();
  await settle();
  assert.equal(ctx.state('tx'), 'PrepareAbort');
  await ctx.advance(100);
  assert.equal(ctx.state('tx'), 'CompleteAbort');
  assert.equal(ctx.values('tx').filter((v) => v!.state === TxnState.CompleteAbort).length, 1);
});

test('KIP-890 verification: NONE for a partition in the ongoing transaction, else Kafka\'s verifyOnly answers', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  const c = ctx.coordinator;
  assert.equal(await c.verifyTransaction('tx', 1000, 0, 't', 0), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  const p = await ctx.ongoing('tx');
  const records = ctx.log.records.length;
  assert.equal(await c.verifyTransaction('tx', p.producerId, 0, 't', 0), ErrorCode.NONE);
  assert.equal(await c.verifyTransaction('tx', p.producerId, 0, 't', 1), ErrorCode.INVALID_TXN_STATE);
  assert.equal(await c.verifyTransaction('tx', p.producerId, 1, 't', 0), ErrorCode.PRODUCER_FENCED);
  assert.equal(await c.verifyTransaction('tx', p.producerId + 1, 0, 't', 0), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await c.verifyTransaction('', p.producerId, 0, 't', 0), ErrorCode.INVALID_REQUEST);
  // AddPartitionsToTxn v4 verifyOnly answers per partition and writes nothing.
  const r = await c.addPartitionsToTxn({ transactionalId: 'tx', producerId: p.producerId, producerEpoch: 0, verifyOnly: true, topics: [{ name: 't', partitions: [0, 1] }] });
  assert.deepEqual(r[0]!.resultsByPartition.map((x) => x.partitionErrorCode), [ErrorCode.NONE, ErrorCode.INVALID_TXN_STATE]);
  assert.equal(ctx.log.records.length, records);
  ctx.markers.hold();
  await ctx.end('tx', p.producerId, 0, true);
  assert.equal(await c.verifyTransaction('tx', p.producerId, 0, 't', 0), ErrorCode.CONCURRENT_TRANSACTIONS);
  ctx.markers.release();
  await settle();
  assert.equal(await c.verifyTransaction('tx', p.producerId, 0, 't', 0), ErrorCode.INVALID_TXN_STATE);
});
