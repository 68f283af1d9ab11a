import { join } from 'node:path';
import { BatchOffsets, LOG_OVERHEAD } from '@samsa/protocol';
import { probeBatch, readOffset, type StoredBatch } from './batch-scan.ts';
import { CorruptLogError } from './errors.ts';
import { LazyFile } from './lazy-file.ts';
import { indexFileName, logFileName, timeIndexFileName, transactionIndexFileName } from './log-file-utils.ts';
import type { PoolEntry } from './lru-pool.ts';
import { OffsetIndex, TimeIndex } from './sparse-index.ts';
import type { StorageContext } from './storage-context.ts';
import { TransactionIndex } from './transaction-index.ts';

/**
 * One segment of a partition's log: `<base>.log` plus its `.index` and `.timeindex`, and
 * a `.txnindex` (TransactionIndex) once an ABORT marker lands in it.
 *
 * On disk: the `.log` is record batches (magic v2) back to back, exactly as they arrived
 * with baseOffset and partitionLeaderEpoch patched in; no header, no padding. The batch
 * at position 0 has baseOffset >= the segment's base offset; base offsets strictly ascend.
 *
 * Invariants: `size` only counts bytes of whole batches that were written without error;
 * readers never look past the `size` they saw when they started, so appends never block
 * reads and a read never sees half a batch. Indexes of the active segment live in memory
 * (pinned) and reach disk when the segment becomes inactive or the log closes; indexes of
 * inactive segments are loaded on demand and dropped under memory pressure.
 *
 * Crash behaviour: the tail of `.log` may hold a torn batch or garbage after an unclean
 * stop. recover() scans the file, truncates at the first batch whose length, magic, offsets
 * or CRC are wrong, and rebuilds both indexes. An index that fails its sanity check on
 * load is rebuilt from the log. The `.txnindex` is fsynced with the segment when it
 * becomes inactive; UnifiedLog rebuilds the part a crash may have cost (see there).
 */

export interface SegmentConfig {
  indexIntervalBytes: number;
  segmentIndexBytes: number;
}

export interface SegmentAppendBatch {
  buffer: Buffer;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
}

export interface SegmentReadResult {
  records: Buffer;
  firstOffset: number;
  /** Offset after the last returned batch. */
  nextOffset: number;
  /** True when a corrupt batch cut the result short (it is reported, not served). */
  truncatedByCorruption: boolean;
}

export interface RecoveryResult {
  validBytes: number;
  truncatedBytes: number;
  reason: string | null;
}

/** Sees each batch header; `view[at]` is the batch's first byte (valid only during the call). */
export type BatchVisitor = (batch: StoredBatch, view: Buffer, at: number) => void;

const HEADER_WALK_BYTES = BatchOffsets.lastOffsetDelta + 4;
const SCAN_CHUNK = 1024 * 1024;

export class LogSegment {
  readonly baseOffset: number;
  #ctx: StorageContext;
  #config: SegmentConfig;
  #dir: string;
  #suffix = '';
  #log: LazyFile;
  #size: number;
  #nextOffset: number | null;
  #offsetIndex: OffsetIndex | null = null;
  #timeIndex: TimeIndex | null = null;
  #loading: Promise<void> | null = null;
  #pinned = false;
  #indexesDirty = false;
  #indexMemory: PoolEntry;
  #bytesSinceLastIndexEntry = 0;
  #tailNeedsTrim = false;
  /** Appends being written, the end of the last one, and its completion (never rejects). */
  #appending = 0;
  #appendEnd = 0;
  #lastAppend: Promise<void> = Promise.resolve();
  #maxTimestampSoFar = -1;
  #offsetOfMaxTimestampSoFar = -1;
  #createdMs: number;
  readonly txnIndex: TransactionIndex;

