import { decompress } from '../compression/codec.ts';
import type { CodecDecompressOptions } from '../compression/codec.ts';
import { CompressionType, compressionName } from '../compression/compression-type.ts';
import { CorruptRecordError } from '../errors.ts';
import {
  Attributes, BatchOffsets, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD, TimestampType, computeBatchCrc, readBatchHeader,
} from './batch-header.ts';
import type { RecordBatchHeader } from './batch-header.ts';
import { MIN_RECORD_SIZE, readRecord } from './record.ts';
import type { DefaultRecord, RecordBase } from './record.ts';
import { RecordCursor } from './varint.ts';

/** Options for reading records: the cap on a compressed batch's inflated size. */
export type RecordReadOptions = CodecDecompressOptions;

/** Kafka's RecordBatch.NO_PRODUCER_ID and friends. */
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_TIMESTAMP = -1n;
export const NO_PARTITION_LEADER_EPOCH = -1;

/**
 * A view over one RecordBatch (magic 2) in a Buffer. Construction checks only that the
 * bytes hold a whole v2 batch; header fields are read from the bytes when asked, the CRC
 * is checked by `ensureValid()`, and records are decoded (and decompressed) only while
 * `records()` is iterated. Nothing is copied: `buffer` is a subarray of the input.
 */
export class RecordBatch {
  /** Exactly this batch's bytes. */
  readonly buffer: Buffer;

  /**
   * @param buffer bytes starting at a v2 batch; bytes after the batch are ignored.
   * @throws CorruptRecordError when they do not hold a whole v2 batch.
   */
  constructor(buffer: Buffer, offset = 0) {
    const left = buffer.length - offset;
    if (left < RECORD_BATCH_OVERHEAD) {
      throw new CorruptRecordError(`record batch header needs ${RECORD_BATCH_OVERHEAD} bytes, ${left} left`);
    }
    const magic = buffer.readInt8(offset + BatchOffsets.magic);
    if (magic !== 2) throw new CorruptRecordError(`record batch magic ${magic}, expected 2`);
    const size = buffer.readInt32BE(offset + BatchOffsets.batchLength) + LOG_OVERHEAD;
    if (size < RECORD_BATCH_OVERHEAD || size > left) {
      throw new CorruptRecordError(`record batch size ${size} outside [${RECORD_BATCH_OVERHEAD}, ${left}]`);
    }
    this.buffer = buffer.subarray(offset, offset + size);
  }

  get sizeInBytes(): number { return this.buffer.length; }
  get baseOffset(): bigint { return this.buffer.readBigInt64BE(BatchOffsets.baseOffset); }
  get batchLength(): number { return this.buffer.readInt32BE(BatchOffsets.batchLength); }
  get partitionLeaderEpoch(): number { return this.buffer.readInt32BE(BatchOffsets.partitionLeaderEpoch); }
  get magic(): number { return this.buffer.readInt8(BatchOffsets.magic); }
  get crc(): number { return this.buffer.readUInt32BE(BatchOffsets.crc); }
  get attributes(): number { return this.buffer.readInt16BE(BatchOffsets.attributes); }
  get lastOffsetDelta(): number { return this.buffer.readInt32BE(BatchOffsets.lastOffsetDelta); }
  get baseTimestamp(): bigint { return this.buffer.readBigInt64BE(BatchOffsets.baseTimestamp); }
  get maxTimestamp(): bigint { return this.buffer.readBigInt64BE(BatchOffsets.maxTimestamp); }
  get producerId(): bigint { return this.buffer.readBigInt64BE(BatchOffsets.producerId); }
  get producerEpoch(): number { return this.buffer.readInt16BE(BatchOffsets.producerEpoch); }
  get baseSequence(): number { return this.buffer.readInt32BE(BatchOffsets.baseSequence); }
  get recordCount(): number { return this.buffer.readInt32BE(BatchOffsets.recordCount); }

  get lastOffset(): bigint { return this.baseOffset + BigInt(this.lastOffsetDelta); }
  get nextOffset(): bigint { return this.lastOffset + 1n; }

  /** Sequence of the last record; wraps past int32 max as Kafka's DefaultRecordBatch does. */
  get lastSequence(): number {
    const base = this.baseSequence;
    if (base === NO_SEQUENCE) return NO_SEQUENCE;
    return (base + this.lastOffsetDelta) % 2 ** 31;
  }

