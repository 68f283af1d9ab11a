import { createRequire } from 'node:module';
import type * as Lz4 from 'lz4-napi';
import { corruptCompressed, maxOutputOf, outputTooLarge } from './limits.ts';
import type { DecompressOptions } from './limits.ts';
import { decodeLz4Block, OUTPUT_FULL } from './lz4-block.ts';
import { xxhash32 } from './xxhash32.ts';

let native: typeof Lz4 | undefined;

/** The native addon, loaded on first use: most brokers and clients never meet lz4. */
function lz4(): typeof Lz4 {
  return native ??= createRequire(import.meta.url)('lz4-napi') as typeof Lz4;
}

/**
 * LZ4 in Kafka is the LZ4 frame format (magic 0x184D2204), with independent blocks (the
 * Java reader refuses linked ones). Compression goes through lz4-napi (native lz4_flex,
 * independent 64 KiB..4 MiB blocks, no content size). Decompression parses the frame here:
 * lz4-napi cannot bound its output, ignores bytes after the first frame, and rejects the
 * wrong header checksum that Kafka before 0.10 wrote into magic 0 messages (KAFKA-3160).
 * Blocks are decoded here in JavaScript into one buffer sized from the parse's upper bound
 * (clipped to the cap): measured on this project's bench it is as fast as lz4-napi's
 * decoder or faster (bench/RESULTS.md), and it can stop at the cap. The native decoder
 * stays available behind `native: true` for comparison, used only when the bound fits.
 * Block checksums are verified when present (Kafka's KafkaLZ4BlockInputStream does too);
 * the optional content checksum is not, as the batch CRC already covers these bytes.
 */

export interface Lz4CompressOptions {
  /** Write the pre-0.10 header checksum (over magic and descriptor); only for magic 0 messages. */
  legacyHeaderChecksum?: boolean;
}

export interface Lz4DecompressOptions extends DecompressOptions {
  /** Accept the pre-0.10 header checksum too (magic 0 messages, KAFKA-3160). */
  legacyHeaderChecksum?: boolean;
  /** Use lz4-napi's decoder when the frame's bound fits under the cap (for benches). */
  native?: boolean;
}

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** A compressed LZ4 sequence never expands a byte of input into more than 255 of output. */
const MAX_RATIO = 255;

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export function lz4Compress(data: Uint8Array, options?: Lz4CompressOptions): Buffer {
  const out = lz4().compressFrameSync(asBuffer(data));
  if (options?.legacyHeaderChecksum) {
    const flg = out[4]!;
    const hcAt = 6 + ((flg & 0x08) ? 8 : 0) + ((flg & 0x01) ? 4 : 0);
    out[hcAt] = (xxhash32(out, 0, 0, hcAt) >>> 8) & 0xff;
  }
  return out;
}

interface Lz4Frame {
  start: number;
  end: number;
  blockMax: number;
  /** Declared content size, or -1. */
  contentSize: number;
  /** Flat list of blocks: start, end, and 1 when stored uncompressed. */
  blocks: number[];
  bound: number;
  legacyChecksum: boolean;
}