  private constructor(ctx: StorageContext, dir: string, baseOffset: number, size: number, config: SegmentConfig, nextOffset: number | null, suffix = '') {
    this.#ctx = ctx;
    this.#dir = dir;
    this.baseOffset = baseOffset;
    this.#size = size;
    this.#config = config;
    this.#nextOffset = nextOffset;
    this.#createdMs = ctx.clock.now();
    this.#log = new LazyFile(ctx.fs, ctx.fdPool, join(dir, logFileName(baseOffset)), 'write');
    this.txnIndex = new TransactionIndex(ctx, dir, baseOffset, suffix);
    const weight = () => (this.#offsetIndex?.sizeInBytes ?? 0) + (this.#timeIndex?.sizeInBytes ?? 0);
    this.#indexMemory = {
      get weight() {
        return weight();
      },
      busy: () => this.#pinned || this.#indexesDirty || this.#loading !== null,
      release: () => {
        this.#offsetIndex = null;
        this.#timeIndex = null;
      },
    };
  }

  /** Creates an empty segment file (replacing a leftover of a failed roll at the same offset). */
  static async create(ctx: StorageContext, dir: string, baseOffset: number, config: SegmentConfig, suffix = ''): Promise<LogSegment> {
    const path = join(dir, logFileName(baseOffset) + suffix);
    try {
      await (await ctx.fs.open(path, 'create')).close();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const h = await ctx.fs.open(path, 'write');
      try {
        await h.truncate(0);
      } finally {
        await h.close();
      }
    }
    await ctx.fs.unlink(join(dir, indexFileName(baseOffset) + suffix));
    await ctx.fs.unlink(join(dir, timeIndexFileName(baseOffset) + suffix));
    await ctx.fs.unlink(join(dir, transactionIndexFileName(baseOffset) + suffix));
    const seg = new LogSegment(ctx, dir, baseOffset, 0, config, baseOffset, suffix);
    seg.#suffix = suffix;
    seg.#log.renamed(path);
    seg.#offsetIndex = new OffsetIndex(baseOffset, config.segmentIndexBytes);
    seg.#timeIndex = new TimeIndex(baseOffset, config.segmentIndexBytes);
    seg.#pinned = true;
    return seg;
  }

  /** An existing segment of `size` bytes; nothing is read until it is used. */
  static open(ctx: StorageContext, dir: string, baseOffset: number, size: number, config: SegmentConfig): LogSegment {
    return new LogSegment(ctx, dir, baseOffset, size, config, size === 0 ? baseOffset : null);
  }

  get size(): number {
    return this.#size;
  }

  get path(): string {
    return this.#log.path;
  }

  get createdMs(): number {
    return this.#createdMs;
  }

  /** Max timestamp of the batches indexed so far (-1 when none carry one). */
  async maxTimestamp(): Promise<number> {
    await this.#indexes();
    return this.#maxTimestampSoFar;
  }

  /** True once the offset index cannot take another entry: the log must roll. */
  get indexFull(): boolean {
    return (this.#offsetIndex?.isFull ?? false) || (this.#timeIndex?.isFull ?? false);
  }

  /** Offset after the last batch in this segment (reads the tail when not yet known). */
  async nextOffset(): Promise<number> {
    if (this.#nextOffset !== null) return this.#nextOffset;
    const { offsetIndex } = await this.#indexes();
    const start = offsetIndex.lastEntry()?.position ?? 0;
    let next = this.baseOffset;
    await this.#scan(start, this.#size, false, (b) => {
      next = b.lastOffset + 1;
    });
    this.#nextOffset = next;
    return next;
  }

  /** Keeps the indexes resident (active segment). */
  pin(): void {
    this.#pinned = true;
    this.#ctx.indexPool.remove(this.#indexMemory);
  }

