import { corruptCompressed } from './limits.ts';

/** Thrown (as a sentinel, caught by the frame decoder) when a block would pass `limit`. */
export const OUTPUT_FULL = Symbol('lz4 output full');

/**
 * Decodes one raw LZ4 block (src[start..end)) into `dst` at `at`, returning the new write
 * position. Matches may reach back to `windowStart`, which lets linked blocks of one frame
 * refer to the blocks before them. Every length is checked against the input left and
 * against `limit`, so hostile input can neither read nor write out of bounds, and the
 * loop always consumes at least one input byte per step.
 */
export function decodeLz4Block(src: Uint8Array, start: number, end: number,
  dst: Uint8Array, at: number, limit: number, windowStart: number): number {
  let s = start;
  let d = at;
  for (;;) {
    if (s >= end) throw corruptCompressed('lz4', 'block ends inside a sequence');
    const token = src[s++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (s >= end) throw corruptCompressed('lz4', 'truncated literal length');
        b = src[s++]!;
        literals += b;
      } while (b === 255);
    }
    if (literals > 0) {
      if (literals > end - s) throw corruptCompressed('lz4', 'literals run past the block');
      if (literals > limit - d) throw OUTPUT_FULL;
      if (literals < 32) {
        for (let i = 0; i < literals; i++) dst[d + i] = src[s + i]!;
      } else {
        dst.set(src.subarray(s, s + literals), d);
      }
      s += literals;
      d += literals;
    }
    // The last sequence of a block carries literals only.
    if (s === end) return d;
    if (end - s < 2) throw corruptCompressed('lz4', 'truncated match offset');
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d - windowStart) throw corruptCompressed('lz4', `match offset ${offset} reaches before the output`);
    let length = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (s >= end) throw corruptCompressed('lz4', 'truncated match length');
        b = src[s++]!;
        length += b;
      } while (b === 255);
    }
    if (length > limit - d) throw OUTPUT_FULL;
    let from = d - offset;
    if (offset >= length && length >= 32) {
      dst.copyWithin(d, from, from + length);
      d += length;
    } else {
      // Overlapping matches repeat the last `offset` bytes: copy byte by byte, forward.
      const stop = d + length;
      while (d < stop) dst[d++] = dst[from++]!;
    }
  }
}