function parseFrames(data: Uint8Array, allowLegacy: boolean): Lz4Frame[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const frames: Lz4Frame[] = [];
  let pos = 0;
  while (pos < data.length) {
    const start = pos;
    if (pos + 7 > data.length) throw corruptCompressed('lz4', `truncated frame header at ${pos}`);
    const magic = view.getUint32(pos, true);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      pos += 8 + view.getUint32(pos + 4, true);
      if (pos > data.length) throw corruptCompressed('lz4', 'skippable frame runs past the end');
      continue;
    }
    if (magic !== FRAME_MAGIC) throw corruptCompressed('lz4', `bad frame magic 0x${magic.toString(16)} at ${pos}`);
    const flg = data[pos + 4]!;
    const bd = data[pos + 5]!;
    if ((flg >>> 6) !== 1) throw corruptCompressed('lz4', `frame version ${flg >>> 6}`);
    if ((flg & 0x02) !== 0 || (bd & 0x8f) !== 0) throw corruptCompressed('lz4', 'reserved frame descriptor bits set');
    if ((flg & 0x01) !== 0) throw corruptCompressed('lz4', 'frames with a dictionary id are not used by Kafka');
    const blockChecksums = (flg & 0x10) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    const blockSizeId = (bd >>> 4) & 7;
    if (blockSizeId < 4) throw corruptCompressed('lz4', `block size id ${blockSizeId}`);
    const blockMax = 1 << (2 * blockSizeId + 8);
    let hcAt = pos + 6;
    let contentSize = -1;
    if ((flg & 0x08) !== 0) {
      if (pos + 15 > data.length) throw corruptCompressed('lz4', 'truncated content size');
      contentSize = view.getUint32(pos + 6, true) + view.getUint32(pos + 10, true) * 2 ** 32;
      hcAt += 8;
    }
    const hc = data[hcAt]!;
    let legacyChecksum = false;
    if (hc !== ((xxhash32(data, 0, pos + 4, hcAt) >>> 8) & 0xff)) {
      legacyChecksum = allowLegacy && hc === ((xxhash32(data, 0, pos, hcAt) >>> 8) & 0xff);
      if (!legacyChecksum) throw corruptCompressed('lz4', 'frame header checksum mismatch');
    }
    pos = hcAt + 1;
    const blocks: number[] = [];
    let bound = 0;
    for (;;) {
      if (pos + 4 > data.length) throw corruptCompressed('lz4', 'truncated block size');
      const word = view.getUint32(pos, true);
      pos += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      const stored = word >>> 31;
      if (size > blockMax) throw corruptCompressed('lz4', `block of ${size} bytes exceeds the frame's ${blockMax}`);
      if (pos + size > data.length) throw corruptCompressed('lz4', 'block runs past the end');
      blocks.push(pos, pos + size, stored);
      bound += stored ? size : Math.min(blockMax, size * MAX_RATIO);
      pos += size;
      if (blockChecksums) {
        if (pos + 4 > data.length) throw corruptCompressed('lz4', 'truncated block checksum');
        if (view.getUint32(pos, true) !== xxhash32(data, 0, pos - size, pos)) throw corruptCompressed('lz4', 'block checksum mismatch');
        pos += 4;
      }
    }
    if (contentChecksum) pos += 4;
    if (pos > data.length) throw corruptCompressed('lz4', 'truncated checksum');
    if (contentSize >= 0) {
      if (contentSize > bound) throw corruptCompressed('lz4', `declared content size ${contentSize} exceeds what the blocks can hold`);
      bound = contentSize;
    }
    frames.push({ start, end: pos, blockMax, contentSize, blocks, bound, legacyChecksum });
  }
  return frames;
}

function decodeFrameJs(data: Uint8Array, frame: Lz4Frame, out: Buffer, at: number, limit: number): number {
  const frameStart = at;
  const b = frame.blocks;
  for (let i = 0; i < b.length; i += 3) {
    const start = b[i]!;
    const end = b[i + 1]!;
    const blockLimit = Math.min(limit, at + frame.blockMax);
    if (b[i + 2] === 1) {
      if (end - start > limit - at) throw OUTPUT_FULL;
      out.set(data.subarray(start, end), at);
      at += end - start;
    } else {
      try {
        at = decodeLz4Block(data, start, end, out, at, blockLimit, frameStart);
      } catch (err) {
        if (err === OUTPUT_FULL && blockLimit < limit) throw corruptCompressed('lz4', `a block decodes to more than ${frame.blockMax} bytes`);
        throw err;
      }
    }
  }
  if (frame.contentSize >= 0 && at - frameStart !== frame.contentSize) {
    throw corruptCompressed('lz4', `frame decoded to ${at - frameStart} bytes, declared ${frame.contentSize}`);
  }
  return at;
}

export function lz4Decompress(data: Uint8Array, options?: Lz4DecompressOptions): Buffer {
  const max = maxOutputOf(options);
  const frames = parseFrames(data, options?.legacyHeaderChecksum ?? false);
  let bound = 0;
  let declared = 0;
  for (const f of frames) {
    bound += f.bound;
    if (f.contentSize >= 0) declared += f.contentSize;
  }
  if (declared > max) throw outputTooLarge('lz4', max, declared);
  if (options?.native && bound <= max && frames.length === 1 && !frames[0]!.legacyChecksum) {
    const f = frames[0]!;
    let out: Buffer;
    try {
      out = lz4().decompressFrameSync(asBuffer(data).subarray(f.start, f.end));
    } catch (err) {
      throw corruptCompressed('lz4', (err as Error).message, err);
    }
    if (f.contentSize >= 0 && out.length !== f.contentSize) {
      throw corruptCompressed('lz4', `frame decoded to ${out.length} bytes, declared ${f.contentSize}`);
    }
    return out;
  }
  const out = Buffer.allocUnsafe(Math.min(bound, max));
  let at = 0;
  try {
    for (const f of frames) at = decodeFrameJs(data, f, out, at, out.length);
  } catch (err) {
    if (err === OUTPUT_FULL) {
      // The buffer holds the bound when that was under the cap, so filling it means a
      // block broke its frame's rules; only a buffer cut to the cap means "too large".
      throw bound > max ? outputTooLarge('lz4', max) : corruptCompressed('lz4', 'blocks decode past their bound');
    }
    throw err;
  }
  return at === out.length ? out : out.subarray(0, at);
}
