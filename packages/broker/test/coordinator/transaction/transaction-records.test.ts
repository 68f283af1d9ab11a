import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writer } from '@samsa/protocol';
import {
  readTransactionLogKey, readTransactionLogValue, transactionLogKey, transactionLogValue, txnStateFromName, txnStateName, TxnState,
} from '../../../src/coordinator/transaction/transaction-records.ts';

test('TransactionLogKey is version 0 and an int16-length transactional id', () => {
  assert.deepEqual([...transactionLogKey('tx')], [0, 0, 0, 2, 0x74, 0x78]);
  assert.equal(readTransactionLogKey(transactionLogKey('tx-é')), 'tx-é');
  // A key version this release does not know is skipped, not an error.
  assert.equal(readTransactionLogKey(Buffer.from([0, 1, 0, 0])), null);
});

test('TransactionLogValue v0 has Kafka\'s byte layout', () => {
  const bytes = transactionLogValue({
    producerId: 5, producerEpoch: 2, transactionTimeoutMs: 60_000, state: TxnState.Ongoing,
    partitions: [{ topic: 't', partitionIds: [0, 3] }], lastUpdateTimestampMs: 1000, startTimestampMs: 900,
  });
  const expected = new Writer(64).int16(0).int64(5n).int16(2).int32(60_000).int8(1)
    .int32(1).string('t').int32(2).int32(0).int32(3)
    .int64(1000n).int64(900n).toBuffer();
  assert.deepEqual(bytes, expected);
  assert.deepEqual(readTransactionLogValue(bytes), {
    producerId: 5, producerEpoch: 2, transactionTimeoutMs: 60_000, state: TxnState.Ongoing,
    partitions: [{ topic: 't', partitionIds: [0, 3] }], lastUpdateTimestampMs: 1000, startTimestampMs: 900,
  });
});

test('TransactionLogValue v1 (flexible, Kafka 4) is read; a null partition array is empty', () => {
  const v1 = new Writer(64).int16(1).int64(7n).int16(0).int32(1000).int8(TxnState.CompleteCommit)
    .uvarint(2).compactString('a').uvarint(2).int32(4).uvarint(0)
    .int64(5n).int64(4n).uvarint(0).toBuffer();
  assert.deepEqual(readTransactionLogValue(v1), {
    producerId: 7, producerEpoch: 0, transactionTimeoutMs: 1000, state: TxnState.CompleteCommit,
    partitions: [{ topic: 'a', partitionIds: [4] }], lastUpdateTimestampMs: 5, startTimestampMs: 4,
  });
  const nullPartitions = new Writer(64).int16(0).int64(7n).int16(0).int32(1000).int8(TxnState.Empty).int32(-1).int64(5n).int64(-1n).toBuffer();
  assert.deepEqual(readTransactionLogValue(nullPartitions).partitions, []);
  assert.throws(() => readTransactionLogValue(new Writer(8).int16(2).toBuffer()), /version 2/);
});

test('state ids and names are Kafka\'s', () => {
  const names = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'];
  names.forEach((name, id) => {
    assert.equal(txnStateName(id as TxnState), name);
    assert.equal(txnStateFromName(name), id);
  });
  assert.equal(txnStateFromName('ongoing'), undefined);
});
