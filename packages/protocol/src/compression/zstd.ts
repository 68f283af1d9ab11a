import { zstdCompressSync, zstdDecompressSync, constants } from 'node:zlib';
import { corruptCompressed, maxOutputOf, outputTooLarge } from './limits.ts';
import type { DecompressOptions } from './limits.ts';
import { fromZlibError } from './zlib-errors.ts';

export interface ZstdOptions {
  /** zstd level; librdkafka and the Java client default to 3, zstd's own default. */
  level?: number;
}

export function zstdCompress(data: Uint8Array, options?: ZstdOptions): Buffer {
  return zstdCompressSync(data, {
    params: { [constants.ZSTD_c_compressionLevel]: options?.level ?? 3 },
  });
}

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const MAX_BLOCK_SIZE = 128 * 1024;

interface ZstdFrame {
  start: number;
  end: number;
  /** Largest output the frame can produce, from its declared size or its blocks. */
  bound: number;
  /** Frame_Content_Size when the header carries it, else -1. */
  declared: number;
}

/**
 * Walks the frames of a zstd stream (RFC 8878) without decoding them. node:zlib inflates
 * only the first frame and ignores what follows, while Kafka's readers accept frames
 * back to back; walking also yields a bound on the output before anything is inflated,
 * so a bomb is refused up front.
 */
function walkFrames(data: Uint8Array): ZstdFrame[] {
  const frames: ZstdFrame[] = [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = 0;
  while (pos < data.length) {
    if (pos + 8 > data.length) throw corruptCompressed('zstd', `truncated frame header at ${pos}`);
    const start = pos;
    const magic = view.getUint32(pos, true);
    pos += 4;
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      pos += 4 + view.getUint32(pos, true);
      if (pos > data.length) throw corruptCompressed('zstd', 'skippable frame runs past the end');
      continue;
    }
    if (magic !== FRAME_MAGIC) throw corruptCompressed('zstd', `bad frame magic 0x${magic.toString(16)} at ${start}`);
    const fhd = data[pos++]!;
    if (fhd & 0x08) throw corruptCompressed('zstd', 'reserved frame header bit set');
    const fcsFlag = fhd >>> 6;
    const singleSegment = (fhd & 0x20) !== 0;
    const hasChecksum = (fhd & 0x04) !== 0;
    const dictFlag = fhd & 0x03;
    if (!singleSegment) pos += 1;
    pos += dictFlag === 3 ? 4 : dictFlag;
    const fcsSize = fcsFlag === 0 ? (singleSegment ? 1 : 0) : 1 << fcsFlag;
    if (pos + fcsSize > data.length) throw corruptCompressed('zstd', 'truncated frame header');
    let declared = -1;
    if (fcsSize === 1) declared = data[pos]!;
    else if (fcsSize === 2) declared = view.getUint16(pos, true) + 256;
    else if (fcsSize === 4) declared = view.getUint32(pos, true);
    else if (fcsSize === 8) declared = view.getUint32(pos, true) + view.getUint32(pos + 4, true) * 2 ** 32;
    pos += fcsSize;
    let blocksBound = 0;
    for (;;) {
      if (pos + 3 > data.length) throw corruptCompressed('zstd', 'truncated block header');
      const header = data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16);
      pos += 3;
      const type = (header >>> 1) & 3;
      const size = header >>> 3;
      if (type === 3) throw corruptCompressed('zstd', 'reserved block type');
      if (type === 1) {
        pos += 1;
        blocksBound += size;
      } else {
        pos += size;
        blocksBound += type === 0 ? size : MAX_BLOCK_SIZE;
      }
      if (pos > data.length) throw corruptCompressed('zstd', 'block runs past the end');
      if (header & 1) break;
    }
    if (hasChecksum) pos += 4;
    if (pos > data.length) throw corruptCompressed('zstd', 'truncated content checksum');
    frames.push({ start, end: pos, bound: declared >= 0 ? Math.min(declared, blocksBound) : blocksBound, declared });
  }
  return frames;
}

/** Inflates zstd data: every frame, each checked against the cap before it is inflated. */
export function zstdDecompress(data: Uint8Array, options?: DecompressOptions): Buffer {
  const max = maxOutputOf(options);
  const frames = walkFrames(data);
  // A declared content size is exact for any frame that decodes at all, so a sum of them
  // over the cap is refused before inflating; block-derived bounds only cap the guess.
  let declaredTotal = 0;
  for (const f of frames) if (f.declared >= 0) declaredTotal += f.declared;
  if (declaredTotal > max) throw outputTooLarge('zstd', max, declaredTotal);
  const parts: Buffer[] = [];
  let total = 0;
  for (const f of frames) {
    if (f.bound === 0) continue;
    let out: Buffer;
    try {
      out = zstdDecompressSync(data.subarray(f.start, f.end), { maxOutputLength: Math.max(max - total, 1) });
    } catch (err) {
      throw fromZlibError('zstd', max, err);
    }
    total += out.length;
    if (total > max) throw outputTooLarge('zstd', max);
    parts.push(out);
  }
  if (parts.length === 1) return parts[0]!;
  return Buffer.concat(parts, total);
}
