import { CorruptRecordError } from '../errors.ts';
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.ts';
import type { RecordCursor } from './varint.ts';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/**
 * What a record's offset and timestamp are relative to: shared by every record of one
 * batch, so a record carries deltas (numbers) and computes bigints only when asked.
 */
export interface RecordBase {
  readonly baseOffset: bigint;
  readonly baseTimestamp: bigint;
  /** Set for LogAppendTime batches: every record's timestamp is then the batch's maxTimestamp. */
  readonly logAppendTime: bigint | null;
}

const NO_HEADERS: readonly RecordHeader[] = Object.freeze([]);

/**
 * One record of a v2 batch (Kafka's DefaultRecord; the name also keeps clear of
 * TypeScript's `Record<K, V>`). `key`, `value` and header values are subarrays of the batch
 * (or of its decompressed records section): copy them to keep them past that buffer.
 */
export class DefaultRecord {
  readonly attributes: number;
  readonly timestampDelta: number;
  readonly offsetDelta: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
  readonly #base: RecordBase;

  constructor(base: RecordBase, attributes: number, timestampDelta: number, offsetDelta: number,
    key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[]) {
    this.#base = base;
    this.attributes = attributes;
    this.timestampDelta = timestampDelta;
    this.offsetDelta = offsetDelta;
    this.key = key;
    this.value = value;
    this.headers = headers;
  }

  get offset(): bigint {
    return this.#base.baseOffset + BigInt(this.offsetDelta);
  }

  get timestamp(): bigint {
    return this.#base.logAppendTime ?? this.#base.baseTimestamp + BigInt(this.timestampDelta);
  }
}

/** length, attributes, timestampDelta, offsetDelta, keyLength, valueLength, headerCount. */
export const MIN_RECORD_SIZE = 7;

/**
 * Decodes the record at the cursor. Every length is checked against the record's own
 * declared size, and the fields must use it up exactly, as Kafka's DefaultRecord demands.
 */
export function readRecord(c: RecordCursor, base: RecordBase): DefaultRecord {
  const batchEnd = c.end;
  const length = c.varint();
  if (length < MIN_RECORD_SIZE - 1 || length > batchEnd - c.pos) {
    throw new CorruptRecordError(`record length ${length} at offset ${c.pos} outside [${MIN_RECORD_SIZE - 1}, ${batchEnd - c.pos}]`);
  }
  const recordEnd = c.pos + length;
  c.end = recordEnd;
  const attributes = c.int8();
  const timestampDelta = c.varlongNumber();
  const offsetDelta = c.varint();
  const keyLength = c.varint();
  let key: Buffer | null = null;
  if (keyLength >= 0) key = c.bytes(keyLength, 'record key');
  else if (keyLength !== -1) throw new CorruptRecordError(`record key length ${keyLength}`);
  const valueLength = c.varint();
  let value: Buffer | null = null;
  if (valueLength >= 0) value = c.bytes(valueLength, 'record value');
  else if (valueLength !== -1) throw new CorruptRecordError(`record value length ${valueLength}`);
  const headerCount = c.varint();
  let headers = NO_HEADERS;
  if (headerCount !== 0) {
    // Two bytes is the smallest header (two empty lengths): refuse a count that cannot fit
    // before building an array for it.
    if (headerCount < 0 || headerCount * 2 > recordEnd - c.pos) {
      throw new CorruptRecordError(`record header count ${headerCount} cannot fit in ${recordEnd - c.pos} bytes`);
    }
    const list: RecordHeader[] = [];
    for (let i = 0; i < headerCount; i++) {
      const keyLen = c.varint();
      if (keyLen < 0) throw new CorruptRecordError(`record header key length ${keyLen}`);
      const hk = c.utf8(keyLen, 'header key');
      const valueLen = c.varint();
      let hv: Buffer | null = null;
      if (valueLen >= 0) hv = c.bytes(valueLen, 'header value');
      else if (valueLen !== -1) throw new CorruptRecordError(`record header value length ${valueLen}`);
      list.push({ key: hk, value: hv });
    }
    headers = list;
  }
  if (c.pos !== recordEnd) throw new CorruptRecordError(`record declares ${length} bytes but its fields use ${length - (recordEnd - c.pos)}`);
  c.end = batchEnd;
  return new DefaultRecord(base, attributes, timestampDelta, offsetDelta, key, value, headers);
}

/** A record to encode. Strings are written as UTF-8. */
export interface RecordInput {
  key?: Uint8Array | string | null;
  value?: Uint8Array | string | null;
  headers?: readonly RecordHeaderInput[];
  /** Milliseconds; defaults to the batch's base timestamp. */
  timestamp?: number | bigint;
  /** Defaults to the record's index in the batch. */
  offsetDelta?: number;
}

export interface RecordHeaderInput {
  key: string;
  value: Uint8Array | string | null;
}

function toBytes(v: Uint8Array | string | null | undefined): Uint8Array | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

/** A record in encodable form, its body size worked out once for both passes. */
export interface PreparedRecord {
  timestampDelta: number;
  offsetDelta: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { key: Buffer; value: Uint8Array | null }[];
  bodySize: number;
}

export function prepareRecord(r: RecordInput, timestampDelta: number, offsetDelta: number): PreparedRecord {
  const key = toBytes(r.key);
  const value = toBytes(r.value);
  let size = 1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta) +
    (key === null ? 1 : sizeOfVarint(key.length) + key.length) +
    (value === null ? 1 : sizeOfVarint(value.length) + value.length);
  const headers: PreparedRecord['headers'] = [];
  for (const h of r.headers ?? []) {
    const hk = Buffer.from(h.key, 'utf8');
    const hv = toBytes(h.value);
    headers.push({ key: hk, value: hv });
    size += sizeOfVarint(hk.length) + hk.length + (hv === null ? 1 : sizeOfVarint(hv.length) + hv.length);
  }
  size += sizeOfVarint(headers.length);
  return { timestampDelta, offsetDelta, key, value, headers, bodySize: size };
}

export function sizeOfRecord(p: PreparedRecord): number {
  return sizeOfVarint(p.bodySize) + p.bodySize;
}

function writeBytes(buf: Buffer, pos: number, v: Uint8Array | null): number {
  if (v === null) return writeVarint(buf, pos, -1);
  pos = writeVarint(buf, pos, v.length);
  buf.set(v, pos);
  return pos + v.length;
}

export function writeRecord(buf: Buffer, pos: number, p: PreparedRecord): number {
  pos = writeVarint(buf, pos, p.bodySize);
  buf[pos++] = 0; // attributes: unused in v2
  pos = writeVarlong(buf, pos, p.timestampDelta);
  pos = writeVarint(buf, pos, p.offsetDelta);
  pos = writeBytes(buf, pos, p.key);
  pos = writeBytes(buf, pos, p.value);
  pos = writeVarint(buf, pos, p.headers.length);
  for (const h of p.headers) {
    pos = writeBytes(buf, pos, h.key);
    pos = writeBytes(buf, pos, h.value);
  }
  return pos;
}
