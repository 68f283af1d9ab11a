import { ProtocolError } from '../errors.ts';

/**
 * Record-level varint helpers. Records are the per-record hot path, so these work on a
 * plain Buffer and position and return numbers: Reader.varlong() returns a bigint, which
 * costs an allocation per call, while every timestamp delta of a sane batch fits in a safe
 * integer.
 */

function truncated(what: string, pos: number): ProtocolError {
  return new ProtocolError('SAMSA_ERR_PROTOCOL_TRUNCATED', `${what} runs past the end at offset ${pos}`);
}

/**
 * A cursor for decoding records: a position and an end that the caller may narrow to one
 * record, so no field of a record can read into the next one.
 */
export class RecordCursor {
  readonly buf: Buffer;
  pos: number;
  end: number;

  constructor(buf: Buffer, pos: number, end: number) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  int8(): number {
    if (this.pos >= this.end) throw truncated('int8', this.pos);
    const b = this.buf[this.pos++]!;
    return (b << 24) >> 24;
  }

  /** Zigzag varint of at most 32 bits (5 bytes), as Kafka's ByteUtils.readVarint. */
  varint(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    if (pos >= end) throw truncated('varint', pos);
    let b = buf[pos++]!;
    let u = b & 0x7f;
    if (b & 0x80) {
      let shift = 7;
      for (;;) {
        if (pos >= end) throw truncated('varint', pos);
        b = buf[pos++]!;
        if (shift === 28) {
          if (b > 0x0f) throw new ProtocolError('SAMSA_ERR_PROTOCOL_INVALID_VARINT', `varint at offset ${this.pos} exceeds 32 bits`);
          u |= b << 28;
          break;
        }
        u |= (b & 0x7f) << shift;
        if ((b & 0x80) === 0) break;
        shift += 7;
      }
    }
    this.pos = pos;
    return (u >>> 1) ^ -(u & 1);
  }

  /**
   * Zigzag varlong of at most 64 bits (10 bytes), as a number. Values outside the safe
   * integer range (a timestamp delta of more than 285,000 years) are refused rather than
   * rounded.
   */
  varlongNumber(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    if (pos >= end) throw truncated('varlong', pos);
    let b = buf[pos++]!;
    if ((b & 0x80) === 0) {
      this.pos = pos;
      return (b >>> 1) ^ -(b & 1);
    }
    // The low 28 bits accumulate in int32 arithmetic; the rest go to `hi` by multiplication.
    let lo = b & 0x7f;
    let hi = 0;
    let shift = 7;
    for (let i = 1; ; i++) {
      if (i === 10) throw new ProtocolError('SAMSA_ERR_PROTOCOL_INVALID_VARINT', `varlong at offset ${this.pos} exceeds 64 bits`);
      if (pos >= end) throw truncated('varlong', pos);
      b = buf[pos++]!;
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else hi += (b & 0x7f) * 2 ** (shift - 28);
      if ((b & 0x80) === 0) break;
      shift += 7;
    }
    this.pos = pos;
    // hi < 2^26 keeps floor(u / 2) = hi * 2^27 + lo / 2 below 2^53.
    if (hi >= 2 ** 26) {
      throw new ProtocolError('SAMSA_ERR_PROTOCOL_INVALID_VALUE', `varlong at offset ${this.pos} is outside the safe integer range`);
    }
    const magnitude = hi * 2 ** 27 + (lo >>> 1);
    return (lo & 1) === 0 ? magnitude : -magnitude - 1;
  }

  /** `n` bytes as a subarray (zero copy); the caller has checked `n >= 0`. */
  bytes(n: number, what: string): Buffer {
    if (n > this.end - this.pos) throw truncated(what, this.pos);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  utf8(n: number, what: string): string {
    if (n > this.end - this.pos) throw truncated(what, this.pos);
    const start = this.pos;
    this.pos += n;
    return this.buf.toString('utf8', start, start + n);
  }
}

/** Bytes a zigzag varint (32-bit) takes. */
export function sizeOfVarint(v: number): number {
  let u = ((v << 1) ^ (v >> 31)) >>> 0;
  let n = 1;
  while (u >= 0x80) {
    u >>>= 7;
    n++;
  }
  return n;
}

export function writeVarint(buf: Buffer, pos: number, v: number): number {
  let u = ((v << 1) ^ (v >> 31)) >>> 0;
  while (u >= 0x80) {
    buf[pos++] = (u & 0x7f) | 0x80;
    u >>>= 7;
  }
  buf[pos++] = u;
  return pos;
}

/** Zigzag of a safe integer, as an unsigned value split into its low 32 and high bits. */
function zigzag64(v: number): [lo: number, hi: number] {
  // 2|v| (or 2|v| - 1) can reach 2^54, past exact doubles, so work on |v| in halves.
  const neg = v < 0;
  const m = neg ? -v - 1 : v; // zigzag(v) = 2m + (neg ? 1 : 0)
  const mHi = Math.floor(m / 2 ** 31);
  const mLo = m - mHi * 2 ** 31; // < 2^31
  const lo = ((mLo * 2) + (neg ? 1 : 0)) >>> 0;
  return [lo, mHi];
}

export function sizeOfVarlong(v: number): number {
  if (v === (v | 0)) return sizeOfVarint(v);
  let [lo, hi] = zigzag64(v);
  let n = 1;
  while (hi > 0 || lo >= 0x80) {
    lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0;
    hi = Math.floor(hi / 128);
    n++;
  }
  return n;
}

export function writeVarlong(buf: Buffer, pos: number, v: number): number {
  if (v === (v | 0)) return writeVarint(buf, pos, v);
  let [lo, hi] = zigzag64(v);
  // Emit 7 bits at a time from the 64-bit value (hi:lo) until what remains fits in 7 bits.
  while (hi > 0 || lo >= 0x80) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0;
    hi = Math.floor(hi / 128);
  }
  buf[pos++] = lo;
  return pos;
}
