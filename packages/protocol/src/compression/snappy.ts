import { createRequire } from 'node:module';
import type * as Snappy from 'snappy';
import { corruptCompressed, maxOutputOf, outputTooLarge } from './limits.ts';
import type { DecompressOptions } from './limits.ts';

let native: typeof Snappy | undefined;

/** The native addon, loaded on first use: most brokers and clients never meet snappy. */
function snappy(): typeof Snappy {
  return native ??= createRequire(import.meta.url)('snappy') as typeof Snappy;
}

/**
 * Snappy as Kafka's clients write it. There are two framings in the wild and a reader
 * must take both:
 * - xerial: the block stream of xerial's SnappyOutputStream, which the Java client and
 *   kafka-python write: a 16-byte header (0x82 "SNAPPY" 0x00, int32 version 1, int32
 *   minimum compatible version 1), then blocks of int32 big-endian length + raw snappy,
 *   each block holding at most 32 KiB of input.
 * - raw: one plain snappy block (uvarint uncompressed length, then the stream), which
 *   kafkajs-snappy and librdkafka write.
 */
export type SnappyFraming = 'xerial' | 'raw';

export interface SnappyOptions {
  /** Defaults to 'xerial', the Java client's framing, which every Kafka reader accepts. */
  framing?: SnappyFraming;
}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
/** SnappyOutputStream's default block size, the one Kafka's Java producer uses. */
const XERIAL_BLOCK_SIZE = 32 * 1024;

export function snappyCompress(data: Uint8Array, options?: SnappyOptions): Buffer {
  if (options?.framing === 'raw') return snappy().compressSync(data);
  const blocks: Buffer[] = [];
  const header = Buffer.alloc(XERIAL_HEADER_SIZE);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  blocks.push(header);
  let total = XERIAL_HEADER_SIZE;
  for (let i = 0; i < data.length; i += XERIAL_BLOCK_SIZE) {
    const block = snappy().compressSync(data.subarray(i, Math.min(i + XERIAL_BLOCK_SIZE, data.length)));
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(block.length, 0);
    blocks.push(len, block);
    total += 4 + block.length;
  }
  return Buffer.concat(blocks, total);
}

/** True when `data` starts with the xerial block-stream header. */
export function isXerialSnappy(data: Uint8Array): boolean {
  if (data.length < XERIAL_HEADER_SIZE) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (data[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/**
 * The uncompressed length a raw snappy block declares in its uvarint preamble. The codec
 * checks the output against it, so it is exact for any block that decodes.
 */
function declaredLength(data: Uint8Array, start: number, end: number): number {
  let result = 0;
  for (let i = 0, pos = start; i < 5; i++, pos++) {
    if (pos >= end) throw corruptCompressed('snappy', 'truncated length preamble');
    const b = data[pos]!;
    result += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return result;
  }
  throw corruptCompressed('snappy', 'length preamble longer than 32 bits');
}

/**
 * The most output one input byte of a snappy stream can produce: a 3-byte copy element
 * yields at most 64 bytes. A preamble claiming more is a lie, refused before the codec
 * allocates an output buffer of the claimed size.
 */
const MAX_EXPANSION = 22;

function checkPlausible(declared: number, compressedSize: number): void {
  if (declared > compressedSize * MAX_EXPANSION + 16) {
    throw corruptCompressed('snappy', `a block of ${compressedSize} bytes cannot hold the ${declared} bytes it declares`);
  }
}

function rawBlock(data: Uint8Array): Buffer {
  try {
    return snappy().uncompressSync(data, { asBuffer: true }) as Buffer;
  } catch (err) {
    throw corruptCompressed('snappy', (err as Error).message, err);
  }
}

/** Decompresses either framing, told apart by the xerial header as Kafka's readers do. */
export function snappyDecompress(data: Uint8Array, options?: DecompressOptions): Buffer {
  const max = maxOutputOf(options);
  if (!isXerialSnappy(data)) {
    const n = declaredLength(data, 0, data.length);
    if (n > max) throw outputTooLarge('snappy', max, n);
    checkPlausible(n, data.length);
    return rawBlock(data);
  }
  // First pass: find every block and add up the lengths they declare, so nothing is
  // inflated (or allocated) unless the whole output fits under the cap.
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const starts: number[] = [];
  const ends: number[] = [];
  let total = 0;
  let pos = XERIAL_HEADER_SIZE;
  while (pos < data.length) {
    if (pos + 4 > data.length) throw corruptCompressed('snappy', `truncated xerial block length at ${pos}`);
    const len = view.getInt32(pos);
    pos += 4;
    if (len < 0 || pos + len > data.length) throw corruptCompressed('snappy', `xerial block length ${len} at ${pos - 4} runs past the end`);
    const n = declaredLength(data, pos, pos + len);
    checkPlausible(n, len);
    total += n;
    if (total > max) throw outputTooLarge('snappy', max, total);
    starts.push(pos);
    ends.push(pos + len);
    pos += len;
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < starts.length; i++) {
    const block = rawBlock(data.subarray(starts[i]!, ends[i]!));
    out.set(block, at);
    at += block.length;
  }
  if (at !== total) throw corruptCompressed('snappy', `xerial blocks produced ${at} bytes, declared ${total}`);
  return out;
}
