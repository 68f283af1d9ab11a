import { crc32c as nativeCrc32c } from '@node-rs/crc32';

/**
 * CRC-32C (Castagnoli), the checksum of RecordBatch v2. Backed by @node-rs/crc32, which
 * ships prebuilt SIMD binaries (see bench/RESULTS.md for its speed next to pure JS).
 */
export function crc32c(data: Uint8Array, initial = 0): number {
  return nativeCrc32c(data as Buffer, initial) >>> 0;
}
