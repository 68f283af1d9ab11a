/**
 * Checks a client's Produce batches before they reach the log (Kafka's LogValidator), from
 * the batch headers alone wherever Kafka's rules allow: lengths, magic, CRC-32C, dense
 * offsets, control batches (the log checks sizes against max.message.bytes, and producer
 * ids, sequences and transaction state, as it appends). `transactionalProducers` reads
 * which producers a request's transactional batches belong to (KIP-890 verification).
 * Records are decoded only where a rule needs their contents: keys on compacted topics. LogAppendTime topics get the broker's time
 * patched into the batch header (and the CRC recomputed), as Kafka does.
 */
import {
  Attributes, BatchOffsets, CorruptRecordError, ErrorCode, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD, RecordBatch, SamsaError, validateRecordBatches,
  type RecordBatchesInfo,
} from '@samsa/protocol';
import type { LogConfig } from '../storage/log-config.ts';

export interface RecordError {
  batchIndex: number;
  batchIndexErrorMessage: string | null;
}

export class ProduceValidationError extends Error {
  readonly errorCode: number;
  readonly recordErrors: RecordError[];

  constructor(errorCode: number, message: string, recordErrors: RecordError[] = []) {
    super(message);
    this.errorCode = errorCode;
    this.recordErrors = recordErrors;
    this.name = 'ProduceValidationError';
  }
}

export interface ValidatedBatches {
  info: RecordBatchesInfo;
  /** The broker time written into the batches, or -1 for CreateTime topics. */
  logAppendTime: number;
}

export function validateProducedBatches(records: Buffer | null, config: LogConfig, now: number): ValidatedBatches {
  if (records === null || records.length === 0) {
    throw new ProduceValidationError(ErrorCode.CORRUPT_MESSAGE, 'produce request without record batches');
  }
  let info: RecordBatchesInfo;
  try {
    info = validateRecordBatches(records, { requireDenseOffsets: true });
  } catch (err) {
    if (err instanceof CorruptRecordError) throw new ProduceValidationError(ErrorCode.CORRUPT_MESSAGE, err.message);
    throw err;
  }
  if (info.hasControl) {
    throw new ProduceValidationError(ErrorCode.INVALID_RECORD, 'clients may not produce control batches');
  }
  let logAppendTime = -1;
  const compacted = config.cleanupPolicy.includes('compact');
  const appendTime = config.messageTimestampType === 'LogAppendTime';
  // Batch sizes against max.message.bytes are checked by the log as it appends.
  if (compacted || appendTime) {
    let pos = 0;
    let index = 0;
    while (pos < records.length) {
      const size = records.readInt32BE(pos + 8) + 12;
      const batch = new RecordBatch(records.subarray(pos, pos + size));
      if (compacted) checkKeys(batch, index);
      if (appendTime) {
        logAppendTime = now;
        batch.setLogAppendTime(BigInt(now));
      }
      pos += size;
      index++;
    }
  }
  return { info, logAppendTime };
}

/** The producer of a transactional batch: what verification asks the coordinator about. */
export interface TransactionalProducer {
  producerId: number;
  producerEpoch: number;
  /** The first transactional batch's base sequence (KIP-890 keeps the lowest seen). */
  baseSequence: number;
}

/**
 * The distinct (producer id, epoch) pairs of the transactional batches in `records`, from
 * headers only; stops quietly at bytes that are not a whole batch (validation reports
 * those). Kafka's RequestUtils.hasTransactionalRecords and getTransactionalProducerInfo.
 */
export function transactionalProducers(records: Buffer | null): TransactionalProducer[] {
  const out: TransactionalProducer[] = [];
  if (records === null) return out;
  let pos = 0;
  while (pos + RECORD_BATCH_OVERHEAD <= records.length) {
    const size = records.readInt32BE(pos + BatchOffsets.batchLength) + LOG_OVERHEAD;
    if (size < RECORD_BATCH_OVERHEAD || pos + size > records.length) break;
    const attributes = records.readInt16BE(pos + BatchOffsets.attributes);
    const high = records.readInt32BE(pos + BatchOffsets.producerId);
    if ((attributes & Attributes.TRANSACTIONAL) !== 0 && high >= 0) {
      const producerId = high * 4294967296 + records.readUInt32BE(pos + BatchOffsets.producerId + 4);
      const producerEpoch = records.readInt16BE(pos + BatchOffsets.producerEpoch);
      if (!out.some((p) => p.producerId === producerId && p.producerEpoch === producerEpoch)) {
        out.push({ producerId, producerEpoch, baseSequence: records.readInt32BE(pos + BatchOffsets.baseSequence) });
      }
    }
    pos += size;
  }
  return out;
}

function checkKeys(batch: RecordBatch, batchIndex: number): void {
  const errors: RecordError[] = [];
  try {
    let i = 0;
    for (const r of batch.records()) {
      if (r.key === null) errors.push({ batchIndex: i, batchIndexErrorMessage: 'Compacted topic cannot accept message without key.' });
      i++;
    }
  } catch (err) {
    if (err instanceof SamsaError) throw new ProduceValidationError(ErrorCode.CORRUPT_MESSAGE, `batch ${batchIndex}: ${err.message}`);
    throw err;
  }
  if (errors.length > 0) {
    throw new ProduceValidationError(ErrorCode.INVALID_RECORD,
      'One or more records have been rejected due to missing keys on a compacted topic', errors);
  }
}
