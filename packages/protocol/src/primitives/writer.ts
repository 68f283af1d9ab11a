import { ProtocolError } from '../errors.ts';
import { uuidToBytes } from './uuid.ts';

/** Byte fields at least this large are kept by reference instead of copied. */
const ZERO_COPY_THRESHOLD = 4096;

/**
 * An append-only encoder for Kafka's wire encodings. Small values go into a growing
 * scratch buffer; large byte fields (record batches) are kept by reference, so a Fetch
 * response carrying megabytes of stored batches is assembled without copying them.
 * `chunks()` returns the pieces for a vectored socket write; `toBuffer()` joins them.
 */
export class Writer {
  #chunks: Buffer[] = [];
  #buf: Buffer;
  #pos = 0;
  #start = 0; // start of the part of #buf not yet pushed to #chunks
  #length = 0; // bytes in #chunks

  constructor(initialSize = 256) {
    this.#buf = Buffer.allocUnsafe(initialSize);
  }

  /** Total bytes written so far. */
  get length(): number {
    return this.#length + (this.#pos - this.#start);
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    const pending = this.#pos - this.#start;
    const size = Math.max(this.#buf.length * 2, pending + n, 256);
    const next = Buffer.allocUnsafe(size);
    this.#buf.copy(next, 0, this.#start, this.#pos);
    this.#buf = next;
    this.#start = 0;
    this.#pos = pending;
  }

  int8(v: number): this {
    this.#ensure(1);
    this.#buf.writeInt8(v, this.#pos);
    this.#pos += 1;
    return this;
  }

  uint8(v: number): this {
    this.#ensure(1);
    this.#buf[this.#pos++] = v;
    return this;
  }

  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  int16(v: number): this {
    this.#ensure(2);
    this.#buf.writeInt16BE(v, this.#pos);
    this.#pos += 2;
    return this;
  }

  uint16(v: number): this {
    this.#ensure(2);
    this.#buf.writeUInt16BE(v, this.#pos);
    this.#pos += 2;
    return this;
  }

  int32(v: number): this {
    this.#ensure(4);
    this.#buf.writeInt32BE(v, this.#pos);
    this.#pos += 4;
    return this;
  }

  uint32(v: number): this {
    this.#ensure(4);
    this.#buf.writeUInt32BE(v, this.#pos);
    this.#pos += 4;
    return this;
  }

  int64(v: bigint): this {
    this.#ensure(8);
    this.#buf.writeBigInt64BE(v, this.#pos);
    this.#pos += 8;
    return this;
  }

  float64(v: number): this {
    this.#ensure(8);
    this.#buf.writeDoubleBE(v, this.#pos);
    this.#pos += 8;
    return this;
  }

  uuid(v: string): this {
    this.#ensure(16);
    uuidToBytes(v, this.#buf, this.#pos);
    this.#pos += 16;
    return this;
  }

  /** Unsigned LEB128 varint, up to 32 bits. */
  uvarint(v: number): this {
    if (v < 0 || v > 0xffffffff || !Number.isInteger(v)) {
      throw new ProtocolError('SAMSA_ERR_PROTOCOL_NOT_REPRESENTABLE', `unsigned varint out of range: ${v}`);
    }
    this.#ensure(5);
    while (v >= 0x80) {
      this.#buf[this.#pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.#buf[this.#pos++] = v;
    return this;
  }

  /** Zigzag signed varint, 32 bits. */
  varint(v: number): this {
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /** Zigzag signed varint, 64 bits. */
  varlong(v: bigint): this {
    let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    this.#ensure(10);
    while (u >= 0x80n) {
      this.#buf[this.#pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.#buf[this.#pos++] = Number(u);
    return this;
  }

  /** Raw bytes with no prefix. Large ones are kept by reference (zero copy). */
  raw(v: Uint8Array): this {
    if (v.length >= ZERO_COPY_THRESHOLD) {
      this.#flushScratch();
      const b = Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.length);
      this.#chunks.push(b);
      this.#length += b.length;
      return this;
    }
    this.#ensure(v.length);
    this.#buf.set(v, this.#pos);
    this.#pos += v.length;
    return this;
  }

  #flushScratch(): void {
    if (this.#pos > this.#start) {
      this.#chunks.push(this.#buf.subarray(this.#start, this.#pos));
      this.#length += this.#pos - this.#start;
      this.#start = this.#pos;
    }
  }

  #utf8(v: string): void {
    // Byte length first, so the prefix is exact; ASCII fast path avoids the scan.
    const n = Buffer.byteLength(v, 'utf8');
    this.#ensure(n);
    this.#buf.write(v, this.#pos, n, 'utf8');
    this.#pos += n;
  }

  nullableString(v: string | null): this {
    if (v === null) return this.int16(-1);
    const n = Buffer.byteLength(v, 'utf8');
    if (n > 0x7fff) throw new ProtocolError('SAMSA_ERR_PROTOCOL_NOT_REPRESENTABLE', `string of ${n} bytes exceeds int16 length`);
    this.int16(n);
    this.#utf8(v);
    return this;
  }

  string(v: string): this {
    return this.nullableString(v);
  }

  nullableCompactString(v: string | null): this {
    if (v === null) return this.uvarint(0);
    this.uvarint(Buffer.byteLength(v, 'utf8') + 1);
    this.#utf8(v);
    return this;
  }

  compactString(v: string): this {
    return this.nullableCompactString(v);
  }

  nullableBytes(v: Uint8Array | null): this {
    if (v === null) return this.int32(-1);
    this.int32(v.length);
    return this.raw(v);
  }

  bytes(v: Uint8Array): this {
    return this.nullableBytes(v);
  }

  nullableCompactBytes(v: Uint8Array | null): this {
    if (v === null) return this.uvarint(0);
    this.uvarint(v.length + 1);
    return this.raw(v);
  }

  compactBytes(v: Uint8Array): this {
    return this.nullableCompactBytes(v);
  }

  /** The encoded pieces, in order, for a vectored write. The writer must not be used after. */
  chunks(): Buffer[] {
    this.#flushScratch();
    return this.#chunks;
  }

  /** The encoded bytes as one Buffer (copies only when there is more than one piece). */
  toBuffer(): Buffer {
    const chunks = this.chunks();
    if (chunks.length === 1) return chunks[0]!;
    return Buffer.concat(chunks, this.#length);
  }
}
