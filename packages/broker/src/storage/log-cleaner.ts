import {
  Attributes, RecordBatch, TimestampType, buildRecordBatch, type CompressionType, type RecordInput,
} from '@samsa/protocol';
import { checkpointKey, readCheckpoint, writeCheckpoint, type CheckpointEntries } from './checkpoint-file.ts';
import { CLEANED_FILE_SUFFIX, SWAP_FILE_SUFFIX } from './log-file-utils.ts';
import { LogSegment, type SegmentAppendBatch } from './log-segment.ts';
import type { StorageContext } from './storage-context.ts';
import type { UnifiedLog } from './unified-log.ts';

/**
 * Log compaction (Kafka's LogCleaner) for logs with cleanup.policy containing `compact`.
 *
 * A pass over one log: (1) pick the cleanable range, [logStartOffset, firstUncleanable),
 * where firstUncleanable is the lowest of the active segment's base offset, the last
 * stable offset (an open transaction is never cleaned), and the first segment younger
 * than min.compaction.lag.ms — whole
 * segments only; (2) skip unless dirty bytes (from the cleaner checkpoint on) / cleanable
 * bytes >= min.cleanable.dirty.ratio; (3) map each key in the dirty part to its last
 * offset; (4) rewrite every cleanable segment into `<base>.log.cleaned`, keeping a record
 * unless a later offset of its key is in the map, then rename it `.swap` and swap it in
 * (UnifiedLog.replaceSegment); (5) advance the checkpoint.
 *
 * Invariants: offsets never change (a rewritten batch keeps its baseOffset and
 * lastOffsetDelta, records keep their offsetDelta), so consumers' positions stay valid.
 * A tombstone (null value) that is the latest for its key is kept, and its batch gets a
 * delete horizon (KIP-534: now + delete.retention.ms, in baseTimestamp); a later pass after
 * the horizon drops it. Control batches (transaction markers) are always kept. Only
 * non-transactional records enter the key map, so a record can only be removed by a later
 * committed, non-transactional record: an aborted or open transaction never hides older
 * data (conservative: superseded transactional records are removed, aborted ones are not).
 * Batches emptied by cleaning are dropped (Kafka keeps the last one of each producer for
 * idempotence state; Samsa has no producer state snapshot yet). Segments are not merged.
 *
 * It never stalls appends: it only touches inactive segments, reads and writes in chunks
 * with awaits between them, and holds the log's maintenance lock (retention, DeleteRecords)
 * only, never the append queue.
 *
 * Crash behaviour: `.cleaned` files are deleted at startup; a `.swap` file means the
 * output was complete and replaces the segment of the same base offset (its `.txnindex`,
 * a copy of the old segment's, with it). The checkpoint
 * moves only after the swap, so a crash means at worst cleaning again.
 */

export interface LogCleanerOptions {
  /** log.cleaner.backoff.ms: pause between passes over all logs. */
  cleanerBackoffMs?: number;
  /** Most keys mapped in one pass (log.cleaner.dedupe.buffer.size, counted in keys). */
  cleanerMaxMapKeys?: number;
  /** log.cleaner.enable */
  cleanerEnabled?: boolean;
}

export interface CleanerStats {
  topic: string;
  partition: number;
  firstDirtyOffset: number;
  endOffset: number;
  segmentsCleaned: number;
  bytesRead: number;
  bytesWritten: number;
  recordsRemoved: number;
  tombstonesRemoved: number;
}

interface CleanerHost {
  allLogs(): Iterable<UnifiedLog>;
  cleanerCheckpointPath(log: UnifiedLog): string;
}

export class LogCleaner {
  #ctx: StorageContext;
  #host: CleanerHost;
  #backoffMs: number;
  #maxKeys: number;
  #enabled: boolean;
  #checkpoints = new Map<string, CheckpointEntries>();
  #cancel: (() => void) | null = null;
  #running: Promise<unknown> | null = null;
  #stopped = false;

  constructor(ctx: StorageContext, host: CleanerHost, options: LogCleanerOptions = {}) {
    this.#ctx = ctx;
    this.#host = host;
    this.#backoffMs = options.cleanerBackoffMs ?? 15_000;
    this.#maxKeys = options.cleanerMaxMapKeys ?? 4_000_000;
    this.#enabled = options.cleanerEnabled ?? true;
  }

