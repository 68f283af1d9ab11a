import { crc32 } from 'node:zlib';
import { compress, decompress } from '../compression/codec.ts';
import type { CompressOptions } from '../compression/codec.ts';
import { CompressionType, compressionName, isCompressionType } from '../compression/compression-type.ts';
import { CorruptRecordError, ProtocolError } from '../errors.ts';
import { LOG_OVERHEAD, TimestampType } from './batch-header.ts';
import type { RecordReadOptions } from './record-batch.ts';

/**
 * Message sets of magic 0 and 1 (Kafka before 0.11), decoded for reading: old producers
 * still send them (Produce v0-v2) and old logs hold them. An entry is
 * `offset int64, size int32` then the message: `crc uint32` (CRC-32 IEEE of the rest),
 * `magic int8`, `attributes int8`, `timestamp int64` (magic 1 only), `key bytes`,
 * `value bytes`. A compressed message's value is a whole inner message set.
 */
export const LegacyOffsets = {
  offset: 0,
  size: 8,
  crc: 12,
  magic: 16,
  attributes: 17,
  timestamp: 18,
} as const;

/** crc, magic, attributes, key length, value length: a v0 message without its data. */
export const LEGACY_MESSAGE_OVERHEAD_V0 = 14;
/** The same plus the timestamp. */
export const LEGACY_MESSAGE_OVERHEAD_V1 = 22;
/** Magic 0 carries no timestamp; Kafka reports -1 with "no timestamp type". */
export const NO_TIMESTAMP_TYPE = -1;

const TIMESTAMP_TYPE_BIT = 0x08;
const COMPRESSION_MASK = 0x07;

export interface LegacyRecord {
  offset: bigint;
  magic: 0 | 1;
  attributes: number;
  /** -1n for magic 0. */
  timestamp: bigint;
  timestampType: TimestampType | typeof NO_TIMESTAMP_TYPE;
  key: Buffer | null;
  value: Buffer | null;
}

/** A view over one legacy entry (magic 0 or 1). Key and value are subarrays, not copies. */
export class LegacyEntry {
  /** Exactly this entry's bytes, offset and size fields included. */
  readonly buffer: Buffer;
  readonly magic: 0 | 1;
  readonly key: Buffer | null;
  readonly value: Buffer | null;

  /** @throws CorruptRecordError when the bytes do not hold a whole, well-formed entry. */
  constructor(buffer: Buffer, offset = 0) {
    const left = buffer.length - offset;
    if (left < LOG_OVERHEAD + LEGACY_MESSAGE_OVERHEAD_V0) {
      throw new CorruptRecordError(`legacy message needs ${LOG_OVERHEAD + LEGACY_MESSAGE_OVERHEAD_V0} bytes, ${left} left`);
    }
    const magic = buffer.readInt8(offset + LegacyOffsets.magic);
    if (magic !== 0 && magic !== 1) throw new CorruptRecordError(`legacy message magic ${magic}`);
    const messageSize = buffer.readInt32BE(offset + LegacyOffsets.size);
    const overhead = magic === 0 ? LEGACY_MESSAGE_OVERHEAD_V0 : LEGACY_MESSAGE_OVERHEAD_V1;
    if (messageSize < overhead || messageSize > left - LOG_OVERHEAD) {
      throw new CorruptRecordError(`legacy message size ${messageSize} outside [${overhead}, ${left - LOG_OVERHEAD}]`);
    }
    this.buffer = buffer.subarray(offset, offset + LOG_OVERHEAD + messageSize);
    this.magic = magic;
    let pos = magic === 0 ? LegacyOffsets.timestamp : LegacyOffsets.timestamp + 8;
    const b = this.buffer;
    const field = (what: string): Buffer | null => {
      if (pos + 4 > b.length) throw new CorruptRecordError(`legacy message ${what} length runs past the message`);
      const n = b.readInt32BE(pos);
      pos += 4;
      if (n === -1) return null;
      if (n < 0 || n > b.length - pos) throw new CorruptRecordError(`legacy message ${what} length ${n} outside [0, ${b.length - pos}]`);
      pos += n;
      return b.subarray(pos - n, pos);
    };
    this.key = field('key');
    this.value = field('value');
    if (pos !== b.length) throw new CorruptRecordError(`legacy message has ${b.length - pos} bytes after its value`);
  }

