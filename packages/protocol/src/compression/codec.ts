import { ProtocolError } from '../errors.ts';
import { CompressionType, compressionName } from './compression-type.ts';
import { gzipCompress, gzipDecompress } from './gzip.ts';
import type { DecompressOptions } from './limits.ts';
import { lz4Compress, lz4Decompress } from './lz4.ts';
import { snappyCompress, snappyDecompress } from './snappy.ts';
import type { SnappyFraming } from './snappy.ts';
import { zstdCompress, zstdDecompress } from './zstd.ts';

export interface CompressOptions {
  /** Codec level for gzip and zstd (lz4 and snappy have none). */
  level?: number;
  /** Snappy framing; 'xerial' unless set. */
  snappyFraming?: SnappyFraming;
  /** LZ4 header checksum as Kafka before 0.10 wrote it: magic 0 messages only. */
  lz4LegacyHeaderChecksum?: boolean;
}

export interface CodecDecompressOptions extends DecompressOptions {
  /** LZ4 in magic 0 messages carries the pre-0.10 header checksum (KAFKA-3160). */
  lz4LegacyHeaderChecksum?: boolean;
}

function unsupported(type: number): ProtocolError {
  return new ProtocolError('SAMSA_ERR_RECORDS_UNSUPPORTED_COMPRESSION', `unknown compression codec ${compressionName(type)}`);
}

/** Compresses `data` with a Kafka codec. `none` returns the input itself. */
export function compress(type: number, data: Uint8Array, options?: CompressOptions): Buffer {
  const level = options?.level;
  switch (type) {
    case CompressionType.none: return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    case CompressionType.gzip: return gzipCompress(data, level === undefined ? undefined : { level });
    case CompressionType.snappy: return snappyCompress(data, { framing: options?.snappyFraming ?? 'xerial' });
    case CompressionType.lz4: return lz4Compress(data, { legacyHeaderChecksum: options?.lz4LegacyHeaderChecksum ?? false });
    case CompressionType.zstd: return zstdCompress(data, level === undefined ? undefined : { level });
    default: throw unsupported(type);
  }
}

/**
 * Decompresses `data` with a Kafka codec, never producing more than
 * `options.maxOutputBytes` (DEFAULT_MAX_DECOMPRESSED_BYTES unless set).
 */
export function decompress(type: number, data: Uint8Array, options?: CodecDecompressOptions): Buffer {
  switch (type) {
    case CompressionType.none: return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    case CompressionType.gzip: return gzipDecompress(data, options);
    case CompressionType.snappy: return snappyDecompress(data, options);
    case CompressionType.lz4: return lz4Decompress(data, {
      ...(options?.maxOutputBytes === undefined ? {} : { maxOutputBytes: options.maxOutputBytes }),
      legacyHeaderChecksum: options?.lz4LegacyHeaderChecksum ?? false,
    });
    case CompressionType.zstd: return zstdDecompress(data, options);
    default: throw unsupported(type);
  }
}
