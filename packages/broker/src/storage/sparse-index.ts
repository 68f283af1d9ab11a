/**
 * The in-memory form shared by OffsetIndex and TimeIndex: fixed-size big-endian entries,
 * sorted by key, appended in key order, searched by binary search. The on-disk file is the
 * same bytes (entries back to back, no header), so loading is one read and persisting is
 * one write.
 */
export abstract class SparseIndex {
  readonly baseOffset: number;
  readonly maxEntries: number;
  readonly entrySize: number;
  #buf: Buffer;
  #entries: number;

  protected constructor(entrySize: number, baseOffset: number, maxIndexBytes: number, bytes: Buffer | null) {
    this.entrySize = entrySize;
    this.baseOffset = baseOffset;
    this.maxEntries = Math.max(1, Math.floor(maxIndexBytes / this.entrySize));
    const n = bytes === null ? 0 : Math.floor(bytes.length / this.entrySize);
    this.#buf = Buffer.allocUnsafe(Math.max(64, n * this.entrySize));
    if (bytes !== null) bytes.copy(this.#buf, 0, 0, n * this.entrySize);
    this.#entries = n;
  }

  /** The sort key of entry i (relative offset, or timestamp). */
  protected abstract keyAt(buf: Buffer, i: number): number;

  get entries(): number {
    return this.#entries;
  }

  get sizeInBytes(): number {
    return this.#entries * this.entrySize;
  }

  get isFull(): boolean {
    return this.#entries >= this.maxEntries;
  }

  /** The entries as stored on disk (a view: copy before keeping). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.sizeInBytes);
  }

  protected get buf(): Buffer {
    return this.#buf;
  }

  protected key(i: number): number {
    return this.keyAt(this.#buf, i);
  }

  protected appendRaw(write: (buf: Buffer, at: number) => void): void {
    const at = this.#entries * this.entrySize;
    if (at + this.entrySize > this.#buf.length) {
      const grown = Buffer.allocUnsafe(this.#buf.length * 2);
      this.#buf.copy(grown, 0, 0, at);
      this.#buf = grown;
    }
    write(this.#buf, at);
    this.#entries++;
  }

  /** Index of the last entry with key <= target (or < target when strict), or -1. */
  protected floorIndex(target: number, strict: boolean): number {
    let lo = 0;
    let hi = this.#entries - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = this.key(mid);
      if (k < target || (!strict && k === target)) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Keeps the first `n` entries. */
  protected truncateEntries(n: number): void {
    this.#entries = Math.min(this.#entries, Math.max(0, n));
  }

  /** Entries' keys ascend (non-strictly for time): anything else means a damaged file. */
  protected keysAscend(strict: boolean): boolean {
    for (let i = 1; i < this.#entries; i++) {
      const a = this.key(i - 1);
      const b = this.key(i);
      if (strict ? b <= a : b < a) return false;
    }
    return true;
  }
}

/**
 * `.index`: sparse map from offset to file position in the `.log` of the same base offset.
 *
 * On disk: 8-byte entries, relative offset int32 (offset - baseOffset) then position int32,
 * one entry every index.interval.bytes of log, keyed by a batch's base offset. Invariants:
 * relative offsets strictly ascend, positions ascend, every position is the start of a
 * batch. After a crash the file may be short, torn or stale: it is only trusted for
 * segments below the recovery point and only after sanityCheck(); otherwise it is rebuilt
 * from the log.
 */
export class OffsetIndex extends SparseIndex {
  static readonly ENTRY_SIZE = 8;

  constructor(baseOffset: number, maxIndexBytes: number, bytes: Buffer | null = null) {
    super(OffsetIndex.ENTRY_SIZE, baseOffset, maxIndexBytes, bytes);
  }

  protected keyAt(buf: Buffer, i: number): number {
    return buf.readInt32BE(i * 8);
  }

  append(offset: number, position: number): void {
    this.appendRaw((buf, at) => {
      buf.writeInt32BE(offset - this.baseOffset, at);
      buf.writeInt32BE(position, at + 4);
    });
  }

  /** The last entry at or before `offset`; the segment start when there is none. */
  lookup(offset: number): { offset: number; position: number } {
    const i = this.floorIndex(offset - this.baseOffset, false);
    if (i < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.baseOffset + this.key(i), position: this.buf.readInt32BE(i * 8 + 4) };
  }

  lastEntry(): { offset: number; position: number } | null {
    const n = this.entries;
    if (n === 0) return null;
    return { offset: this.baseOffset + this.key(n - 1), position: this.buf.readInt32BE((n - 1) * 8 + 4) };
  }

  /** Drops entries for offsets >= `offset` (log truncation). */
  truncateTo(offset: number): void {
    this.truncateEntries(this.floorIndex(offset - this.baseOffset, true) + 1);
  }

  sanityCheck(): boolean {
    if (!this.keysAscend(true)) return false;
    let last = -1;
    for (let i = 0; i < this.entries; i++) {
      const p = this.buf.readInt32BE(i * 8 + 4);
      if (p < last || this.key(i) < 0) return false;
      last = p;
    }
    return true;
  }
}

/**
 * `.timeindex`: sparse map from timestamp to offset.
 *
 * On disk: 12-byte entries, timestamp int64 then relative offset int32. An entry
 * (t, o) says every batch before offset o's batch, and that batch, has maxTimestamp <= t,
 * and o's batch holds t. Timestamps ascend (an entry is only added when the segment's max
 * timestamp grows). Same crash rules as OffsetIndex. Timestamps are read as numbers: exact
 * for any millisecond time before year 285,000; absurd client timestamps beyond 2^53 only
 * lose ordering precision, never offsets.
 */
export class TimeIndex extends SparseIndex {
  static readonly ENTRY_SIZE = 12;

  constructor(baseOffset: number, maxIndexBytes: number, bytes: Buffer | null = null) {
    super(TimeIndex.ENTRY_SIZE, baseOffset, maxIndexBytes, bytes);
  }

  protected keyAt(buf: Buffer, i: number): number {
    return Number(buf.readBigInt64BE(i * 12));
  }

  lastEntry(): { timestamp: number; offset: number } | null {
    const n = this.entries;
    if (n === 0) return null;
    return { timestamp: this.key(n - 1), offset: this.baseOffset + this.buf.readInt32BE((n - 1) * 12 + 8) };
  }

  /** Appends when `timestamp` is above the last entry's (the index stays ascending). */
  maybeAppend(timestamp: number, offset: number): void {
    const last = this.lastEntry();
    if (last !== null && (timestamp <= last.timestamp || offset < last.offset)) return;
    this.appendRaw((buf, at) => {
      buf.writeBigInt64BE(BigInt(timestamp), at);
      buf.writeInt32BE(offset - this.baseOffset, at + 8);
    });
  }

  /** The last entry with timestamp strictly below `timestamp`, or null: a search for the first batch with maxTimestamp >= timestamp can start at its offset. */
  lookupBelow(timestamp: number): { timestamp: number; offset: number } | null {
    const i = this.floorIndex(timestamp, true);
    if (i < 0) return null;
    return { timestamp: this.key(i), offset: this.baseOffset + this.buf.readInt32BE(i * 12 + 8) };
  }

  truncateTo(offset: number): void {
    let n = this.entries;
    while (n > 0 && this.baseOffset + this.buf.readInt32BE((n - 1) * 12 + 8) >= offset) n--;
    this.truncateEntries(n);
  }

  sanityCheck(): boolean {
    if (!this.keysAscend(true)) return false;
    for (let i = 0; i < this.entries; i++) if (this.buf.readInt32BE(i * 12 + 8) < 0) return false;
    return true;
  }
}