  get sizeInBytes(): number { return this.buffer.length; }
  /** The entry's offset; for a compressed wrapper, the offset of its last inner message. */
  get offset(): bigint { return this.buffer.readBigInt64BE(LegacyOffsets.offset); }
  get crc(): number { return this.buffer.readUInt32BE(LegacyOffsets.crc); }
  get attributes(): number { return this.buffer.readInt8(LegacyOffsets.attributes); }
  get compression(): number { return this.attributes & COMPRESSION_MASK; }
  get timestampType(): TimestampType | typeof NO_TIMESTAMP_TYPE {
    if (this.magic === 0) return NO_TIMESTAMP_TYPE;
    return (this.attributes & TIMESTAMP_TYPE_BIT) ? TimestampType.LogAppendTime : TimestampType.CreateTime;
  }
  get timestamp(): bigint {
    return this.magic === 0 ? -1n : this.buffer.readBigInt64BE(LegacyOffsets.timestamp);
  }

  computeCrc(): number {
    return crc32(this.buffer.subarray(LegacyOffsets.magic)) >>> 0;
  }

  isValid(): boolean {
    return this.crc === this.computeCrc();
  }

  ensureValid(): void {
    const stored = this.crc;
    const actual = this.computeCrc();
    if (stored !== actual) throw new CorruptRecordError(`legacy message CRC mismatch: stored ${stored}, computed ${actual}`);
  }

  #asRecord(offset: bigint, timestamp: bigint, timestampType: LegacyRecord['timestampType']): LegacyRecord {
    return { offset, magic: this.magic, attributes: this.attributes, timestamp, timestampType, key: this.key, value: this.value };
  }

  /**
   * The records this entry stands for: itself when uncompressed, else the messages of its
   * inner set, with offsets made absolute (magic 1 inner offsets count from the wrapper's
   * last offset) and, under LogAppendTime, the wrapper's timestamp.
   */
  *records(options?: RecordReadOptions): Generator<LegacyRecord, void, undefined> {
    const codec = this.compression;
    if (codec === CompressionType.none) {
      yield this.#asRecord(this.offset, this.timestamp, this.timestampType);
      return;
    }
    if (this.value === null) throw new CorruptRecordError('compressed legacy message has a null value');
    if (!isCompressionType(codec) || codec === CompressionType.zstd) {
      throw new ProtocolError('SAMSA_ERR_RECORDS_UNSUPPORTED_COMPRESSION', `legacy message uses codec ${compressionName(codec)}`);
    }
    const inflated = decompress(codec, this.value, {
      ...options,
      // Kafka before 0.10 wrote a wrong LZ4 header checksum (KAFKA-3160); magic 1 has it right.
      lz4LegacyHeaderChecksum: this.magic === 0,
    });
    const inner: LegacyEntry[] = [];
    for (let pos = 0; pos < inflated.length;) {
      const e = new LegacyEntry(inflated, pos);
      if (e.magic !== this.magic) throw new CorruptRecordError(`inner message magic ${e.magic} inside a magic ${this.magic} wrapper`);
      if (e.compression !== CompressionType.none) throw new CorruptRecordError('inner messages must not be compressed');
      inner.push(e);
      pos += e.sizeInBytes;
    }
    if (inner.length === 0) throw new CorruptRecordError('compressed legacy message holds no messages');
    const wrapperOffset = this.offset;
    const shift = this.magic === 0 ? 0n : wrapperOffset - inner[inner.length - 1]!.offset;
    const appendTime = this.timestampType === TimestampType.LogAppendTime;
    for (const e of inner) {
      yield e.#asRecord(e.offset + shift, appendTime ? this.timestamp : e.timestamp,
        appendTime ? TimestampType.LogAppendTime : e.timestampType);
    }
  }
}

