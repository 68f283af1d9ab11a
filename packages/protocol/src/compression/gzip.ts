import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { maxOutputOf, outputTooLarge } from './limits.ts';
import type { DecompressOptions } from './limits.ts';
import { fromZlibError } from './zlib-errors.ts';

export interface GzipOptions {
  /** zlib level 1..9; Kafka's producers default to zlib's own default (6). */
  level?: number;
}

export function gzipCompress(data: Uint8Array, options?: GzipOptions): Buffer {
  return gzipSync(data, { level: options?.level ?? constants.Z_DEFAULT_COMPRESSION });
}

/** Inflates gzip data (several members back to back are joined, as GZIPInputStream does). */
export function gzipDecompress(data: Uint8Array, options?: DecompressOptions): Buffer {
  const max = maxOutputOf(options);
  let out: Buffer;
  try {
    // zlib refuses a limit of 0, hence the floor of 1 and the check after.
    out = gunzipSync(data, { maxOutputLength: Math.max(max, 1) });
  } catch (err) {
    throw fromZlibError('gzip', max, err);
  }
  if (out.length > max) throw outputTooLarge('gzip', max);
  return out;
}