  /** The indexes when they are in memory (touched in the pool), else null: no await. */
  #loadedIndexes(): { offsetIndex: OffsetIndex; timeIndex: TimeIndex } | null {
    if (this.#offsetIndex === null || this.#timeIndex === null) return null;
    if (!this.#pinned) this.#ctx.indexPool.touch(this.#indexMemory);
    return { offsetIndex: this.#offsetIndex, timeIndex: this.#timeIndex };
  }

  async #indexes(): Promise<{ offsetIndex: OffsetIndex; timeIndex: TimeIndex }> {
    while (this.#offsetIndex === null || this.#timeIndex === null) {
      if (this.#loading === null) {
        this.#loading = this.#loadIndexes().finally(() => {
          this.#loading = null;
        });
      }
      await this.#loading;
    }
    return this.#loadedIndexes()!;
  }

  async #readIndexFile(name: string): Promise<Buffer | null> {
    try {
      return await this.#ctx.fs.readFile(join(this.#dir, name + this.#suffix));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async #loadIndexes(): Promise<void> {
    const oiBytes = await this.#readIndexFile(indexFileName(this.baseOffset));
    const tiBytes = await this.#readIndexFile(timeIndexFileName(this.baseOffset));
    const max = this.#config.segmentIndexBytes;
    const oi = oiBytes === null ? null : new OffsetIndex(this.baseOffset, max, oiBytes);
    const ti = tiBytes === null ? null : new TimeIndex(this.baseOffset, max, tiBytes);
    let sane = oi !== null && ti !== null && oiBytes!.length % OffsetIndex.ENTRY_SIZE === 0 &&
      tiBytes!.length % TimeIndex.ENTRY_SIZE === 0 && oi.sanityCheck() && ti.sanityCheck();
    const last = sane ? oi!.lastEntry() : null;
    if (sane && last !== null) sane = await this.#batchStartsAt(last.position, last.offset);
    const lastTime = sane ? ti!.lastEntry() : null;
    if (sane) {
      this.#offsetIndex = oi;
      this.#timeIndex = ti;
      if (lastTime !== null && lastTime.timestamp > this.#maxTimestampSoFar) {
        this.#maxTimestampSoFar = lastTime.timestamp;
        this.#offsetOfMaxTimestampSoFar = lastTime.offset;
      }
      return;
    }
    if (oiBytes !== null || tiBytes !== null) {
      this.#ctx.logger.warn({ segment: this.path }, 'index files fail their sanity check; rebuilding them from the log');
    }
    await this.#rebuildIndexes(false);
    // An inactive segment's rebuilt index goes back to disk so the next load is one read.
    if (!this.#pinned) await this.persistIndexes(false);
  }

  async #batchStartsAt(position: number, offset: number): Promise<boolean> {
    if (position + HEADER_WALK_BYTES > this.#size) return false;
    const buf = Buffer.allocUnsafe(HEADER_WALK_BYTES);
    const n = await this.#log.use((h) => h.read(buf, 0, HEADER_WALK_BYTES, position));
    return n === HEADER_WALK_BYTES && readOffset(buf, 0) === offset;
  }

  /**
   * Scans [from, to) batch by batch. Stops at the first invalid or incomplete batch and
   * returns where it stopped with the reason (null when it reached `to`).
   */
  async #scan(from: number, to: number, checkCrc: boolean, visit: BatchVisitor): Promise<{ end: number; reason: string | null }> {
    let pos = from;
    let chunkSize = SCAN_CHUNK;
    let prevLast = -1;
    return this.#log.use(async (h) => {
      while (pos < to) {
        const len = Math.min(chunkSize, to - pos);
        const buf = Buffer.allocUnsafe(len);
        const n = await h.read(buf, 0, len, pos);
        const view = buf.subarray(0, n);
        let at = 0;
        for (;;) {
          const probe = probeBatch(view, at, pos, checkCrc);
          if (probe.kind === 'invalid') return { end: pos + at, reason: probe.reason };
          if (probe.kind === 'incomplete') {
            if (pos + at + probe.needed > to || n < len) {
              return { end: pos + at, reason: pos + at === to ? null : `incomplete batch (${to - pos - at} bytes left, ${probe.needed} needed)` };
            }
            chunkSize = Math.max(SCAN_CHUNK, probe.needed);
            break;
          }
          const b = probe.batch;
          if (b.baseOffset < this.baseOffset || b.baseOffset <= prevLast) {
            return { end: pos + at, reason: `batch offset ${b.baseOffset} out of order (previous ${prevLast}, segment base ${this.baseOffset})` };
          }
          prevLast = b.lastOffset;
          visit(b, view, at);
          at += b.size;
          if (pos + at >= to) break;
        }
        pos += at;
      }
      return { end: pos, reason: null };
    });
  }

  #indexBatch(oi: OffsetIndex, ti: TimeIndex, b: { baseOffset: number; lastOffset: number; maxTimestamp: number }, position: number, size: number): void {
    if (b.maxTimestamp > this.#maxTimestampSoFar) {
      this.#maxTimestampSoFar = b.maxTimestamp;
      this.#offsetOfMaxTimestampSoFar = b.baseOffset;
    }
    if (this.#bytesSinceLastIndexEntry > this.#config.indexIntervalBytes) {
      oi.append(b.baseOffset, position);
      if (this.#maxTimestampSoFar >= 0) ti.maybeAppend(this.#maxTimestampSoFar, this.#offsetOfMaxTimestampSoFar);
      this.#bytesSinceLastIndexEntry = 0;
    }
    this.#bytesSinceLastIndexEntry += size;
  }

  async #rebuildIndexes(truncateInvalid: boolean): Promise<RecoveryResult> {
    const oi = new OffsetIndex(this.baseOffset, this.#config.segmentIndexBytes);
    const ti = new TimeIndex(this.baseOffset, this.#config.segmentIndexBytes);
    this.#bytesSinceLastIndexEntry = 0;
    this.#maxTimestampSoFar = -1;
    this.#offsetOfMaxTimestampSoFar = -1;
    let next = this.baseOffset;
    const { end, reason } = await this.#scan(0, this.#size, truncateInvalid, (b) => {
      this.#indexBatch(oi, ti, b, b.position, b.size);
      next = b.lastOffset + 1;
    });
    const truncatedBytes = this.#size - end;
    if (truncatedBytes > 0 && truncateInvalid) {
      await this.#log.use((h) => h.truncate(end));
      this.#size = end;
    }
    this.#nextOffset = next;
    this.#offsetIndex = oi;
    this.#timeIndex = ti;
    this.#indexesDirty = true;
    return { validBytes: end, truncatedBytes, reason };
  }

  /**
   * Crash recovery of this segment: validate every batch (length, magic, offset order,
   * CRC), truncate at the first bad one, rebuild both indexes.
   */
  async recover(): Promise<RecoveryResult> {
    this.#size = await this.#log.use((h) => h.size());
    return this.#rebuildIndexes(true);
  }

  /**
   * Bytes in the file once the appends being written are in: where the next append
   * starts. `size` (what reads see) stays behind it until each write completes.
   */
  get end(): number {
    return this.#appending > 0 ? this.#appendEnd : this.#size;
  }

  /**
   * Writes batches (already offset-patched, contiguous, ascending, following the previous
   * append's) at `end` in one writev. Appends may overlap: each is handed to the thread
   * pool at once (without yielding first, when the indexes are in memory: the log relies
   * on it), and they complete in the order they were made, each after the ones before it.
   * When one fails, it and every later one still in flight fail, and the file is cut back
   * to the last completed append so nothing half-written stays behind (if the cut fails
   * too, trimTail() does it before the next append; bytes past `size` are never read).
   */
  append(batches: readonly SegmentAppendBatch[]): Promise<void> {
    if (batches.length === 0) return Promise.resolve();
    const start = this.end;
    const buffers = batches.map((b) => b.buffer);
    let bytes = 0;
    for (const b of buffers) bytes += b.length;
    this.#appending++;
    this.#appendEnd = start + bytes;
    const done = this.#write(batches, buffers, start, this.#lastAppend).finally(() => {
      this.#appending--;
    });
    this.#lastAppend = done.catch(() => undefined);
    return done;
  }

  async #write(batches: readonly SegmentAppendBatch[], buffers: Buffer[], start: number, before: Promise<void>): Promise<void> {
    const { offsetIndex, timeIndex } = this.#loadedIndexes() ?? await this.#indexes();
    let error: unknown = null;
    try {
      await this.#log.use((h) => h.writev(buffers, start));
    } catch (err) {
      error = err;
    }
    await before;
    // An earlier append failed while this one was in flight: these bytes follow a gap.
    if (error === null && this.#tailNeedsTrim) error = new Error(`an earlier write to ${this.path} failed`);
    if (error !== null) {
      this.#tailNeedsTrim = true;
      if (this.#appending === 1) await this.trimTail().catch(() => undefined);
      throw error;
    }
    let pos = start;
    for (const b of batches) {
      this.#indexBatch(offsetIndex, timeIndex, b, pos, b.buffer.length);
      pos += b.buffer.length;
    }
    this.#indexesDirty = true;
    this.#size = pos;
    this.#nextOffset = batches[batches.length - 1]!.lastOffset + 1;
  }

  /** A failed write left bytes past `size`: trimTail() before the next append. */
  get needsTailTrim(): boolean {
    return this.#tailNeedsTrim;
  }

  /** Cuts a previously failed write's leftovers (bytes past `size`) before the next append. */
  async trimTail(): Promise<void> {
    if (!this.#tailNeedsTrim) return;
    const size = this.#size;
    await this.#log.use((h) => h.truncate(size));
    this.#tailNeedsTrim = false;
  }

  /**
   * Reads whole batches starting with the one that holds `startOffset`, up to `maxSize`
   * bytes (or one batch when `minOneMessage` and the first is larger), stopping before any
   * batch whose base offset is >= `maxOffset`. Every returned batch passed its CRC check.
   * Null when the segment has nothing at or after `startOffset` below `maxOffset`.
   */
  async read(startOffset: number, maxSize: number, maxOffset: number, minOneMessage: boolean): Promise<SegmentReadResult | null> {
    const size = this.#size;
    const { offsetIndex } = await this.#indexes();
    const from = offsetIndex.lookup(startOffset).position;
    return this.#log.use(async (h) => {
      // One read from the index entry, with room for the batches before startOffset (about
      // index.interval.bytes of them at most, unless they are large), is usually the whole
      // answer: the headers are walked in it, and the batches served are a slice of it.
      let data = Buffer.alloc(0);
      let dataStart = from;
      let dataLen = 0;
      const readAt = async (position: number, length: number): Promise<void> => {
        data = Buffer.allocUnsafe(length);
        dataStart = position;
        dataLen = await h.read(data, 0, length, position);
      };
      const slack = this.#config.indexIntervalBytes + HEADER_WALK_BYTES;
      await readAt(from, Math.min(size - from, maxSize + slack));
      let pos = from;
      let firstSize = 0;
      for (;;) {
        if (pos + HEADER_WALK_BYTES > size) return null;
        if (pos + HEADER_WALK_BYTES > dataStart + dataLen) {
          await readAt(pos, Math.min(size - pos, maxSize + slack));
          if (dataLen < HEADER_WALK_BYTES) return null;
        }
        const at = pos - dataStart;
        const base = readOffset(data, at);
        const batchSize = data.readInt32BE(at + BatchOffsets.batchLength) + LOG_OVERHEAD;
        const last = base + data.readInt32BE(at + BatchOffsets.lastOffsetDelta);
        if (batchSize < LOG_OVERHEAD + HEADER_WALK_BYTES || pos + batchSize > size) {
          throw new CorruptLogError(this.path, pos, `batch size ${batchSize} invalid`);
        }
        if (last >= startOffset) {
          if (base >= maxOffset) return null;
          firstSize = batchSize;
          break;
        }
        pos += batchSize;
      }
      let want = Math.min(maxSize, size - pos);
      if (want < firstSize) {
        if (!minOneMessage) return null;
        want = firstSize;
      }
      // The first read ends short of what is wanted only after large batches (or one
      // larger than maxSize): read it again from the first batch to serve.
      if (pos + want > dataStart + dataLen) await readAt(pos, want);
      const view = data.subarray(pos - dataStart, Math.min(pos - dataStart + want, dataLen));
      const n = view.length;
      let at = 0;
      let firstOffset = -1;
      let nextOffset = startOffset;
      let corrupt = false;
      while (at < n) {
        const probe = probeBatch(view, at, pos, true);
        if (probe.kind === 'incomplete') break;
        if (probe.kind === 'invalid') {
          if (at === 0) throw new CorruptLogError(this.path, pos, probe.reason);
          this.#ctx.logger.error({ segment: this.path, position: pos + at, reason: probe.reason }, 'corrupt batch found on read; serving the batches before it');
          corrupt = true;
          break;
        }
        if (probe.batch.baseOffset >= maxOffset) break;
        if (firstOffset < 0) firstOffset = probe.batch.baseOffset;
        nextOffset = probe.batch.lastOffset + 1;
        at += probe.batch.size;
      }
      if (at === 0) return null;
      return { records: view.subarray(0, at), firstOffset, nextOffset, truncatedByCorruption: corrupt };
    });
  }

  /**
   * The first batch whose maxTimestamp >= `timestamp`, or null. (Kafka answers with the
   * first record's offset inside that batch; see DESIGN.md for how the log refines it.)
   */
  async findBatchByTimestamp(timestamp: number): Promise<StoredBatch | null> {
    const { offsetIndex, timeIndex } = await this.#indexes();
    const below = timeIndex.lookupBelow(timestamp);
    const from = below === null ? 0 : offsetIndex.lookup(below.offset).position;
    let found: StoredBatch | null = null;
    await this.#scan(from, this.#size, false, (b) => {
      if (found === null && b.maxTimestamp >= timestamp) found = b;
    });
    return found;
  }

  /** Reads [position, position + length) (the cleaner copies batches it keeps). */
  async readAt(position: number, length: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(length);
    const n = await this.#log.use((h) => h.read(buf, 0, length, position));
    return buf.subarray(0, n);
  }

  /**
   * Every batch of the segment with its bytes, in order, read in large chunks (the
   * cleaner's input). Stops quietly at a torn tail; throws on a corrupt batch mid-file.
   */
  async *batches(chunkBytes = 4 * 1024 * 1024): AsyncGenerator<{ batch: StoredBatch; bytes: Buffer }> {
    const size = this.#size;
    let pos = 0;
    while (pos < size) {
      const want = Math.min(chunkBytes, size - pos);
      const buf = await this.readAt(pos, want);
      let at = 0;
      for (;;) {
        const probe = probeBatch(buf, at, pos, true);
        if (probe.kind === 'invalid') throw new CorruptLogError(this.path, pos + at, probe.reason);
        if (probe.kind === 'incomplete') {
          if (at === 0) {
            if (pos + probe.needed > size) return;
            chunkBytes = probe.needed;
          }
          break;
        }
        yield { batch: probe.batch, bytes: buf.subarray(at, at + probe.batch.size) };
        at += probe.batch.size;
      }
      pos += at;
    }
  }

  /** Visits every batch header in order (no CRC check). */
  async forEachBatch(visit: BatchVisitor): Promise<void> {
    await this.#scan(0, this.#size, false, visit);
  }

  /**
   * Visits, in order, every batch holding an offset >= `offset` (no CRC check), starting
   * from the offset index's entry below it. Returns why the scan stopped early, or null.
   */
  async forEachBatchFrom(offset: number, visit: BatchVisitor): Promise<string | null> {
    const from = offset <= this.baseOffset ? 0 : (await this.#indexes()).offsetIndex.lookup(offset).position;
    const { reason } = await this.#scan(from, this.#size, false, (b, view, at) => {
      if (b.lastOffset >= offset) visit(b, view, at);
    });
    return reason;
  }

  /** Removes every batch holding an offset >= `offset`; returns the bytes removed. */
  async truncateTo(offset: number): Promise<number> {
    let cut = this.#size;
    let next = this.baseOffset;
    // Like Kafka, the batch holding `offset` goes too: logs end on batch boundaries.
    await this.#scan(0, this.#size, false, (b) => {
      if (b.lastOffset >= offset && cut === this.#size) {
        cut = b.position;
        next = b.baseOffset;
      }
      if (b.lastOffset < offset) next = b.lastOffset + 1;
    });
    const removed = this.#size - cut;
    await this.txnIndex.truncateTo(offset);
    if (removed === 0) return 0;
    await this.#log.use((h) => h.truncate(cut));
    this.#size = cut;
    await this.#rebuildIndexes(false);
    this.#nextOffset = next;
    return removed;
  }

  async flush(): Promise<void> {
    await this.#log.use((h) => h.datasync());
  }

  /** Writes both indexes to their files (with the final time-index entry), optionally fsynced. */
  async persistIndexes(sync: boolean): Promise<void> {
    if (!this.#indexesDirty || this.#offsetIndex === null || this.#timeIndex === null) return;
    if (this.#maxTimestampSoFar >= 0) this.#timeIndex.maybeAppend(this.#maxTimestampSoFar, this.#offsetOfMaxTimestampSoFar);
    await this.#writeIndexFile(indexFileName(this.baseOffset), this.#offsetIndex.bytes(), sync);
    await this.#writeIndexFile(timeIndexFileName(this.baseOffset), this.#timeIndex.bytes(), sync);
    this.#indexesDirty = false;
  }

  async #writeIndexFile(name: string, bytes: Buffer, sync: boolean): Promise<void> {
    const path = join(this.#dir, name + this.#suffix);
    const fs = this.#ctx.fs;
    let h;
    try {
      h = await fs.open(path, 'create');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      h = await fs.open(path, 'write');
    }
    try {
      await h.writev([Buffer.from(bytes)], 0);
      await h.truncate(bytes.length);
      if (sync) await h.datasync();
    } finally {
      await h.close();
    }
  }

  /** The segment stops taking appends: flush data and indexes, let index memory be evicted. */
  async onBecomeInactive(): Promise<void> {
    await this.flush();
    // Unlike the offset and time indexes, this one cannot be rebuilt from this segment
    // alone once the recovery point has passed it: a failure here is a failed fsync.
    await this.txnIndex.flush();
    try {
      await this.persistIndexes(true);
    } catch (err) {
      // Indexes can always be rebuilt from the log, so a full disk here is not fatal: the
      // index stays dirty (resident) and close() tries again; a later load rebuilds it.
      this.#ctx.logger.warn({ segment: this.path, err: String(err) }, 'could not write indexes of an inactive segment');
    }
    this.#pinned = false;
    this.#ctx.indexPool.touch(this.#indexMemory);
  }

  /** Renames all the segment's files to `<name><suffix>` (retention's `.deleted`); open descriptors keep working. */
  async changeSuffix(suffix: string): Promise<void> {
    const fs = this.#ctx.fs;
    await this.txnIndex.changeSuffix(suffix);
    for (const name of [indexFileName(this.baseOffset), timeIndexFileName(this.baseOffset)]) {
      const from = join(this.#dir, name + this.#suffix);
      if ((await fs.stat(from)) !== null) await fs.rename(from, join(this.#dir, name + suffix));
    }
    const logFrom = join(this.#dir, logFileName(this.baseOffset) + this.#suffix);
    const logTo = join(this.#dir, logFileName(this.baseOffset) + suffix);
    await fs.rename(logFrom, logTo);
    this.#log.renamed(logTo);
    this.#suffix = suffix;
  }

  /** Unlinks all the segment's files and closes the descriptors. */
  async deleteFiles(): Promise<void> {
    await this.#log.close();
    await this.txnIndex.delete();
    this.#ctx.indexPool.remove(this.#indexMemory);
    this.#offsetIndex = null;
    this.#timeIndex = null;
    const fs = this.#ctx.fs;
    await fs.unlink(join(this.#dir, logFileName(this.baseOffset) + this.#suffix));
    await fs.unlink(join(this.#dir, indexFileName(this.baseOffset) + this.#suffix));
    await fs.unlink(join(this.#dir, timeIndexFileName(this.baseOffset) + this.#suffix));
  }

  /** Writes the indexes back and closes the descriptors; `sync` fsyncs the transaction index too (clean shutdown). */
  async close(sync = false): Promise<void> {
    await this.persistIndexes(false);
    if (sync) await this.txnIndex.flush();
    await this.txnIndex.close();
    await this.#log.close();
    this.#ctx.indexPool.remove(this.#indexMemory);
  }
}
