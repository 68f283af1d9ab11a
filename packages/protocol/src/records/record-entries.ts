import { CorruptRecordError } from '../errors.ts';
import { BatchOffsets, HEADER_SIZE_UP_TO_MAGIC, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD } from './batch-header.ts';
import { LEGACY_MESSAGE_OVERHEAD_V0, LEGACY_MESSAGE_OVERHEAD_V1 } from './legacy-message-set.ts';

/** Where one entry (a v2 batch or a legacy message) lies in a records blob. */
export interface RecordEntryInfo {
  /** Byte position of the entry in the blob. */
  position: number;
  /** Total bytes of the entry, offset and length fields included. */
  size: number;
  magic: 0 | 1 | 2;
  /** The int64 the entry starts with: a v2 batch's baseOffset, a legacy message's offset. */
  offset: bigint;
  /** A v2 batch's baseOffset + lastOffsetDelta; a legacy message's own offset (for a wrapper, its last inner one). */
  lastOffset: bigint;
}

export interface WalkOptions {
  /**
   * Fetch responses may end in a batch cut short by the size limit; consumers skip it.
   * With `true` the walk stops quietly there; by default (produce, storage) it throws.
   */
  allowPartialTrailing?: boolean;
}

const minSize = [LEGACY_MESSAGE_OVERHEAD_V0 + LOG_OVERHEAD, LEGACY_MESSAGE_OVERHEAD_V1 + LOG_OVERHEAD, RECORD_BATCH_OVERHEAD] as const;

/**
 * Yields each entry of a records blob (batches back to back, any magic) from its first
 * 17 bytes alone: no CRC, no records. Sizes are checked against the magic's minimum and
 * against the bytes present, so a lying length can neither loop nor read out of bounds.
 */
export function* walkRecordEntries(blob: Buffer, options?: WalkOptions): Generator<RecordEntryInfo, void, undefined> {
  const partialOk = options?.allowPartialTrailing ?? false;
  let pos = 0;
  while (pos < blob.length) {
    const left = blob.length - pos;
    if (left < HEADER_SIZE_UP_TO_MAGIC) {
      if (partialOk) return;
      throw new CorruptRecordError(`${left} bytes at position ${pos} are too few for an entry header`);
    }
    const magic = blob.readInt8(pos + BatchOffsets.magic);
    if (magic !== 0 && magic !== 1 && magic !== 2) {
      throw new CorruptRecordError(`unknown record magic ${magic} at position ${pos}`);
    }
    const size = blob.readInt32BE(pos + BatchOffsets.batchLength) + LOG_OVERHEAD;
    if (size < minSize[magic]) {
      throw new CorruptRecordError(`entry of magic ${magic} at position ${pos} has size ${size}, below ${minSize[magic]}`);
    }
    if (size > left) {
      if (partialOk) return;
      throw new CorruptRecordError(`entry at position ${pos} has size ${size}, only ${left} bytes left`);
    }
    const offset = blob.readBigInt64BE(pos);
    const lastOffset = magic === 2 ? offset + BigInt(blob.readInt32BE(pos + BatchOffsets.lastOffsetDelta)) : offset;
    yield { position: pos, size, magic, offset, lastOffset };
    pos += size;
  }
}
