/**
 * The transaction handlers over a real coordinator: requests go through the wire codecs
 * (written, read back at the version), answers are encoded at the version, and the
 * per-version error mapping (PRODUCER_FENCED for old clients) is Kafka's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, Reader, Writer, type Input, type MessageCodec } from '@samsa/protocol';
import type { Handler } from '../../../src/handlers/handler.ts';
import { initProducerIdHandler } from '../../../src/handlers/22-init-producer-id.ts';
import { addPartitionsToTxnHandler } from '../../../src/handlers/24-add-partitions-to-txn.ts';
import { addOffsetsToTxnHandler } from '../../../src/handlers/25-add-offsets-to-txn.ts';
import { endTxnHandler } from '../../../src/handlers/26-end-txn.ts';
import { describeTransactionsHandler } from '../../../src/handlers/65-describe-transactions.ts';
import { listTransactionsHandler } from '../../../src/handlers/66-list-transactions.ts';
import type { BrokerServices } from '../../../src/handlers/services.ts';
import type { RequestContext } from '../../../src/server/request-context.ts';
import { settle, TransactionCoordinatorTestContext } from './transaction-coordinator-context.ts';

function roundTrip<T>(codec: MessageCodec<T>, version: number, value: Input<T>): T {
  const w = new Writer(128);
  codec.write(w, version, value);
  return codec.read(new Reader(w.toBuffer()), version);
}

/** Sends `req` to the handler at `version` as a client would and decodes the answer. */
async function call<Req, Res>(h: Handler<Req, Res>, version: number, req: Input<Req>): Promise<Res> {
  const ctx = { apiVersion: version } as RequestContext;
  const out = await h.handle(roundTrip(h.request, version, req), ctx);
  assert.ok(out !== null);
  return roundTrip(h.response, version, out);
}

async function setup() {
  const ctx = await TransactionCoordinatorTestContext.start();
  const s = { transactions: ctx.coordinator } as unknown as BrokerServices;
  return { ctx, s };
}

test('InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn and EndTxn through the handlers at every served version', async () => {
  const { ctx, s } = await setup();
  for (const v of [0, 1, 2, 3]) {
    const id = `tx-${v}`;
    const init = await call(initProducerIdHandler(s), v, { transactionalId: id, transactionTimeoutMs: 10_000 });
    assert.equal(init.errorCode, ErrorCode.NONE);
    const add = await call(addPartitionsToTxnHandler(s), v, {
      v3AndBelowTransactionalId: id, v3AndBelowProducerId: init.producerId, v3AndBelowProducerEpoch: init.producerEpoch,
      v3AndBelowTopics: [{ name: 't', partitions: [0, 1] }],
    });
    assert.deepEqual(add.resultsByTopicV3AndBelow.map((t) => [t.name, t.resultsByPartition.map((p) => p.partitionErrorCode)]), [['t', [0, 0]]]);
    const offsets = await call(addOffsetsToTxnHandler(s), v, { transactionalId: id, producerId: init.producerId, producerEpoch: init.producerEpoch, groupId: 'g' });
    assert.equal(offsets.errorCode, ErrorCode.NONE);
    const end = await call(endTxnHandler(s), v, { transactionalId: id, producerId: init.producerId, producerEpoch: init.producerEpoch, committed: true });
    assert.equal(end.errorCode, ErrorCode.NONE);
  }
  await settle();
  assert.equal(ctx.markers.written.length, 4 * 3);
});

test('PRODUCER_FENCED is INVALID_PRODUCER_EPOCH below InitProducerId v4 and below v2 of the others', async () => {
  const { s } = await setup();
  const first = await call(initProducerIdHandler(s), 4, { transactionalId: 'tx', transactionTimeoutMs: 10_000 });
  await call(initProducerIdHandler(s), 4, { transactionalId: 'tx', transactionTimeoutMs: 10_000 });
  const stale = { producerId: first.producerId, producerEpoch: 0 };
  for (const [v, expected] of [[3, ErrorCode.INVALID_PRODUCER_EPOCH], [4, ErrorCode.PRODUCER_FENCED]] as const) {
    const r = await call(initProducerIdHandler(s), v, { transactionalId: 'tx', transactionTimeoutMs: 10_000, ...stale, producerEpoch: 7 });
    assert.equal(r.errorCode, expected, `InitProducerId v${v}`);
  }
  for (const [v, expected] of [[1, ErrorCode.INVALID_PRODUCER_EPOCH], [2, ErrorCode.PRODUCER_FENCED]] as const) {
    const add = await call(addPartitionsToTxnHandler(s), v, {
      v3AndBelowTransactionalId: 'tx', v3AndBelowProducerId: stale.producerId, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [{ name: 't', partitions: [0] }],
    });
    assert.equal(add.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode, expected, `AddPartitionsToTxn v${v}`);
    assert.equal((await call(addOffsetsToTxnHandler(s), v, { transactionalId: 'tx', ...stale, groupId: 'g' })).errorCode, expected, `AddOffsetsToTxn v${v}`);
    assert.equal((await call(endTxnHandler(s), v, { transactionalId: 'tx', ...stale, committed: true })).errorCode, expected, `EndTxn v${v}`);
  }
});

test('AddPartitionsToTxn v4 answers a batch of transactions, verifyOnly ones without adding', async () => {
  const { ctx, s } = await setup();
  const a = await ctx.ongoing('a');
  const b = await ctx.init('b');
  const r = await call(addPartitionsToTxnHandler(s), 4, {
    transactions: [
      { transactionalId: 'a', producerId: BigInt(a.producerId), producerEpoch: 0, verifyOnly: true, topics: [{ name: 't', partitions: [0, 2] }] },
      { transactionalId: 'b', producerId: BigInt(b.producerId), producerEpoch: 0, verifyOnly: false, topics: [{ name: 'u', partitions: [0] }] },
    ],
  });
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.deepEqual(r.resultsByTransaction.map((t) => [t.transactionalId, t.topicResults.flatMap((x) => x.resultsByPartition.map((p) => p.partitionErrorCode))]),
    [['a', [ErrorCode.NONE, ErrorCode.INVALID_TXN_STATE]], ['b', [ErrorCode.NONE]]]);
  assert.equal(ctx.state('b'), 'Ongoing');
  assert.equal(ctx.coordinator.describeTransactions(['a'])[0]!.topics.find((t) => t.topic === 't')!.partitions.length, 1);
});

test('DescribeTransactions and ListTransactions (v0 ignores the duration filter)', async () => {
  const { ctx, s } = await setup();
  const a = await ctx.ongoing('a');
  await ctx.advance(5_000);
  await ctx.init('b');
  const d = await call(describeTransactionsHandler(s), 0, { transactionalIds: ['a', 'zz'] });
  assert.deepEqual(d.transactionStates.map((t) => [t.transactionalId, t.errorCode, t.transactionState, t.producerId]),
    [['a', ErrorCode.NONE, 'Ongoing', BigInt(a.producerId)], ['zz', ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, '', -1n]]);
  const v0 = await call(listTransactionsHandler(s), 0, { stateFilters: [], producerIdFilters: [] });
  assert.deepEqual(v0.transactionStates.map((t) => t.transactionalId).sort(), ['a', 'b']);
  const v1 = await call(listTransactionsHandler(s), 1, { stateFilters: ['Ongoing', 'Nope'], producerIdFilters: [], durationFilter: 1_000n });
  assert.deepEqual(v1.transactionStates.map((t) => t.transactionalId), ['a']);
  assert.deepEqual(v1.unknownStateFilters, ['Nope']);
});
