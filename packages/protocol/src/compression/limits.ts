import { ProtocolError } from '../errors.ts';

/**
 * Default cap on what one decompression may produce. A batch compresses well, but a record
 * section larger than this from one produce request is not something a broker should
 * inflate on trust: a few KB of zstd can claim gigabytes.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 128 * 1024 * 1024;

export interface DecompressOptions {
  /** Largest output allowed, in bytes; more throws SAMSA_ERR_COMPRESSION_OUTPUT_TOO_LARGE. */
  maxOutputBytes?: number;
}

export function maxOutputOf(options: DecompressOptions | undefined): number {
  const max = options?.maxOutputBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  if (!Number.isSafeInteger(max) || max < 0) throw new RangeError(`maxOutputBytes must be a non-negative integer, got ${max}`);
  return max;
}

export function outputTooLarge(codec: string, max: number, claimed?: number): ProtocolError {
  const what = claimed === undefined ? 'more than' : `${claimed} bytes, over`;
  return new ProtocolError('SAMSA_ERR_COMPRESSION_OUTPUT_TOO_LARGE',
    `${codec} data decompresses to ${what} the limit of ${max} bytes`);
}

export function corruptCompressed(codec: string, detail: string, cause?: unknown): ProtocolError {
  return new ProtocolError('SAMSA_ERR_COMPRESSION_CORRUPT', `${codec} data cannot be decompressed: ${detail}`,
    cause === undefined ? undefined : { cause });
}
