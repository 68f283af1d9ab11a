import { compress } from '../compression/codec.ts';
import type { CompressOptions } from '../compression/codec.ts';
import { CompressionType, isCompressionType } from '../compression/compression-type.ts';
import { ProtocolError } from '../errors.ts';
import { Attributes, BatchOffsets, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD, TimestampType } from './batch-header.ts';
import { crc32c } from './crc32c.ts';
import { prepareRecord, sizeOfRecord, writeRecord } from './record.ts';
import type { PreparedRecord, RecordInput } from './record.ts';

export interface RecordBatchOptions {
  /** Defaults to 0: producers send 0 and the leader assigns the real offset. */
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  compression?: CompressionType;
  /** Codec level and framing (snappy framing defaults to xerial, as the Java client). */
  compressOptions?: CompressOptions;
  timestampType?: TimestampType;
  /**
   * Defaults to the first record's timestamp (as the Java producer does), or the current
   * time when no record has one. Ignored when `deleteHorizonMs` is set.
   */
  baseTimestamp?: number | bigint;
  /** Defaults to the largest record timestamp, or -1 for an empty batch. */
  maxTimestamp?: number | bigint;
  /** Sets the delete-horizon bit; baseTimestamp then holds the horizon (KIP-534). */
  deleteHorizonMs?: number | bigint;
  transactional?: boolean;
  control?: boolean;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  /** Defaults to the last record's offsetDelta; set it for a batch emptied by compaction. */
  lastOffsetDelta?: number;
}

function toMillis(v: number | bigint, what: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new ProtocolError('SAMSA_ERR_PROTOCOL_NOT_REPRESENTABLE', `${what} ${v} is not a safe integer of milliseconds`);
  return n;
}

/**
 * Encodes records into one v2 RecordBatch with the chosen compression and a computed
 * CRC-32C. The records are sized first, so the uncompressed section is written into one
 * allocation with no growing or joining.
 */
export function buildRecordBatch(records: readonly RecordInput[], options: RecordBatchOptions = {}): Buffer {
  const codec = options.compression ?? CompressionType.none;
  if (!isCompressionType(codec)) {
    throw new ProtocolError('SAMSA_ERR_RECORDS_UNSUPPORTED_COMPRESSION', `unknown compression codec ${String(codec)}`);
  }
  let baseTimestamp: number;
  if (options.deleteHorizonMs !== undefined) baseTimestamp = toMillis(options.deleteHorizonMs, 'deleteHorizonMs');
  else if (options.baseTimestamp !== undefined) baseTimestamp = toMillis(options.baseTimestamp, 'baseTimestamp');
  else {
    const first = records[0]?.timestamp;
    baseTimestamp = first === undefined ? Date.now() : toMillis(first, 'timestamp');
  }

  const prepared: PreparedRecord[] = new Array<PreparedRecord>(records.length);
  let maxTimestamp = -1;
  let size = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const ts = r.timestamp === undefined ? baseTimestamp : toMillis(r.timestamp, 'timestamp');
    if (ts > maxTimestamp) maxTimestamp = ts;
    const p = prepareRecord(r, ts - baseTimestamp, r.offsetDelta ?? i);
    prepared[i] = p;
    size += sizeOfRecord(p);
  }
  if (options.maxTimestamp !== undefined) maxTimestamp = toMillis(options.maxTimestamp, 'maxTimestamp');
  const lastOffsetDelta = options.lastOffsetDelta ?? prepared[prepared.length - 1]?.offsetDelta ?? 0;

  let attributes = codec;
  if (options.timestampType === TimestampType.LogAppendTime) attributes |= Attributes.TIMESTAMP_TYPE;
  if (options.transactional) attributes |= Attributes.TRANSACTIONAL;
  if (options.control) attributes |= Attributes.CONTROL;
  if (options.deleteHorizonMs !== undefined) attributes |= Attributes.DELETE_HORIZON;

  let out: Buffer;
  if (codec === CompressionType.none) {
    out = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + size);
    let pos = RECORD_BATCH_OVERHEAD;
    for (const p of prepared) pos = writeRecord(out, pos, p);
  } else {
    const plain = Buffer.allocUnsafe(size);
    let pos = 0;
    for (const p of prepared) pos = writeRecord(plain, pos, p);
    const packed = compress(codec, plain, options.compressOptions);
    out = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + packed.length);
    packed.copy(out, RECORD_BATCH_OVERHEAD);
  }
  out.writeBigInt64BE(options.baseOffset ?? 0n, BatchOffsets.baseOffset);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BatchOffsets.batchLength);
  out.writeInt32BE(options.partitionLeaderEpoch ?? -1, BatchOffsets.partitionLeaderEpoch);
  out.writeInt8(2, BatchOffsets.magic);
  out.writeInt16BE(attributes, BatchOffsets.attributes);
  out.writeInt32BE(lastOffsetDelta, BatchOffsets.lastOffsetDelta);
  out.writeBigInt64BE(BigInt(baseTimestamp), BatchOffsets.baseTimestamp);
  out.writeBigInt64BE(BigInt(maxTimestamp), BatchOffsets.maxTimestamp);
  out.writeBigInt64BE(options.producerId ?? -1n, BatchOffsets.producerId);
  out.writeInt16BE(options.producerEpoch ?? -1, BatchOffsets.producerEpoch);
  out.writeInt32BE(options.baseSequence ?? -1, BatchOffsets.baseSequence);
  out.writeInt32BE(records.length, BatchOffsets.recordCount);
  out.writeUInt32BE(crc32c(out.subarray(BatchOffsets.attributes)), BatchOffsets.crc);
  return out;
}
