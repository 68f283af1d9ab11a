import { CompressionType } from '../compression/compression-type.ts';
import { CorruptRecordError } from '../errors.ts';
import { Attributes, BatchOffsets, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD, computeBatchCrc } from './batch-header.ts';
import { MIN_RECORD_SIZE } from './record.ts';

/**
 * What a produce path needs from a blob of v2 batches, read from the headers only
 * (named after Kafka's LogAppendInfo, which holds the same facts).
 */
export interface RecordBatchesInfo {
  batchCount: number;
  /** Sum of the batches' recordCount fields. */
  recordCount: number;
  /** Offsets the blob spans: the sum of (lastOffsetDelta + 1). */
  offsetCount: number;
  /** lastOffsetDelta of the last batch (with one batch, the whole span less one). */
  lastOffsetDelta: number;
  /** Largest maxTimestamp of any batch, -1n when there is none. */
  maxTimestamp: bigint;
  /** Index of the batch holding maxTimestamp (the first such), -1 for an empty blob. */
  maxTimestampBatchIndex: number;
  /** Bytes of whole, valid batches (the blob's length when validation passes). */
  validBytes: number;
  /** Codec of the first batch; `mixedCompression` says whether others differ. */
  compression: number;
  mixedCompression: boolean;
  /** From the first batch: the producer id, epoch and sequence an idempotence check needs. */
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  isTransactional: boolean;
  /** Whether any batch is a control batch (clients may not produce them). */
  hasControl: boolean;
}

export interface ValidateOptions {
  /**
   * Produce-path checks Kafka's LogValidator makes on client batches: at least one record,
   * and `lastOffsetDelta + 1 === recordCount` (no gaps before the leader assigns offsets).
   * Compacted batches in a log break both, so this is off by default.
   */
  requireDenseOffsets?: boolean;
}

/**
 * Validates a whole blob of v2 batches without decoding records: each batch's length,
 * magic, CRC-32C, count against its bytes, and offset deltas. Throws CorruptRecordError
 * at the first bad batch.
 */
export function validateRecordBatches(blob: Buffer, options?: ValidateOptions): RecordBatchesInfo {
  const dense = options?.requireDenseOffsets ?? false;
  const info: RecordBatchesInfo = {
    batchCount: 0, recordCount: 0, offsetCount: 0, lastOffsetDelta: -1,
    maxTimestamp: -1n, maxTimestampBatchIndex: -1, validBytes: 0,
    compression: CompressionType.none, mixedCompression: false,
    producerId: -1n, producerEpoch: -1, baseSequence: -1, isTransactional: false, hasControl: false,
  };
  let pos = 0;
  while (pos < blob.length) {
    const left = blob.length - pos;
    if (left < RECORD_BATCH_OVERHEAD) throw new CorruptRecordError(`${left} bytes at position ${pos} are too few for a record batch`);
    const magic = blob.readInt8(pos + BatchOffsets.magic);
    if (magic !== 2) throw new CorruptRecordError(`record batch at position ${pos} has magic ${magic}, expected 2`);
    const size = blob.readInt32BE(pos + BatchOffsets.batchLength) + LOG_OVERHEAD;
    if (size < RECORD_BATCH_OVERHEAD || size > left) {
      throw new CorruptRecordError(`record batch at position ${pos} has size ${size} outside [${RECORD_BATCH_OVERHEAD}, ${left}]`);
    }
    const stored = blob.readUInt32BE(pos + BatchOffsets.crc);
    const actual = computeBatchCrc(blob, pos, size);
    if (stored !== actual) throw new CorruptRecordError(`record batch at position ${pos}: CRC mismatch, stored ${stored}, computed ${actual}`);
    const attributes = blob.readInt16BE(pos + BatchOffsets.attributes);
    const codec = attributes & Attributes.COMPRESSION_MASK;
    if (codec > CompressionType.zstd) throw new CorruptRecordError(`record batch at position ${pos} uses unknown codec ${codec}`);
    const count = blob.readInt32BE(pos + BatchOffsets.recordCount);
    const lastOffsetDelta = blob.readInt32BE(pos + BatchOffsets.lastOffsetDelta);
    if (count < 0 || lastOffsetDelta < 0) {
      throw new CorruptRecordError(`record batch at position ${pos} has count ${count}, lastOffsetDelta ${lastOffsetDelta}`);
    }
    // Uncompressed records take at least 7 bytes each; compressed ones are checked on inflate.
    if (codec === CompressionType.none && count * MIN_RECORD_SIZE > size - RECORD_BATCH_OVERHEAD) {
      throw new CorruptRecordError(`record batch at position ${pos} claims ${count} records in ${size - RECORD_BATCH_OVERHEAD} bytes`);
    }
    if (dense && (count === 0 || lastOffsetDelta + 1 !== count)) {
      throw new CorruptRecordError(`record batch at position ${pos} has ${count} records but spans ${lastOffsetDelta + 1} offsets`);
    }
    const maxTimestamp = blob.readBigInt64BE(pos + BatchOffsets.maxTimestamp);
    if (info.batchCount === 0) {
      info.compression = codec;
      info.producerId = blob.readBigInt64BE(pos + BatchOffsets.producerId);
      info.producerEpoch = blob.readInt16BE(pos + BatchOffsets.producerEpoch);
      info.baseSequence = blob.readInt32BE(pos + BatchOffsets.baseSequence);
      info.isTransactional = (attributes & Attributes.TRANSACTIONAL) !== 0;
    } else if (codec !== info.compression) {
      info.mixedCompression = true;
    }
    if ((attributes & Attributes.CONTROL) !== 0) info.hasControl = true;
    if (maxTimestamp > info.maxTimestamp) {
      info.maxTimestamp = maxTimestamp;
      info.maxTimestampBatchIndex = info.batchCount;
    }
    info.batchCount++;
    info.recordCount += count;
    info.offsetCount += lastOffsetDelta + 1;
    info.lastOffsetDelta = lastOffsetDelta;
    pos += size;
    info.validBytes = pos;
  }
  return info;
}