  start(): void {
    if (!this.#enabled) return;
    const tick = () => {
      this.#cancel = null;
      if (this.#stopped) return;
      this.#running = this.cleanOnce()
        .catch((err: unknown) => this.#ctx.logger.error({ err: String(err) }, 'log cleaner pass failed'))
        .finally(() => {
          this.#running = null;
          if (!this.#stopped) this.#cancel = this.#ctx.clock.schedule(this.#backoffMs, tick);
        });
    };
    this.#cancel = this.#ctx.clock.schedule(this.#backoffMs, tick);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancel?.();
    await this.#running;
  }

  /** One pass: cleans every compacted log whose dirty ratio reaches its threshold. */
  async cleanOnce(): Promise<CleanerStats[]> {
    const out: CleanerStats[] = [];
    for (const log of [...this.#host.allLogs()]) {
      if (this.#stopped) break;
      if (!log.config.cleanupPolicy.includes('compact') || log.isOffline) continue;
      try {
        const stats = await this.clean(log);
        if (stats !== null) out.push(stats);
      } catch (err) {
        this.#ctx.logger.error({ log: log.dir, err: String(err) }, 'cleaning failed; the log is unchanged past the last swap');
      }
    }
    return out;
  }

  async #checkpointFor(log: UnifiedLog): Promise<CheckpointEntries> {
    const path = this.#host.cleanerCheckpointPath(log);
    let entries = this.#checkpoints.get(path);
    if (entries === undefined) {
      try {
        entries = await readCheckpoint(this.#ctx.fs, path);
      } catch (err) {
        this.#ctx.logger.warn({ path, err: String(err) }, 'ignoring unreadable cleaner checkpoint');
        entries = new Map();
      }
      this.#checkpoints.set(path, entries);
    }
    return entries;
  }

  /** First offset not yet cleaned (the cleaner checkpoint), at least the log start. */
  async firstDirtyOffset(log: UnifiedLog): Promise<number> {
    const cp = await this.#checkpointFor(log);
    return Math.max(cp.get(checkpointKey(log.topic, log.partition)) ?? 0, log.logStartOffset);
  }

  /**
   * Cleans one log now. Returns null when there is nothing cleanable or the dirty ratio is
   * below min.cleanable.dirty.ratio (unless `force`, which tests and tools use).
   */
  clean(log: UnifiedLog, options: { force?: boolean } = {}): Promise<CleanerStats | null> {
    return log.maintenance(() => this.#clean(log, options.force ?? false));
  }

  async #clean(log: UnifiedLog, force: boolean): Promise<CleanerStats | null> {
    const config = log.config;
    const now = this.#ctx.clock.now();
    const segments = log.segments;
    const active = segments[segments.length - 1]!;
    let firstUncleanable = Math.min(active.baseOffset, log.lastStableOffset);
    const cleanable: LogSegment[] = [];
    for (let i = 0; i < segments.length - 1; i++) {
      const seg = segments[i]!;
      const nextBase = segments[i + 1]!.baseOffset;
      if (nextBase > firstUncleanable) break;
      if (config.minCompactionLagMs > 0 && (await seg.maxTimestamp()) > now - config.minCompactionLagMs) {
        firstUncleanable = seg.baseOffset;
        break;
      }
      cleanable.push(seg);
    }
    if (cleanable.length === 0) return null;
    const firstDirty = await this.firstDirtyOffset(log);
    let dirtyBytes = 0;
    let totalBytes = 0;
    for (let i = 0; i < cleanable.length; i++) {
      const seg = cleanable[i]!;
      totalBytes += seg.size;
      if (segments[i + 1]!.baseOffset > firstDirty) dirtyBytes += seg.size;
    }
    if (totalBytes === 0) return null;
    if (!force && (dirtyBytes === 0 || dirtyBytes / totalBytes < config.minCleanableDirtyRatio)) return null;

    // Map each key of the dirty range to its latest offset.
    const map = new Map<string, number>();
    let mappedTo = firstDirty;
    let bytesRead = 0;
    for (let i = 0; i < cleanable.length; i++) {
      const seg = cleanable[i]!;
      if (segments[i + 1]!.baseOffset <= firstDirty) continue;
      if (map.size >= this.#maxKeys) break;
      for await (const { batch, bytes } of seg.batches()) {
        bytesRead += bytes.length;
        if (batch.lastOffset < firstDirty) continue;
        if ((batch.attributes & (Attributes.CONTROL | Attributes.TRANSACTIONAL)) !== 0) continue;
        for (const r of new RecordBatch(bytes).records()) {
          if (r.key === null) continue;
          const offset = batch.baseOffset + r.offsetDelta;
          if (offset >= firstDirty) map.set(r.key.toString('latin1'), offset);
        }
      }
      mappedTo = segments[i + 1]!.baseOffset;
    }
    if (mappedTo <= firstDirty && !force) return null;

    const stats: CleanerStats = {
      topic: log.topic, partition: log.partition, firstDirtyOffset: firstDirty, endOffset: mappedTo,
      segmentsCleaned: 0, bytesRead, bytesWritten: 0, recordsRemoved: 0, tombstonesRemoved: 0,
    };
    const horizon = now + config.deleteRetentionMs;
    for (const seg of cleanable) {
      if (seg.baseOffset >= mappedTo) break;
      if (this.#stopped) break;
      await this.#cleanSegment(log, seg, map, now, horizon, stats);
      stats.segmentsCleaned++;
    }
    if (stats.segmentsCleaned === cleanable.filter((s) => s.baseOffset < mappedTo).length) {
      const cp = await this.#checkpointFor(log);
      cp.set(checkpointKey(log.topic, log.partition), mappedTo);
      await writeCheckpoint(this.#ctx.fs, this.#host.cleanerCheckpointPath(log), cp);
    }
    this.#ctx.logger.info({ ...stats }, 'cleaned log');
    return stats;
  }

  async #cleanSegment(log: UnifiedLog, seg: LogSegment, map: Map<string, number>, now: number, horizon: number, stats: CleanerStats): Promise<void> {
    const cfg = log.config;
    const cleaned = await LogSegment.create(this.#ctx, log.dir, seg.baseOffset, {
      indexIntervalBytes: cfg.indexIntervalBytes,
      segmentIndexBytes: cfg.segmentIndexBytes,
    }, CLEANED_FILE_SUFFIX);
    let pending: SegmentAppendBatch[] = [];
    let pendingBytes = 0;
    const flushPending = async () => {
      if (pending.length === 0) return;
      await cleaned.append(pending);
      stats.bytesWritten += pendingBytes;
      pending = [];
      pendingBytes = 0;
    };
    try {
      for await (const { batch, bytes } of seg.batches()) {
        stats.bytesRead += bytes.length;
        let out: Buffer | null = bytes;
        if ((batch.attributes & Attributes.CONTROL) === 0) {
          out = this.#filterBatch(bytes, batch.baseOffset, map, now, horizon, stats);
        }
        if (out === null) continue;
        pending.push({ buffer: out, baseOffset: batch.baseOffset, lastOffset: batch.lastOffset, maxTimestamp: batch.maxTimestamp });
        pendingBytes += out.length;
        if (pendingBytes >= 1024 * 1024) await flushPending();
      }
      await flushPending();
      // Offsets and markers never change, so the aborted transactions stay as they were.
      await cleaned.txnIndex.append(await seg.txnIndex.entries());
      await cleaned.onBecomeInactive();
      await cleaned.changeSuffix(SWAP_FILE_SUFFIX);
    } catch (err) {
      await cleaned.deleteFiles().catch(() => undefined);
      throw err;
    }
    await log.replaceSegment(cleaned);
  }

  /** The batch to keep in place of `bytes`: the same bytes, a rebuilt batch, or null for none. */
  #filterBatch(bytes: Buffer, baseOffset: number, map: Map<string, number>, now: number, horizon: number, stats: CleanerStats): Buffer | null {
    const rb = new RecordBatch(bytes);
    const existingHorizon = rb.deleteHorizonMs;
    const tombstonesExpired = existingHorizon !== null && now >= Number(existingHorizon);
    const kept: RecordInput[] = [];
    let removed = 0;
    let keptTombstone = false;
    for (const r of rb.records()) {
      const offset = baseOffset + r.offsetDelta;
      if (r.key !== null) {
        const latest = map.get(r.key.toString('latin1'));
        if (latest !== undefined && latest > offset) {
          removed++;
          continue;
        }
        if (r.value === null) {
          if (tombstonesExpired) {
            removed++;
            stats.tombstonesRemoved++;
            continue;
          }
          keptTombstone = true;
        }
      }
      kept.push({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, offsetDelta: r.offsetDelta });
    }
    stats.recordsRemoved += removed;
    const needsHorizon = keptTombstone && existingHorizon === null;
    if (removed === 0 && !needsHorizon) return bytes;
    if (kept.length === 0) return null;
    const logAppendTime = rb.timestampType === TimestampType.LogAppendTime;
    const newHorizon = existingHorizon ?? (keptTombstone ? BigInt(horizon) : null);
    return buildRecordBatch(kept, {
      baseOffset: rb.baseOffset,
      partitionLeaderEpoch: rb.partitionLeaderEpoch,
      compression: rb.compression as CompressionType,
      timestampType: rb.timestampType,
      ...(newHorizon !== null ? { deleteHorizonMs: newHorizon } : { baseTimestamp: rb.baseTimestamp }),
      ...(logAppendTime ? { maxTimestamp: rb.maxTimestamp } : {}),
      transactional: rb.isTransactional,
      producerId: rb.producerId,
      producerEpoch: rb.producerEpoch,
      baseSequence: rb.baseSequence,
      lastOffsetDelta: rb.lastOffsetDelta,
    });
  }
}
