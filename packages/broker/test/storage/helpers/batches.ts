import { RecordBatch, buildRecordBatch, type RecordBatchOptions, type RecordInput } from '@samsa/protocol';
import type { UnifiedLog } from '../../../src/storage/unified-log.ts';

/** A v2 batch as a producer would send it (base offset 0). */
export function batchOf(records: readonly RecordInput[], options: RecordBatchOptions = {}): Buffer {
  return buildRecordBatch(records, options);
}

/** A batch of `count` records whose values say `tag-i`, all at `timestamp`. */
export function textBatch(tag: string, count = 1, timestamp = 1_700_000_000_000): Buffer {
  const records: RecordInput[] = [];
  for (let i = 0; i < count; i++) records.push({ key: `${tag}-k${i}`, value: `${tag}-${i}`, timestamp });
  return buildRecordBatch(records, { baseTimestamp: timestamp });
}

/** A batch of `count` records of `recordBytes` bytes each, filled from `seed`. */
export function sizedBatch(seed: number, count: number, recordBytes: number, timestamp = 1_700_000_000_000): Buffer {
  const records: RecordInput[] = [];
  for (let i = 0; i < count; i++) {
    const value = Buffer.alloc(recordBytes, (seed + i) & 0xff);
    records.push({ value, timestamp });
  }
  return buildRecordBatch(records, { baseTimestamp: timestamp });
}

export interface ReadRecord {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
}

/** Splits stored bytes into batches (each checked whole: a half batch fails here). */
export function splitBatches(bytes: Buffer): RecordBatch[] {
  const out: RecordBatch[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const b = new RecordBatch(bytes, pos);
    b.ensureValid();
    out.push(b);
    pos += b.sizeInBytes;
  }
  return out;
}

/** Every batch in the log from its start, by reading as a consumer would. */
export async function readAllBatches(log: UnifiedLog, maxBytes = 64 * 1024): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = await log.read(offset, { maxBytes });
    if (r.records.length === 0) break;
    for (const b of splitBatches(r.records)) {
      if (Number(b.lastOffset) >= offset) out.push(b);
    }
    offset = r.nextOffset;
  }
  return out;
}

export async function readAllRecords(log: UnifiedLog): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  for (const b of await readAllBatches(log)) {
    for (const r of b.records()) {
      out.push({
        offset: Number(r.offset),
        key: r.key === null ? null : r.key.toString(),
        value: r.value === null ? null : r.value.toString(),
        timestamp: Number(r.timestamp),
      });
    }
  }
  return out;
}
