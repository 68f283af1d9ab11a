import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import { transactionRecord, TxnState } from '../../../src/coordinator/transaction/transaction-records.ts';
import { settle, TransactionCoordinatorTestContext } from './transaction-coordinator-context.ts';

test('a new transactional id gets a fresh producer id, epoch 0, and an Empty record', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  const r = await ctx.init('tx', { timeoutMs: 30_000 });
  assert.deepEqual(r, { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 0 });
  assert.deepEqual(ctx.lastValue('tx'), {
    producerId: 1000, producerEpoch: 0, transactionTimeoutMs: 30_000, state: TxnState.Empty, partitions: [],
    lastUpdateTimestampMs: ctx.clock.now(), startTimestampMs: -1,
  });
});

test('a second InitProducerId bumps the epoch and fences the first producer', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  const first = await ctx.init('tx');
  const second = await ctx.init('tx');
  assert.deepEqual(second, { errorCode: ErrorCode.NONE, producerId: first.producerId, producerEpoch: 1 });
  assert.equal(await ctx.add('tx', first.producerId, 0, { t: [0] }), ErrorCode.PRODUCER_FENCED);
  assert.equal(await ctx.end('tx', first.producerId, 0, true), ErrorCode.PRODUCER_FENCED);
  assert.equal(await ctx.add('tx', first.producerId, 1, { t: [0] }), ErrorCode.NONE);
});

test('request checks: empty id and half an id/epoch pair are INVALID_REQUEST, timeouts outside (0, max] INVALID_TRANSACTION_TIMEOUT', async () => {
  const ctx = await TransactionCoordinatorTestContext.start({ transactionMaxTimeoutMs: 60_000 });
  assert.equal((await ctx.init('')).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal((await ctx.init('tx', { producerId: 5 })).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal((await ctx.init('tx', { timeoutMs: 60_001 })).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  assert.equal((await ctx.init('tx', { timeoutMs: 0 })).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  assert.equal((await ctx.init('tx', { timeoutMs: 60_000 })).errorCode, ErrorCode.NONE);
  assert.equal(ctx.log.records.length, 1);
});

test('InitProducerId during an ongoing transaction aborts it with a bumped epoch and answers CONCURRENT_TRANSACTIONS', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  const { producerId } = await ctx.ongoing('tx');
  const r = await ctx.init('tx');
  assert.deepEqual(r, { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS, producerId: -1, producerEpoch: -1 });
  await settle();
  const states = ctx.values('tx').map((v) => v && [v.state, v.producerEpoch]);
  assert.deepEqual(states, [[TxnState.Empty, 0], [TxnState.Ongoing, 0], [TxnState.PrepareAbort, 1], [TxnState.CompleteAbort, 1]]);
  // The abort markers carry the bumped epoch: the old producer's late writes are fenced at the partitions.
  assert.deepEqual(ctx.markers.written.map((m) => [m.topic, m.partition, m.producerId, m.producerEpoch, m.committed, m.coordinatorEpoch]),
    [['t', 0, producerId, 1, false, 3], ['u', 1, producerId, 1, false, 3]]);
  // The client's retry gets the second bump.
  assert.deepEqual(await ctx.init('tx'), { errorCode: ErrorCode.NONE, producerId, producerEpoch: 2 });
});

test('InitProducerId while a transaction commits or aborts is CONCURRENT_TRANSACTIONS', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  const p = await ctx.ongoing('tx');
  ctx.markers.hold();
  assert.equal(await ctx.end('tx', p.producerId, p.producerEpoch, true), ErrorCode.NONE);
  assert.equal(ctx.state('tx'), 'PrepareCommit');
  assert.equal((await ctx.init('tx')).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  ctx.markers.release();
  await settle();
  assert.equal(ctx.state('tx'), 'CompleteCommit');
  assert.deepEqual(await ctx.init('tx'), { errorCode: ErrorCode.NONE, producerId: p.producerId, producerEpoch: 1 });
});

test('KIP-360: a bump with the current epoch, its retry, and a stale or foreign producer', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  const { producerId } = await ctx.init('tx');
  assert.deepEqual(await ctx.init('tx', { producerId, producerEpoch: 0 }), { errorCode: ErrorCode.NONE, producerId, producerEpoch: 1 });
  // The answer was lost: the same request again gets the same epoch, not a second bump.
  assert.deepEqual(await ctx.init('tx', { producerId, producerEpoch: 0 }), { errorCode: ErrorCode.NONE, producerId, producerEpoch: 1 });
  assert.deepEqual(await ctx.init('tx', { producerId, producerEpoch: 1 }), { errorCode: ErrorCode.NONE, producerId, producerEpoch: 2 });
  // An epoch neither current nor the one just bumped from: a zombie.
  assert.equal((await ctx.init('tx', { producerId, producerEpoch: 0 })).errorCode, ErrorCode.PRODUCER_FENCED);
  assert.equal((await ctx.init('tx', { producerId: producerId + 1, producerEpoch: 2 })).errorCode, ErrorCode.PRODUCER_FENCED);
  // A new producer (no id) always takes over.
  assert.deepEqual(await ctx.init('tx'), { errorCode: ErrorCode.NONE, producerId, producerEpoch: 3 });
});

test('an exhausted epoch rotates to a new producer id, and the rotation\'s retry is answered again', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  ctx.log.entries.push({
    offset: 0, producerId: -1, producerEpoch: -1, transactional: false,
    record: transactionRecord('tx', {
      producerId: 42, producerEpoch: 32766, transactionTimeoutMs: 60_000, state: TxnState.CompleteCommit, partitions: [],
      lastUpdateTimestampMs: ctx.clock.now(), startTimestampMs: ctx.clock.now(),
    }),
  });
  const loaded = await ctx.reload();
  const rotated = await loaded.init('tx', { producerId: 42, producerEpoch: 32766 });
  assert.deepEqual(rotated, { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 0 });
  assert.deepEqual(await loaded.init('tx', { producerId: 42, producerEpoch: 32766 }), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 0 });
  assert.equal(loaded.nextProducerId, 1001);
});

test('a failed append answers the coordinator error and leaves nothing pending', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  await ctx.init('tx');
  ctx.log.failNextAppends = 1;
  // The in-memory log fails with KAFKA_STORAGE_ERROR, which a coordinator answers as NOT_COORDINATOR.
  assert.equal((await ctx.init('tx')).errorCode, ErrorCode.NOT_COORDINATOR);
  assert.deepEqual(await ctx.init('tx'), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 1 });
});

test('requests for a partition this broker does not serve are NOT_COORDINATOR', async () => {
  const ctx = await TransactionCoordinatorTestContext.start();
  ctx.coordinator.shutdown();
  assert.equal((await ctx.init('tx')).errorCode, ErrorCode.NOT_COORDINATOR);
  assert.equal(await ctx.end('tx', 1, 0, true), ErrorCode.NOT_COORDINATOR);
  assert.equal(ctx.coordinator.describeTransactions(['tx'])[0]!.errorCode, ErrorCode.NOT_COORDINATOR);
});
