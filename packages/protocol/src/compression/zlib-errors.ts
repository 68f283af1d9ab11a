import type { ProtocolError } from '../errors.ts';
import { corruptCompressed, outputTooLarge } from './limits.ts';

/** Maps a node:zlib failure to our codes: the size cap apart from everything else. */
export function fromZlibError(codec: string, max: number, err: unknown): ProtocolError {
  if ((err as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE') return outputTooLarge(codec, max);
  return corruptCompressed(codec, (err as Error | null)?.message ?? String(err), err);
}
