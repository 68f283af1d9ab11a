import { createRequire } from 'node:module';

type NativeCrc32c = (data: Buffer, initial?: number) => number;

let native: NativeCrc32c | undefined;

/** Loaded on first use: a broker starts and listens before it checks any batch. */
function loadNative(): NativeCrc32c {
  return (createRequire(import.meta.url)('@node-rs/crc32') as { crc32c: NativeCrc32c }).crc32c;
}

/**
 * CRC-32C (Castagnoli), the checksum of RecordBatch v2. Backed by @node-rs/crc32, which
 * ships prebuilt SIMD binaries (see bench/RESULTS.md for its speed next to pure JS).
 */
export function crc32c(data: Uint8Array, initial = 0): number {
  return (native ??= loadNative())(data as Buffer, initial) >>> 0;
}