  get compression(): number { return this.attributes & Attributes.COMPRESSION_MASK; }
  get timestampType(): TimestampType {
    return (this.attributes & Attributes.TIMESTAMP_TYPE) ? TimestampType.LogAppendTime : TimestampType.CreateTime;
  }
  get isTransactional(): boolean { return (this.attributes & Attributes.TRANSACTIONAL) !== 0; }
  get isControl(): boolean { return (this.attributes & Attributes.CONTROL) !== 0; }
  get hasDeleteHorizon(): boolean { return (this.attributes & Attributes.DELETE_HORIZON) !== 0; }
  /** With the delete-horizon bit (KIP-534), baseTimestamp holds the horizon; else null. */
  get deleteHorizonMs(): bigint | null { return this.hasDeleteHorizon ? this.baseTimestamp : null; }
  get hasProducerId(): boolean { return this.producerId !== NO_PRODUCER_ID; }

  /** Every header field at once (allocates bigints: prefer the getters on hot paths). */
  header(): RecordBatchHeader {
    return readBatchHeader(this.buffer, 0);
  }

  computeCrc(): number {
    return computeBatchCrc(this.buffer, 0, this.buffer.length);
  }

  isValid(): boolean {
    return this.crc === this.computeCrc();
  }

  /** @throws CorruptRecordError when the stored CRC-32C does not match the bytes. */
  ensureValid(): void {
    const stored = this.crc;
    const actual = this.computeCrc();
    if (stored !== actual) throw new CorruptRecordError(`record batch CRC mismatch: stored ${stored}, computed ${actual}`);
  }

  /** Patches baseOffset in place; it lies outside the CRC, so the CRC stays valid. */
  setBaseOffset(offset: bigint): void {
    this.buffer.writeBigInt64BE(offset, BatchOffsets.baseOffset);
  }

  /** Patches partitionLeaderEpoch in place (outside the CRC too). */
  setPartitionLeaderEpoch(epoch: number): void {
    this.buffer.writeInt32BE(epoch, BatchOffsets.partitionLeaderEpoch);
  }

  /**
   * Stamps the batch with the broker's append time, as a topic with
   * `message.timestamp.type=LogAppendTime` requires: sets the timestamp-type bit and
   * maxTimestamp in place and recomputes the CRC. Records are left untouched.
   */
  setLogAppendTime(timestamp: bigint): void {
    const attributes = this.attributes | Attributes.TIMESTAMP_TYPE;
    this.buffer.writeInt16BE(attributes, BatchOffsets.attributes);
    this.buffer.writeBigInt64BE(timestamp, BatchOffsets.maxTimestamp);
    this.buffer.writeUInt32BE(this.computeCrc(), BatchOffsets.crc);
  }

  /**
   * The records section as plain bytes: the batch's own bytes when uncompressed, else
   * the inflated block (at most `options.maxOutputBytes`).
   */
  recordsSection(options?: RecordReadOptions): Buffer {
    const raw = this.buffer.subarray(BatchOffsets.records);
    const codec = this.compression;
    if (codec === CompressionType.none) return raw;
    try {
      return decompress(codec, raw, options);
    } catch (err) {
      if (err instanceof Error) err.message = `${compressionName(codec)} batch at base offset ${this.baseOffset}: ${err.message}`;
      throw err;
    }
  }

  /**
   * Iterates the records, decoding each on demand. A compressed batch is inflated when
   * iteration starts. Throws CorruptRecordError or ProtocolError on a batch whose counts
   * or lengths lie, before allocating anything for them.
   */
  *records(options?: RecordReadOptions): Generator<DefaultRecord, void, undefined> {
    const count = this.recordCount;
    if (count < 0) throw new CorruptRecordError(`record batch count ${count} is negative`);
    // A batch emptied by compaction has no records bytes at all, whatever its codec bits say.
    if (count === 0 && this.buffer.length === BatchOffsets.records) return;
    const section = this.recordsSection(options);
    if (count > section.length / MIN_RECORD_SIZE) {
      throw new CorruptRecordError(`record batch claims ${count} records in ${section.length} bytes`);
    }
    const base: RecordBase = {
      baseOffset: this.baseOffset,
      baseTimestamp: this.baseTimestamp,
      logAppendTime: this.timestampType === TimestampType.LogAppendTime ? this.maxTimestamp : null,
    };
    const cursor = new RecordCursor(section, 0, section.length);
    for (let i = 0; i < count; i++) yield readRecord(cursor, base);
    if (cursor.pos !== section.length) {
      throw new CorruptRecordError(`record batch has ${section.length - cursor.pos} bytes after its ${count} records`);
    }
  }

  /** All records in an array (convenience for tests and tools; prefer `records()`). */
  toArray(options?: RecordReadOptions): DefaultRecord[] {
    return [...this.records(options)];
  }
}
