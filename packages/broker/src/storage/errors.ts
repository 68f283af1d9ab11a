import { SamsaError, type SamsaErrorCode } from '@samsa/protocol';

/**
 * Errors storage raises. Each is a SamsaError with a SAMSA_ERR_STORAGE_* code naming what
 * went wrong in Samsa's terms, and carries in `errorCode` the Kafka error code a handler
 * answers with (1, 2, 10, 45, 47, 48, 52, 56, 59, 87). The two do not map one to one:
 * CORRUPT_MESSAGE is both stored bytes failing their CRC (SAMSA_ERR_STORAGE_CORRUPT) and
 * a producer's batch failing it on append (SAMSA_ERR_STORAGE_INVALID_BATCH).
 */

export const KafkaErrorCode = {
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  MESSAGE_TOO_LARGE: 10,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  TRANSACTION_COORDINATOR_FENCED: 52,
  KAFKA_STORAGE_ERROR: 56,
  UNKNOWN_PRODUCER_ID: 59,
  INVALID_RECORD: 87,
} as const;
export type KafkaErrorCode = (typeof KafkaErrorCode)[keyof typeof KafkaErrorCode];

/** The registry's storage codes; every StorageError carries one. */
export type StorageErrorCode = Extract<SamsaErrorCode, `SAMSA_ERR_STORAGE_${string}`>;

export class StorageError extends SamsaError {
  readonly errorCode: KafkaErrorCode;

  constructor(code: StorageErrorCode, errorCode: KafkaErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.errorCode = errorCode;
    this.name = 'StorageError';
  }
}

/** An I/O failure (ENOSPC, EIO, ...): KAFKA_STORAGE_ERROR. Nothing acknowledged was lost. */
export class KafkaStorageError extends StorageError {
  constructor(message: string, options?: ErrorOptions) {
    super('SAMSA_ERR_STORAGE_IO', KafkaErrorCode.KAFKA_STORAGE_ERROR, message, options);
    this.name = 'KafkaStorageError';
  }
}

export class OffsetOutOfRangeError extends StorageError {
  constructor(message: string) {
    super('SAMSA_ERR_STORAGE_OFFSET_OUT_OF_RANGE', KafkaErrorCode.OFFSET_OUT_OF_RANGE, message);
    this.name = 'OffsetOutOfRangeError';
  }
}

/** Stored bytes failed their CRC or length check on read: reported, never served. */
export class CorruptLogError extends StorageError {
  readonly path: string;
  readonly position: number;

  constructor(path: string, position: number, message: string, options?: ErrorOptions) {
    super('SAMSA_ERR_STORAGE_CORRUPT', KafkaErrorCode.CORRUPT_MESSAGE, `${path} at position ${position}: ${message}`, options);
    this.name = 'CorruptLogError';
    this.path = path;
    this.position = position;
  }
}

export class RecordTooLargeError extends StorageError {
  constructor(message: string) {
    super('SAMSA_ERR_STORAGE_INVALID_BATCH', KafkaErrorCode.MESSAGE_TOO_LARGE, message);
    this.name = 'RecordTooLargeError';
  }
}

export class InvalidRecordError extends StorageError {
  constructor(message: string, options?: ErrorOptions) {
    super('SAMSA_ERR_STORAGE_INVALID_BATCH', KafkaErrorCode.INVALID_RECORD, message, options);
    this.name = 'InvalidRecordError';
  }
}

/**
 * A batch the partition's producer state refuses (idempotence, KIP-98): the producer's
 * mistake or a fenced producer, never the disk's. Nothing was written.
 */
export class ProducerStateError extends StorageError {
  constructor(errorCode: KafkaErrorCode, message: string) {
    super('SAMSA_ERR_STORAGE_PRODUCER_STATE', errorCode, message);
    this.name = 'ProducerStateError';
  }
}

/** The batch's first sequence does not follow the producer's last one (a gap, or a new epoch not at 0). */
export class OutOfOrderSequenceError extends ProducerStateError {
  constructor(message: string) {
    super(KafkaErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message);
    this.name = 'OutOfOrderSequenceError';
  }
}

/** The batch carries an older epoch than the partition has seen for its producer id (fenced, Kafka 2.7+). */
export class InvalidProducerEpochError extends ProducerStateError {
  constructor(message: string) {
    super(KafkaErrorCode.INVALID_PRODUCER_EPOCH, message);
    this.name = 'InvalidProducerEpochError';
  }
}

/** The partition holds no state for the producer id and the batch does not start at sequence 0. */
export class UnknownProducerIdError extends ProducerStateError {
  constructor(message: string) {
    super(KafkaErrorCode.UNKNOWN_PRODUCER_ID, message);
    this.name = 'UnknownProducerIdError';
  }
}

/**
 * A batch that breaks the producer's transaction state (KIP-98): a non-transactional batch
 * while the producer has a transaction open, or a transactional batch that would open a
 * transaction without the verification guard the partition handed out (KIP-890).
 */
export class InvalidTxnStateError extends ProducerStateError {
  constructor(message: string) {
    super(KafkaErrorCode.INVALID_TXN_STATE, message);
    this.name = 'InvalidTxnStateError';
  }
}

/** A transaction marker from a coordinator epoch older than one the partition already saw (a zombie coordinator). */
export class TransactionCoordinatorFencedError extends ProducerStateError {
  constructor(message: string) {
    super(KafkaErrorCode.TRANSACTION_COORDINATOR_FENCED, message);
    this.name = 'TransactionCoordinatorFencedError';
  }
}

/** Wraps an fs error so callers see one storage error type with the errno in the message. */
export function storageErrorFrom(err: unknown, what: string): KafkaStorageError {
  if (err instanceof KafkaStorageError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code ?? 'unknown';
  return new KafkaStorageError(`${what}: ${code}: ${(err as Error | null)?.message ?? String(err)}`, { cause: err });
}