/** Iterates the records of a whole legacy message set, entry after entry. */
export function* readLegacyRecords(blob: Buffer, options?: RecordReadOptions): Generator<LegacyRecord, void, undefined> {
  for (let pos = 0; pos < blob.length;) {
    const entry = new LegacyEntry(blob, pos);
    yield* entry.records(options);
    pos += entry.sizeInBytes;
  }
}

export interface LegacyRecordInput {
  key?: Uint8Array | string | null;
  value?: Uint8Array | string | null;
  /** Magic 1 only; milliseconds. */
  timestamp?: number | bigint;
}

export interface LegacyMessageSetOptions {
  magic: 0 | 1;
  compression?: CompressionType;
  compressOptions?: CompressOptions;
  baseOffset?: bigint;
  timestampType?: TimestampType;
}

function bytes(v: Uint8Array | string | null | undefined): Uint8Array | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

function encodeMessage(offset: bigint, magic: 0 | 1, attributes: number, timestamp: bigint,
  key: Uint8Array | null, value: Uint8Array | null): Buffer {
  const overhead = magic === 0 ? LEGACY_MESSAGE_OVERHEAD_V0 : LEGACY_MESSAGE_OVERHEAD_V1;
  const size = overhead + (key?.length ?? 0) + (value?.length ?? 0);
  const b = Buffer.allocUnsafe(LOG_OVERHEAD + size);
  b.writeBigInt64BE(offset, 0);
  b.writeInt32BE(size, 8);
  b.writeInt8(magic, LegacyOffsets.magic);
  b.writeInt8(attributes, LegacyOffsets.attributes);
  let pos = LegacyOffsets.timestamp;
  if (magic === 1) {
    b.writeBigInt64BE(timestamp, pos);
    pos += 8;
  }
  for (const v of [key, value]) {
    b.writeInt32BE(v === null ? -1 : v.length, pos);
    pos += 4;
    if (v !== null) {
      b.set(v, pos);
      pos += v.length;
    }
  }
  b.writeUInt32BE(crc32(b.subarray(LegacyOffsets.magic)) >>> 0, LegacyOffsets.crc);
  return b;
}

/**
 * Encodes a legacy message set; compressed sets become one wrapper message. Samsa never
 * writes these to clients: it exists for tests and for tools that need old-format bytes.
 */
export function buildLegacyMessageSet(records: readonly LegacyRecordInput[], options: LegacyMessageSetOptions): Buffer {
  const { magic } = options;
  const codec = options.compression ?? CompressionType.none;
  const base = options.baseOffset ?? 0n;
  const tsBit = magic === 1 && options.timestampType === TimestampType.LogAppendTime ? TIMESTAMP_TYPE_BIT : 0;
  const now = BigInt(Date.now());
  const ts = (r: LegacyRecordInput): bigint => (magic === 0 ? -1n : r.timestamp === undefined ? now : BigInt(r.timestamp));
  if (codec === CompressionType.none) {
    return Buffer.concat(records.map((r, i) => encodeMessage(base + BigInt(i), magic, tsBit, ts(r), bytes(r.key), bytes(r.value))));
  }
  if (records.length === 0) throw new RangeError('a compressed message set needs at least one record');
  // Inner offsets: absolute in magic 0, relative (0..n-1) in magic 1.
  const inner = Buffer.concat(records.map((r, i) =>
    encodeMessage(magic === 0 ? base + BigInt(i) : BigInt(i), magic, 0, ts(r), bytes(r.key), bytes(r.value))));
  const packed = compress(codec, inner, { ...options.compressOptions, lz4LegacyHeaderChecksum: magic === 0 });
  let maxTs = -1n;
  for (const r of records) if (ts(r) > maxTs) maxTs = ts(r);
  return encodeMessage(base + BigInt(records.length - 1), magic, codec | tsBit, maxTs, null, packed);
}
