import { CorruptRecordError } from '../errors.ts';
import { crc32c } from './crc32c.ts';

/**
 * The fixed header of a RecordBatch (magic v2), read without touching the records.
 *
 * Layout (byte offsets): baseOffset int64 @0, batchLength int32 @8 (bytes after this
 * field), partitionLeaderEpoch int32 @12, magic int8 @16, crc uint32 @17 (CRC-32C of
 * bytes 21..end), attributes int16 @21, lastOffsetDelta int32 @23, baseTimestamp int64
 * @27, maxTimestamp int64 @35, producerId int64 @43, producerEpoch int16 @51,
 * baseSequence int32 @53, recordCount int32 @57, records @61.
 *
 * baseOffset and partitionLeaderEpoch lie before the CRC range, so a broker patches them
 * in place without computing the CRC again.
 */
export const BatchOffsets = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
  records: 61,
} as const;

/** Size of the v2 batch header; also the smallest possible v2 batch. */
export const RECORD_BATCH_OVERHEAD = 61;
/** baseOffset + batchLength: the part of every entry (any magic) before its length counts. */
export const LOG_OVERHEAD = 12;
/** Bytes needed to read baseOffset, batchLength and magic of an entry of any magic. */
export const HEADER_SIZE_UP_TO_MAGIC = 17;

export const Attributes = {
  COMPRESSION_MASK: 0x07,
  TIMESTAMP_TYPE: 0x08,
  TRANSACTIONAL: 0x10,
  CONTROL: 0x20,
  DELETE_HORIZON: 0x40,
} as const;

export { CompressionType } from '../compression/compression-type.ts';

export const TimestampType = { CreateTime: 0, LogAppendTime: 1 } as const;
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

export interface RecordBatchHeader {
  baseOffset: bigint;
  /** Bytes after the batchLength field; the whole batch is batchLength + 12 bytes. */
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** Reads a v2 batch header at `offset`. The caller has checked that 61 bytes are there. */
export function readBatchHeader(buf: Buffer, offset = 0): RecordBatchHeader {
  return {
    baseOffset: buf.readBigInt64BE(offset),
    batchLength: buf.readInt32BE(offset + 8),
    partitionLeaderEpoch: buf.readInt32BE(offset + 12),
    magic: buf.readInt8(offset + 16),
    crc: buf.readUInt32BE(offset + 17),
    attributes: buf.readInt16BE(offset + 21),
    lastOffsetDelta: buf.readInt32BE(offset + 23),
    baseTimestamp: buf.readBigInt64BE(offset + 27),
    maxTimestamp: buf.readBigInt64BE(offset + 35),
    producerId: buf.readBigInt64BE(offset + 43),
    producerEpoch: buf.readInt16BE(offset + 51),
    baseSequence: buf.readInt32BE(offset + 53),
    recordCount: buf.readInt32BE(offset + 57),
  };
}

/** Computes the CRC-32C a v2 batch at `offset` (of total `size` bytes) should carry. */
export function computeBatchCrc(buf: Buffer, offset: number, size: number): number {
  return crc32c(buf.subarray(offset + BatchOffsets.attributes, offset + size));
}

/**
 * Checks the v2 batch at `offset`: enough bytes, magic 2, a sane length and a matching
 * CRC. Returns the batch's total size. Throws CorruptRecordError otherwise.
 */
export function validateBatch(buf: Buffer, offset = 0): number {
  const left = buf.length - offset;
  if (left < RECORD_BATCH_OVERHEAD) {
    throw new CorruptRecordError(`record batch header needs ${RECORD_BATCH_OVERHEAD} bytes, ${left} left`);
  }
  const magic = buf.readInt8(offset + BatchOffsets.magic);
  if (magic !== 2) throw new CorruptRecordError(`record batch magic ${magic}, expected 2`);
  const size = buf.readInt32BE(offset + BatchOffsets.batchLength) + LOG_OVERHEAD;
  if (size < RECORD_BATCH_OVERHEAD || size > left) {
    throw new CorruptRecordError(`record batch size ${size} outside [${RECORD_BATCH_OVERHEAD}, ${left}]`);
  }
  const stored = buf.readUInt32BE(offset + BatchOffsets.crc);
  const actual = computeBatchCrc(buf, offset, size);
  if (stored !== actual) {
    throw new CorruptRecordError(`record batch CRC mismatch: stored ${stored}, computed ${actual}`);
  }
  return size;
}
