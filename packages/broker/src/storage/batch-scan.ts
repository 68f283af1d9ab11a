import { BatchOffsets, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD, computeBatchCrc } from '@samsa/protocol';

/**
 * Header-only views of stored batches: what storage needs to index, slice and validate the
 * bytes it holds without decoding records. Offsets are numbers (see DESIGN.md "Offsets").
 */
export interface StoredBatch {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  recordCount: number;
  attributes: number;
}

/** Result of looking at the bytes at `pos`: a whole batch, too few bytes yet, or garbage. */
export type BatchProbe =
  | { kind: 'batch'; batch: StoredBatch }
  | { kind: 'incomplete'; needed: number }
  | { kind: 'invalid'; reason: string };

const TWO_32 = 4294967296;

/**
 * Reads an int64 (offset, timestamp) as a number: exact within ±2^53, which storage
 * never leaves, and without the BigInt of readBigInt64BE (this is on the append and
 * fetch paths).
 */
export function readOffset(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * TWO_32 + buf.readUInt32BE(at + 4);
}

/** Writes a safe-integer number as an int64 (offset, timestamp), without a BigInt. */
export function writeOffset(buf: Buffer, value: number, at: number): void {
  const high = Math.floor(value / TWO_32);
  buf.writeInt32BE(high, at);
  buf.writeUInt32BE(value - high * TWO_32, at + 4);
}

/**
 * Looks at the batch starting at `pos` of `buf`, where `buf[0]` is at file position
 * `fileOffset`. Checks magic and length; checks the CRC when `checkCrc`.
 */
export function probeBatch(buf: Buffer, pos: number, fileOffset: number, checkCrc: boolean): BatchProbe {
  const left = buf.length - pos;
  if (left < LOG_OVERHEAD) return { kind: 'incomplete', needed: RECORD_BATCH_OVERHEAD };
  const size = buf.readInt32BE(pos + BatchOffsets.batchLength) + LOG_OVERHEAD;
  if (size < RECORD_BATCH_OVERHEAD) return { kind: 'invalid', reason: `batch size ${size} below ${RECORD_BATCH_OVERHEAD}` };
  if (left < RECORD_BATCH_OVERHEAD) return { kind: 'incomplete', needed: size };
  const magic = buf.readInt8(pos + BatchOffsets.magic);
  if (magic !== 2) return { kind: 'invalid', reason: `magic ${magic}` };
  const baseOffset = readOffset(buf, pos + BatchOffsets.baseOffset);
  const lastOffsetDelta = buf.readInt32BE(pos + BatchOffsets.lastOffsetDelta);
  if (baseOffset < 0 || lastOffsetDelta < 0) return { kind: 'invalid', reason: `offsets ${baseOffset}+${lastOffsetDelta}` };
  if (left < size) return { kind: 'incomplete', needed: size };
  if (checkCrc) {
    const stored = buf.readUInt32BE(pos + BatchOffsets.crc);
    const actual = computeBatchCrc(buf, pos, size);
    if (stored !== actual) return { kind: 'invalid', reason: `CRC mismatch (stored ${stored}, computed ${actual})` };
  }
  return {
    kind: 'batch',
    batch: {
      position: fileOffset + pos,
      size,
      baseOffset,
      lastOffset: baseOffset + lastOffsetDelta,
      maxTimestamp: readOffset(buf, pos + BatchOffsets.maxTimestamp),
      recordCount: buf.readInt32BE(pos + BatchOffsets.recordCount),
      attributes: buf.readInt16BE(pos + BatchOffsets.attributes),
    },
  };
}
