import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CorruptRecordError, ProtocolError, SamsaError, SamsaErrorCodes } from '@samsa/protocol';
import {
  CorruptLogError, InvalidProducerEpochError, InvalidRecordError, InvalidTxnStateError, KafkaErrorCode, KafkaStorageError,
  OffsetOutOfRangeError, OutOfOrderSequenceError, ProducerStateError, RecordTooLargeError, StorageError,
  TransactionCoordinatorFencedError, UnknownProducerIdError, storageErrorFrom,
} from '../../src/storage/errors.ts';

/** One of each storage error, with the Samsa code and Kafka error code it must carry. */
const cases: readonly { error: StorageError; code: string; errorCode: number }[] = [
  { error: new KafkaStorageError('disk gone'), code: 'SAMSA_ERR_STORAGE_IO', errorCode: KafkaErrorCode.KAFKA_STORAGE_ERROR },
  { error: new OffsetOutOfRangeError('x'), code: 'SAMSA_ERR_STORAGE_OFFSET_OUT_OF_RANGE', errorCode: KafkaErrorCode.OFFSET_OUT_OF_RANGE },
  { error: new CorruptLogError('/d/0.log', 12, 'bad crc'), code: 'SAMSA_ERR_STORAGE_CORRUPT', errorCode: KafkaErrorCode.CORRUPT_MESSAGE },
  { error: new RecordTooLargeError('x'), code: 'SAMSA_ERR_STORAGE_INVALID_BATCH', errorCode: KafkaErrorCode.MESSAGE_TOO_LARGE },
  { error: new InvalidRecordError('x'), code: 'SAMSA_ERR_STORAGE_INVALID_BATCH', errorCode: KafkaErrorCode.INVALID_RECORD },
  { error: new OutOfOrderSequenceError('x'), code: 'SAMSA_ERR_STORAGE_PRODUCER_STATE', errorCode: KafkaErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER },
  { error: new InvalidProducerEpochError('x'), code: 'SAMSA_ERR_STORAGE_PRODUCER_STATE', errorCode: KafkaErrorCode.INVALID_PRODUCER_EPOCH },
  { error: new UnknownProducerIdError('x'), code: 'SAMSA_ERR_STORAGE_PRODUCER_STATE', errorCode: KafkaErrorCode.UNKNOWN_PRODUCER_ID },
  { error: new InvalidTxnStateError('x'), code: 'SAMSA_ERR_STORAGE_PRODUCER_STATE', errorCode: KafkaErrorCode.INVALID_TXN_STATE },
  {
    error: new TransactionCoordinatorFencedError('x'),
    code: 'SAMSA_ERR_STORAGE_PRODUCER_STATE', errorCode: KafkaErrorCode.TRANSACTION_COORDINATOR_FENCED,
  },
];

describe('storage errors', () => {
  it('carry a documented SAMSA_ERR_STORAGE_* code and the Kafka error code a handler answers with', () => {
    for (const { error, code, errorCode } of cases) {
      assert.equal(error.code, code, error.name);
      assert.ok(code in SamsaErrorCodes, `${code} is not in the registry`);
      assert.equal(error.errorCode, errorCode, error.name);
      assert.equal(error.name, error.constructor.name);
      assert.ok(error instanceof Error && error instanceof SamsaError && error instanceof StorageError, error.name);
    }
    const corrupt = new CorruptLogError('/d/0.log', 12, 'bad crc');
    assert.equal(corrupt.message, '/d/0.log at position 12: bad crc');
    assert.equal(corrupt.path, '/d/0.log');
    assert.equal(corrupt.position, 12);
  });

  it('are instances of their own class and its ancestors only', () => {
    const classes = [
      KafkaStorageError, OffsetOutOfRangeError, CorruptLogError, RecordTooLargeError, InvalidRecordError,
      OutOfOrderSequenceError, InvalidProducerEpochError, UnknownProducerIdError, InvalidTxnStateError,
      TransactionCoordinatorFencedError,
    ];
    for (const { error } of cases) {
      for (const cls of classes) assert.equal(error instanceof cls, error.constructor === cls, `${error.name} instanceof ${cls.name}`);
      const fromProducerState = Object.getPrototypeOf(error.constructor) === ProducerStateError;
      assert.equal(error instanceof ProducerStateError, fromProducerState, `${error.name} instanceof ProducerStateError`);
    }
    assert.ok(!(new OffsetOutOfRangeError('x') instanceof KafkaStorageError));
    assert.ok(!(new StorageError('SAMSA_ERR_STORAGE_IO', KafkaErrorCode.KAFKA_STORAGE_ERROR, 'x') instanceof KafkaStorageError));
    // Samsa's other errors share the brand but are not storage errors.
    assert.ok(!(new ProtocolError('SAMSA_ERR_PROTOCOL_TRUNCATED', 'x') instanceof StorageError));
    assert.ok(!(new CorruptRecordError('x') instanceof CorruptLogError));
  });

  it('carry both codes, the message and the cause', () => {
    const cause = new CorruptRecordError('crc mismatch');
    const err = new StorageError('SAMSA_ERR_STORAGE_CORRUPT', KafkaErrorCode.CORRUPT_MESSAGE, 'stored', { cause });
    assert.equal(err.code, 'SAMSA_ERR_STORAGE_CORRUPT');
    assert.equal(err.errorCode, KafkaErrorCode.CORRUPT_MESSAGE);
    assert.equal(err.message, 'stored');
    assert.equal(err.cause, cause);
    assert.equal(err.name, 'StorageError');
  });

  it('storageErrorFrom wraps an errno error as KafkaStorageError with the errno in the message', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    const wrapped = storageErrorFrom(enospc, 'append to t-0');
    assert.ok(wrapped instanceof KafkaStorageError);
    assert.equal(wrapped.code, 'SAMSA_ERR_STORAGE_IO');
    assert.equal(wrapped.errorCode, KafkaErrorCode.KAFKA_STORAGE_ERROR);
    assert.match(wrapped.message, /^append to t-0: ENOSPC: /);
    assert.equal(wrapped.cause, enospc);

    assert.equal(storageErrorFrom(wrapped, 'again'), wrapped);
    assert.match(storageErrorFrom('thrown string', 'read').message, /^read: unknown: thrown string$/);
  });
});
