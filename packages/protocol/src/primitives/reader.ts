import { ProtocolError } from '../errors.ts';
import { uuidFromBytes } from './uuid.ts';

/**
 * A cursor over a Buffer for Kafka's wire encodings. Every length and count is checked
 * against the bytes left before anything is allocated or sliced, so a hostile prefix can
 * never make a decoder allocate more than the frame holds. Byte fields are returned as
 * subarrays of the input (zero copy): callers that keep them past the life of the input
 * buffer must copy.
 */
export class Reader {
  readonly buffer: Buffer;
  offset: number;
  readonly end: number;

  constructor(buffer: Buffer, offset = 0, end = buffer.length) {
    this.buffer = buffer;
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  /** Throws unless `n` more bytes are available. */
  need(n: number, what = 'field'): void {
    if (n > this.end - this.offset) {
      throw new ProtocolError('SAMSA_ERR_PROTOCOL_TRUNCATED',
        `${what} needs ${n} bytes at offset ${this.offset}, ${this.end - this.offset} left`);
    }
  }

  int8(): number {
    this.need(1, 'int8');
    return this.buffer.readInt8(this.offset++);
  }

  uint8(): number {
    this.need(1, 'uint8');
    return this.buffer[this.offset++]!;
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    this.need(2, 'int16');
    const v = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  uint16(): number {
    this.need(2, 'uint16');
    const v = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4, 'int32');
    const v = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint32(): number {
    this.need(4, 'uint32');
    const v = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  int64(): bigint {
    this.need(8, 'int64');
    const v = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  float64(): number {
    this.need(8, 'float64');
    const v = this.buffer.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }

  uuid(): string {
    this.need(16, 'uuid');
    const v = uuidFromBytes(this.buffer, this.offset);
    this.offset += 16;
    return v;
  }

  /** Unsigned LEB128 varint of at most 32 bits (flexible-version lengths and tags). */
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      this.need(1, 'varint');
      const b = this.buffer[this.offset++]!;
      if (i === 4 && b > 0x0f) break;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
    throw new ProtocolError('SAMSA_ERR_PROTOCOL_INVALID_VARINT', `unsigned varint at offset ${this.offset} exceeds 32 bits`);
  }

  /** Zigzag-encoded signed varint of at most 32 bits (record fields). */
  varint(): number {
    const u = this.uvarint();
    return (u % 2 === 0) ? u / 2 : -(u + 1) / 2;
  }

  /** Zigzag-encoded signed varint of at most 64 bits, as a number when it is safe, else a bigint. */
  varlong(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      this.need(1, 'varlong');
      const b = this.buffer[this.offset++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (result >> 1n) ^ -(result & 1n);
      shift += 7n;
    }
    throw new ProtocolError('SAMSA_ERR_PROTOCOL_INVALID_VARINT', `varlong at offset ${this.offset} exceeds 64 bits`);
  }

  /** A raw slice of `n` bytes (zero copy). */
  raw(n: number, what = 'bytes'): Buffer {
    if (n < 0) throw new ProtocolError('SAMSA_ERR_PROTOCOL_INVALID_LENGTH', `${what} has negative length ${n}`);
    this.need(n, what);
    const v = this.buffer.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  #utf8(n: number, what: string): string {
    this.need(n, what);
    const start = this.offset;
    this.offset += n;
    return this.buffer.toString('utf8', start, start + n);
  }

  /** int16-length string; -1 is null. */
  nullableString(): string | null {
    const n = this.int16();
    if (n === -1) return null;
    if (n < 0) throw new ProtocolError('SAMSA_ERR_PROTOCOL_INVALID_LENGTH', `string length ${n}`);
    return this.#utf8(n, 'string');
  }

  string(): string {
    const v = this.nullableString();
    if (v === null) throw new ProtocolError('SAMSA_ERR_PROTOCOL_INVALID_VALUE', 'null in a non-nullable string');
    return v;
  }

  /** Compact string: uvarint length+1; 0 is null. */
  nullableCompactString(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    return this.#utf8(n - 1, 'compact string');
  }

  compactString(): string {
    const v = this.nullableCompactString();
    if (v === null) throw new ProtocolError('SAMSA_ERR_PROTOCOL_INVALID_VALUE', 'null in a non-nullable compact string');
    return v;
  }

  /** int32-length bytes; -1 is null. */
  nullableBytes(): Buffer | null {
    const n = this.int32();
    if (n === -1) return null;
    return this.raw(n, 'bytes');
  }

  bytes(): Buffer {
    const v = this.nullableBytes();
    if (v === null) throw new ProtocolError('SAMSA_ERR_PROTOCOL_INVALID_VALUE', 'null in non-nullable bytes');
    return v;
  }

  nullableCompactBytes(): Buffer | null {
    const n = this.uvarint();
    if (n === 0) return null;
    return this.raw(n - 1, 'compact bytes');
  }

  compactBytes(): Buffer {
    const v = this.nullableCompactBytes();
    if (v === null) throw new ProtocolError('SAMSA_ERR_PROTOCOL_INVALID_VALUE', 'null in non-nullable compact bytes');
    return v;
  }

  /**
   * An int32 array count; -1 is null. `minElementSize` is the smallest encoding of one
   * element: a count that could not fit in the bytes left is rejected before the caller
   * allocates anything for it.
   */
  arrayLength(minElementSize: number): number {
    const n = this.int32();
    if (n === -1) return -1;
    return this.#checkCount(n, minElementSize);
  }

  /** A compact array count (uvarint length+1); -1 is null. */
  compactArrayLength(minElementSize: number): number {
    const n = this.uvarint() - 1;
    if (n === -1) return -1;
    return this.#checkCount(n, minElementSize);
  }

  #checkCount(n: number, minElementSize: number): number {
    if (n < 0 || n * Math.max(minElementSize, 1) > this.end - this.offset) {
      throw new ProtocolError('SAMSA_ERR_PROTOCOL_INVALID_LENGTH',
        `array count ${n} cannot fit in the ${this.end - this.offset} bytes left at offset ${this.offset}`);
    }
    return n;
  }
}
