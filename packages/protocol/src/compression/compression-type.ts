/**
 * Compression codec ids as they appear in the low three bits of a batch's (or legacy
 * message's) attributes. The ids are Kafka's; zstd (4) exists since KIP-110 (magic 2 only).
 */
export const CompressionType = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
} as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

const names: readonly string[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** Kafka's `compression.type` name for an id ("none", "gzip", ...), or `unknown(N)`. */
export function compressionName(id: number): string {
  return names[id] ?? `unknown(${id})`;
}

export function isCompressionType(id: number): id is CompressionType {
  return Number.isInteger(id) && id >= 0 && id <= 4;
}
