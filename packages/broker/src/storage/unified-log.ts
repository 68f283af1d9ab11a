import { join } from 'node:path';
import {
  Attributes, BatchOffsets, ControlRecordType, CorruptRecordError, LOG_OVERHEAD, RecordBatch, TimestampType, buildEndTransactionMarkerBatch,
  computeBatchCrc, validateBatch,
} from '@samsa/protocol';
import { readOffset, writeOffset, type StoredBatch } from './batch-scan.ts';
import {
  InvalidRecordError, KafkaErrorCode, KafkaStorageError, OffsetOutOfRangeError, RecordTooLargeError, StorageError, UnknownProducerIdError,
  storageErrorFrom,
} from './errors.ts';
import {
  CLEANED_FILE_SUFFIX, DELETED_FILE_SUFFIX, INDEX_FILE_SUFFIX, LOG_FILE_SUFFIX, SWAP_FILE_SUFFIX, TIME_INDEX_FILE_SUFFIX,
  TMP_FILE_SUFFIX, TXN_INDEX_FILE_SUFFIX, indexFileName, logFileName, offsetFromFileName, timeIndexFileName, transactionIndexFileName,
} from './log-file-utils.ts';
import type { LogConfig } from './log-config.ts';
import { LogSegment, type SegmentAppendBatch } from './log-segment.ts';
import {
  PendingProducerState, ProducerStateManager, VerificationGuard, firstOffsetOf, readMarker, type AppendOrigin, type BatchMetadata,
  type ProducerBatchHeader,
} from './producer-state-manager.ts';
import type { StorageContext } from './storage-context.ts';
import type { AbortedTxn } from './transaction-index.ts';

/**
 * A partition's log (Kafka's UnifiedLog): an ordered list of LogSegments, the last one
 * active, plus the offsets that bound what may be read.
 *
 * On disk: one directory `<topic>-<partition>` of segment files (see log-file-utils.ts).
 *
 * Offsets: logStartOffset <= highWatermark <= logEndOffset, and logStartOffset <=
 * lastStableOffset <= highWatermark: the LSO is the first offset of the oldest transaction
 * still open (or ended by a marker the high watermark has not passed), else the high
 * watermark. read_committed fetches stop there. logEndOffset only moves after the bytes are written, so a read never
 * sees an offset whose batch is not in the file. Offsets are JavaScript numbers, and the
 * log refuses to assign one above Number.MAX_SAFE_INTEGER (DESIGN.md "Offsets").
 *
 * Appends: append() validates each batch (magic 2, length, CRC, max.message.bytes) at
 * once and queues it. After the current tick, runs of queued appends get their offsets
 * (patched with partitionLeaderEpoch into the caller's buffers, outside the CRC range)
 * and go to the active segment as one writev each, up to two in flight; they complete
 * and are answered in order, rolling segments in between as needed. When flush.messages
 * is reached a run is fsynced before its appends are answered (group commit). Reads never
 * enter the queue.
 *
 * Idempotence: batches with a producer id go through the partition's ProducerStateManager
 * where offsets are assigned, in queue order: a retried batch is answered with its first
 * append's offsets (LogAppendInfo.duplicate) and not written again;
 * a batch out of sequence or from an old epoch is refused. Batches without a producer id
 * cost one header read. Producer state is snapshotted at rolls and on close.
 *
 * Transactions (KIP-98, KIP-890): appends have an origin. Clients' transactional batches
 * continue their producer's transaction, or open one only with the verification guard
 * maybeStartTransactionVerification handed out; coordinators append markers
 * (appendTransactionMarker) and transactional offset commits (epoch checked, no
 * sequences). An ABORT marker adds an entry to its segment's `.txnindex`, which
 * read_committed reads return as `abortedTransactions`.
 *
 * Crash behaviour: load() trusts segments below the recovery point and recovers the rest
 * (LogSegment.recover: truncate at the first bad batch, rebuild indexes), deleting every
 * segment after one that had to be truncated, then rebuilds producer state from the
 * newest snapshot at or below the log end plus the batches after it; after an unclean
 * stop, from a snapshot no later than the first recovered segment, so the `.txnindex`
 * entries that may not have reached the disk are written again by the replay (the
 * entries at or above the replay start are dropped first). A failed write
 * (ENOSPC, EIO) is cut back so the file ends at the last acknowledged batch; the append
 * fails with KAFKA_STORAGE_ERROR and the next append tries again. A failed fsync takes
 * the log offline (its data's durability is unknown; Kafka does the same).
 */

export interface LogAppendInfo {
  firstOffset: number;
  lastOffset: number;
  /** Largest batch maxTimestamp of the append, and the offset of the batch holding it. */
  maxTimestamp: number;
  offsetOfMaxTimestamp: number;
  /** Broker time stamped into batches when message.timestamp.type=LogAppendTime, else -1. */
  logAppendTime: number;
  recordCount: number;
  validBytes: number;
  logStartOffset: number;
  /**
   * True when the append repeated a batch the producer already wrote (same producer id,
   * epoch and sequence range among its last five): nothing was written and the offsets
   * are the first write's (Kafka answers such a retry as a success).
   */
  duplicate: boolean;
}

export interface AppendOptions {
  /** Written into each batch's partitionLeaderEpoch. */
  leaderEpoch?: number;
  /**
   * Who writes (Kafka's AppendOrigin), 'client' by default: a producer, fully checked. A
   * 'coordinator' (group or transaction coordinator, this broker) may write transaction
   * markers and transactional batches without sequences (TxnOffsetCommit); their epochs
   * are checked, sequences are not. Follower appends (assignOffsets false) are not checked.
   */
  origin?: 'client' | 'coordinator';
  /**
   * KIP-890: the guard maybeStartTransactionVerification returned for this produce, once
   * the transaction coordinator confirmed the partition is in the transaction. Required
   * for a client's transactional batch that opens a transaction.
   */
  verificationGuard?: VerificationGuard;
  /**
   * True (leader): the log assigns offsets. False (follower): batches keep theirs, which
   * must start at or after logEndOffset and ascend.
   */
  assignOffsets?: boolean;
  /**
   * The caller has already checked every batch's length, magic and CRC-32C (the produce
   * path's validator does), so the log reads sizes from the headers instead of computing
   * each CRC a second time.
   */
  crcVerified?: boolean;
}

/** Upper bound a read respects (Kafka's FetchIsolation). */
export type FetchIsolation = 'log_end' | 'high_watermark' | 'committed';

export interface ReadOptions {
  maxBytes: number;
  isolation?: FetchIsolation;
  /** Return the first batch even when it is larger than maxBytes (Kafka, KIP-74). */
  minOneMessage?: boolean;
}

export interface FetchDataInfo {
  /** Stored batches, bytes as written; may start before fetchOffset (whole batches only). */
  records: Buffer;
  fetchOffset: number;
  /** Offset after the last returned batch; fetchOffset when nothing was returned. */
  nextOffset: number;
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
  lastStableOffset: number;
  /**
   * For 'committed' reads: the aborted transactions overlapping the returned range, by
   * their first offset (the consumer drops their records); null for other isolations.
   */
  abortedTransactions: Array<{ producerId: number; firstOffset: number }> | null;
}

/** A COMMIT or ABORT a transaction coordinator writes (WriteTxnMarkers). */
export interface TransactionMarkerInput {
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  committed: boolean;
}

export interface LoadLogOptions {
  recoveryPoint: number;
  logStartOffset: number;
  hadCleanShutdown: boolean;
  highWatermark?: number;
}

interface PendingBatch extends ProducerBatchHeader {
  buffer: Buffer;
  lastOffsetDelta: number;
  originalBaseOffset: number;
  recordCount: number;
  maxTimestamp: number;
}

interface PendingAppend {
  kind: 'append';
  batches: PendingBatch[];
  /** Whether any batch carries a producer id (only those appends touch producer state). */
  hasProducerId: boolean;
  /** Offsets the batches take when the log assigns them: the sum of lastOffsetDelta + 1. */
  offsetCount: number;
  bytes: number;
  options: AppendOptions;
  /** Who writes: the options' origin, or 'replication' for a follower's append. */
  origin: AppendOrigin;
  resolve: (info: LogAppendInfo) => void;
  reject: (err: unknown) => void;
}

interface PendingOp {
  kind: 'op';
  run: () => Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const MAX_OFFSET = Number.MAX_SAFE_INTEGER;
/**
 * Appends queued together are written together up to this many bytes (a bigger append
 * goes alone), so the thread pool's cost per write is spread over many batches; when
 * nothing is in flight, a burst is shared out over the write slots (#firstWriteBytes).
 */
const MAX_WRITE_BYTES = 1024 * 1024;
/**
 * Writes handed to the thread pool at once. With two, one is being written while the
 * other waits in the pool and the appends of a third are answered and validated on the
 * main thread: a write's round trip through the pool is hidden behind the next.
 */
const MAX_WRITES_IN_FLIGHT = 2;

/** Appends written (and flushed, when the policy says so), waiting to be answered. */
type Acks = Array<[PendingAppend, LogAppendInfo]>;

function settle(acks: Acks): void {
  for (const [a, info] of acks) a.resolve(info);
}

/** A run of appends handed to the active segment and not yet answered. */
interface InFlightWrite {
  /** The segment's append of the run (already handled: awaiting it rethrows). */
  written: Promise<void>;
  segment: LogSegment;
  /** The log end offset once this write is in. */
  next: number;
  /** Producer state of the run, checked on top of the write before it. */
  pending: PendingProducerState;
  /** Every append of the run with its answer (retried batches with their first write's). */
  acks: Acks;
  messages: number;
}

/** Producer ids above 2^53 - 1 cannot be numbers; no broker hands them out (ProducerIdManager). */
const MAX_PRODUCER_ID_HIGH_WORD = 0x1fffff;

function floorSegment(segments: readonly LogSegment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (segments[mid]!.baseOffset <= offset) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

export class UnifiedLog {
  readonly dir: string;
  readonly topic: string;
  readonly partition: number;
  #ctx: StorageContext;
  #config: LogConfig;
  /** Replaced, never mutated, so a read can iterate the array it took. */
  #segments: readonly LogSegment[];
  #logStartOffset: number;
  #logEndOffset: number;
  #highWatermark: number;
  #recoveryPoint: number;
  #unflushedMessages = 0;
  #lastFlushMs: number;
  #cancelFlushTimer: (() => void) | null = null;
  #queue: Array<PendingAppend | PendingOp> = [];
  #pumpScheduled = false;
  #draining = false;
  /** Writes handed to the active segment, oldest first, until their appends are answered. */
  #inFlight: InFlightWrite[] = [];
  #offline: Error | null = null;
  #closed = false;
  #inactiveFlushes: Promise<void> = Promise.resolve();
  #maintenance: Promise<unknown> = Promise.resolve();
  #pendingDeletes = new Set<LogSegment>();
  #cancelDeletes = new Set<() => void>();
  #producerState: ProducerStateManager;

  private constructor(ctx: StorageContext, dir: string, topic: string, partition: number, config: LogConfig, segments: LogSegment[], logEndOffset: number,
    opts: LoadLogOptions, producerState: ProducerStateManager) {
    this.#ctx = ctx;
    this.#producerState = producerState;
    this.dir = dir;
    this.topic = topic;
    this.partition = partition;
    this.#config = config;
    this.#segments = segments;
    this.#logEndOffset = logEndOffset;
    this.#logStartOffset = Math.min(Math.max(opts.logStartOffset, segments[0]!.baseOffset), logEndOffset);
    this.#recoveryPoint = Math.min(opts.recoveryPoint, logEndOffset);
    this.#highWatermark = Math.max(this.#logStartOffset, Math.min(opts.highWatermark ?? logEndOffset, logEndOffset));
    // Transactions the replay saw end stay unstable only while their markers are above it.
    producerState.onHighWatermarkUpdated(this.#highWatermark);
    this.#lastFlushMs = ctx.clock.now();
  }

  /**
   * Opens (creating if needed) the log in `dir`: finishes or discards interrupted cleaner
   * swaps and deletions, then recovers what a crash may have damaged.
   */
  static async load(ctx: StorageContext, dir: string, topic: string, partition: number, config: LogConfig, opts: LoadLogOptions): Promise<UnifiedLog> {
    const fs = ctx.fs;
    await fs.mkdir(dir);
    const names = await fs.readdir(dir);
    const present = new Set(names);
    const swaps: number[] = [];
    for (const name of names) {
      const base = offsetFromFileName(name);
      const isLogSwap = name.endsWith(LOG_FILE_SUFFIX + SWAP_FILE_SUFFIX);
      // A cleaner output's transaction index completes the swap with its log (below).
      const isTxnIndexSwap = name.endsWith(TXN_INDEX_FILE_SUFFIX + SWAP_FILE_SUFFIX) && base !== null &&
        present.has(logFileName(base) + SWAP_FILE_SUFFIX);
      if (name.endsWith(CLEANED_FILE_SUFFIX) || name.endsWith(DELETED_FILE_SUFFIX) || name.endsWith(TMP_FILE_SUFFIX) ||
        (name.endsWith(SWAP_FILE_SUFFIX) && !isLogSwap && !isTxnIndexSwap)) {
        await fs.unlink(join(dir, name));
        present.delete(name);
      } else if (isLogSwap && base !== null) {
        swaps.push(base);
      }
    }
    for (const base of swaps) {
      // A finished cleaner output: it replaces the segment with the same base offset. Its
      // indexes were never written, so the old ones go and are rebuilt on first use.
      await fs.unlink(join(dir, indexFileName(base)));
      await fs.unlink(join(dir, timeIndexFileName(base)));
      // The cleaner copied the old segment's aborted transactions (offsets never change).
      const txnSwap = transactionIndexFileName(base) + SWAP_FILE_SUFFIX;
      if (present.has(txnSwap)) {
        await fs.rename(join(dir, txnSwap), join(dir, transactionIndexFileName(base)));
        present.delete(txnSwap);
        present.add(transactionIndexFileName(base));
      }
      await fs.rename(join(dir, logFileName(base) + SWAP_FILE_SUFFIX), join(dir, logFileName(base)));
      present.add(logFileName(base));
      ctx.logger.info({ dir, baseOffset: base }, 'completed an interrupted cleaner swap');
    }
    const bases: number[] = [];
    for (const name of present) {
      const base = offsetFromFileName(name);
      if (base === null) continue;
      if (name.endsWith(LOG_FILE_SUFFIX)) bases.push(base);
      else if ((name.endsWith(INDEX_FILE_SUFFIX) || name.endsWith(TIME_INDEX_FILE_SUFFIX) || name.endsWith(TXN_INDEX_FILE_SUFFIX)) &&
        !present.has(logFileName(base))) {
        await fs.unlink(join(dir, name));
      }
    }
    bases.sort((a, b) => a - b);
    const segConfig = { indexIntervalBytes: config.indexIntervalBytes, segmentIndexBytes: config.segmentIndexBytes };
    const segments: LogSegment[] = [];
    for (const base of bases) {
      const st = await fs.stat(join(dir, logFileName(base)));
      segments.push(LogSegment.open(ctx, dir, base, st?.size ?? 0, segConfig));
    }
    if (segments.length === 0) {
      segments.push(await LogSegment.create(ctx, dir, opts.logStartOffset, segConfig));
    }

    let recoveryPoint = opts.recoveryPoint;
    // Segments from here on are recovered; their transaction indexes may lack entries.
    let firstRecoveredBase = Number.MAX_SAFE_INTEGER;
    if (!opts.hadCleanShutdown) {
      const from = Math.max(0, floorSegment(segments, recoveryPoint));
      firstRecoveredBase = segments[from]!.baseOffset;
      for (let i = from; i < segments.length; i++) {
        const seg = segments[i]!;
        const result = await seg.recover();
        if (result.truncatedBytes > 0) {
          ctx.logger.warn({ segment: seg.path, validBytes: result.validBytes, truncatedBytes: result.truncatedBytes, reason: result.reason },
            'recovery truncated the log at the first invalid batch');
          const dropped = segments.splice(i + 1);
          for (const d of dropped) {
            ctx.logger.warn({ segment: d.path, bytes: d.size }, 'recovery deleted a segment that followed invalid data');
            await d.deleteFiles();
          }
        }
        await seg.flush();
        if (i < segments.length - 1) await seg.persistIndexes(true);
      }
    }
    const active = segments[segments.length - 1]!;
    const logEndOffset = await active.nextOffset();
    active.pin();
    if (!opts.hadCleanShutdown) recoveryPoint = logEndOffset;
    const producerState = ProducerStateManager.open(ctx, dir, present);
    await UnifiedLog.#rebuildProducerState(ctx, producerState, segments, logEndOffset, firstRecoveredBase);
    return new UnifiedLog(ctx, dir, topic, partition, config, segments, logEndOffset, { ...opts, recoveryPoint }, producerState);
  }

  /**
   * Loads the newest usable snapshot at or below `logEndOffset` (and at or below
   * `replayNoLaterThan`) and replays the batch headers after it (Kafka's
   * loadProducerState). Without a snapshot the whole log is replayed: slow for a large log
   * that never rolled since an upgrade, but always right.
   *
   * The transaction indexes follow the replay: every entry whose marker is at or after
   * the replay start is dropped and the replay appends it again, with the same last
   * stable offset (the replay applies the append rules batch by batch). Entries below
   * the replay start were written and fsynced before the snapshot's segment rolled.
   */
  static async #rebuildProducerState(ctx: StorageContext, state: ProducerStateManager, segments: readonly LogSegment[], logEndOffset: number,
    replayNoLaterThan = Number.MAX_SAFE_INTEGER): Promise<void> {
    const from = await state.truncateAndReload(segments[0]!.baseOffset, logEndOffset, Math.min(logEndOffset, replayNoLaterThan));
    const first = Math.max(0, floorSegment(segments, from));
    // An entry's marker lies in its own segment, so only segments from the one holding
    // `from` can hold entries at or after it.
    for (let i = first; i < segments.length; i++) await segments[i]!.txnIndex.truncateTo(from);
    if (from >= logEndOffset) return;
    const now = ctx.clock.now();
    let batches = 0;
    let aborted = 0;
    for (let i = first; i < segments.length; i++) {
      const seg = segments[i]!;
      const found: AbortedTxn[] = [];
      const stopped = await seg.forEachBatchFrom(from, (b, view, at) => {
        const completed = state.replayBatch(view, at, b, now);
        if (completed?.aborted === true) {
          found.push({ producerId: completed.producerId, firstOffset: completed.firstOffset, lastOffset: completed.lastOffset, lastStableOffset: completed.lastStableOffset });
        }
        batches++;
      });
      if (stopped !== null) ctx.logger.warn({ segment: seg.path, reason: stopped }, 'producer state replay stopped early in a segment');
      if (found.length > 0) {
        await seg.txnIndex.append(found);
        // The recovery point may already be past this segment: the entries must be on disk.
        await seg.txnIndex.flush();
        aborted += found.length;
      }
    }
    state.advanceMapEndOffset(logEndOffset);
    ctx.logger.info({ dir: state.dir, from, to: logEndOffset, batches, abortedTransactions: aborted, producers: state.producerCount },
      'rebuilt producer state from the log');
  }

  get config(): LogConfig {
    return this.#config;
  }

  /** New topic configs apply to the next append, roll and retention pass. */
  updateConfig(config: LogConfig): void {
    this.#config = config;
  }

  get logStartOffset(): number {
    return this.#logStartOffset;
  }

  get logEndOffset(): number {
    return this.#logEndOffset;
  }

  get highWatermark(): number {
    return this.#highWatermark;
  }

  /**
   * Kafka's LSO: the first unstable offset (oldest open transaction, or one whose marker is
   * not yet below the high watermark) when below the high watermark, else the high
   * watermark; never below the log start.
   */
  get lastStableOffset(): number {
    const hw = this.#highWatermark;
    const unstable = this.#producerState.firstUnstableOffset();
    return unstable === null ? hw : Math.max(this.#logStartOffset, Math.min(unstable, hw));
  }

  /** Offsets below this are fsynced: recovery after a crash starts here. */
  get recoveryPoint(): number {
    return this.#recoveryPoint;
  }

  get isOffline(): boolean {
    return this.#offline !== null;
  }

  /** The partition's producer state (idempotence); appends change it, callers only read it. */
  get producerState(): ProducerStateManager {
    return this.#producerState;
  }

  get segments(): readonly LogSegment[] {
    return this.#segments;
  }

  get activeSegment(): LogSegment {
    return this.#segments[this.#segments.length - 1]!;
  }

  /** Bytes in all segments. */
  get size(): number {
    let n = 0;
    for (const s of this.#segments) n += s.size;
    return n;
  }

  /** Replication moves the high watermark; it stays within [logStartOffset, logEndOffset]. */
  updateHighWatermark(offset: number): number {
    this.#highWatermark = Math.max(this.#logStartOffset, Math.min(offset, this.#logEndOffset));
    this.#producerState.onHighWatermarkUpdated(this.#highWatermark);
    return this.#highWatermark;
  }

  /**
   * KIP-890 part 1 (Kafka 3.6+): call before asking the transaction coordinator whether
   * this partition is in the producer's transaction, and pass the result to append() as
   * `verificationGuard` once it says yes. SENTINEL when the producer already has a
   * transaction open at this epoch (nothing to verify). A marker or any transactional
   * write of the producer in between voids the guard, so a verification that raced with
   * an abort cannot open a transaction the coordinator does not know about.
   */
  maybeStartTransactionVerification(producerId: number, baseSequence: number, producerEpoch: number): VerificationGuard {
    if (this.#producerState.hasOngoingTransaction(producerId, producerEpoch)) return VerificationGuard.SENTINEL;
    return this.#producerState.maybeCreateVerificationStateEntry(producerId, baseSequence, producerEpoch).guard;
  }

  /**
   * Writes a COMMIT or ABORT marker for a producer (the transaction coordinator's
   * WriteTxnMarkers): a control batch at the log end, checked against the producer's
   * epoch and the last coordinator epoch (INVALID_PRODUCER_EPOCH,
   * TRANSACTION_COORDINATOR_FENCED). Ends the producer's open transaction; an abort
   * enters the segment's transaction index.
   */
  appendTransactionMarker(marker: TransactionMarkerInput, leaderEpoch?: number): Promise<LogAppendInfo> {
    const batch = buildEndTransactionMarkerBatch({
      type: marker.committed ? ControlRecordType.COMMIT : ControlRecordType.ABORT,
      producerId: BigInt(marker.producerId),
      producerEpoch: marker.producerEpoch,
      coordinatorEpoch: marker.coordinatorEpoch,
      timestamp: this.#ctx.clock.now(),
    });
    return this.append(batch, { origin: 'coordinator', crcVerified: true, ...(leaderEpoch !== undefined ? { leaderEpoch } : {}) });
  }

  #checkUsable(): void {
    if (this.#offline !== null) throw new KafkaStorageError(`log ${this.topic}-${this.partition} is offline: ${this.#offline.message}`, { cause: this.#offline });
    if (this.#closed) throw new KafkaStorageError(`log ${this.topic}-${this.partition} is closed`);
  }

  /**
   * Appends the batches in `records` (one or more v2 batches back to back). The buffer is
   * taken over: offsets and leader epoch are patched into it in place.
   */
  append(records: Buffer, options: AppendOptions = {}): Promise<LogAppendInfo> {
    try {
      this.#checkUsable();
      const origin: AppendOrigin = options.assignOffsets === false ? 'replication' : options.origin ?? 'client';
      const { batches, hasProducerId, offsetCount } = this.#validate(records, options.crcVerified ?? false, origin);
      return new Promise((resolve, reject) => {
        this.#queue.push({ kind: 'append', batches, hasProducerId, offsetCount, bytes: records.length, options, origin, resolve, reject });
        this.#kick();
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #validate(records: Buffer, crcVerified: boolean, origin: AppendOrigin): { batches: PendingBatch[]; hasProducerId: boolean; offsetCount: number } {
    const batches: PendingBatch[] = [];
    let hasProducerId = false;
    let offsetCount = 0;
    let pos = 0;
    if (records.length === 0) throw new InvalidRecordError('append of zero batches');
    while (pos < records.length) {
      if (records.length - pos >= BatchOffsets.magic + 1 && records.readInt8(pos + BatchOffsets.magic) !== 2) {
        throw new InvalidRecordError(`batch at byte ${pos} has magic ${records.readInt8(pos + BatchOffsets.magic)}; the log stores magic 2 only`);
      }
      let size: number;
      try {
        size = crcVerified ? records.readInt32BE(pos + BatchOffsets.batchLength) + LOG_OVERHEAD : validateBatch(records, pos);
        if (size > records.length - pos) throw new CorruptRecordError(`batch at byte ${pos} runs past the end`);
      } catch (err) {
        if (err instanceof CorruptRecordError) throw new StorageError('SAMSA_ERR_STORAGE_INVALID_BATCH', KafkaErrorCode.CORRUPT_MESSAGE, `batch at byte ${pos}: ${err.message}`, { cause: err });
        throw err;
      }
      if (size > this.#config.maxMessageBytes) {
        throw new RecordTooLargeError(`batch of ${size} bytes exceeds max.message.bytes ${this.#config.maxMessageBytes}`);
      }
      const buffer = records.subarray(pos, pos + size);
      const batch: PendingBatch = {
        buffer,
        lastOffsetDelta: buffer.readInt32BE(BatchOffsets.lastOffsetDelta),
        originalBaseOffset: readOffset(buffer, BatchOffsets.baseOffset),
        recordCount: buffer.readInt32BE(BatchOffsets.recordCount),
        maxTimestamp: readOffset(buffer, BatchOffsets.maxTimestamp),
        producerId: -1,
        producerEpoch: -1,
        baseSequence: -1,
        isTransactional: false,
        isControl: false,
        marker: null,
      };
      // The high word alone says whether there is a producer id (-1 and anything negative: none).
      const high = buffer.readInt32BE(BatchOffsets.producerId);
      if (high >= 0) {
        this.#readProducerFields(batch, high, pos, origin);
        hasProducerId = true;
      } else if (origin !== 'replication' && (buffer.readInt16BE(BatchOffsets.attributes) & Attributes.CONTROL) !== 0) {
        throw new InvalidRecordError(`control batch at byte ${pos} has no producer id`);
      }
      batches.push(batch);
      offsetCount += batch.lastOffsetDelta + 1;
      pos += size;
    }
    return { batches, hasProducerId, offsetCount };
  }

  #readProducerFields(batch: PendingBatch, high: number, pos: number, origin: AppendOrigin): void {
    const buffer = batch.buffer;
    if (high > MAX_PRODUCER_ID_HIGH_WORD) {
      throw new UnknownProducerIdError(`batch at byte ${pos} has producer id ${buffer.readBigInt64BE(BatchOffsets.producerId)}, which no broker hands out`);
    }
    batch.producerId = high * 4294967296 + buffer.readUInt32BE(BatchOffsets.producerId + 4);
    batch.producerEpoch = buffer.readInt16BE(BatchOffsets.producerEpoch);
    batch.baseSequence = buffer.readInt32BE(BatchOffsets.baseSequence);
    const attributes = buffer.readInt16BE(BatchOffsets.attributes);
    batch.isTransactional = (attributes & Attributes.TRANSACTIONAL) !== 0;
    batch.isControl = (attributes & Attributes.CONTROL) !== 0;
    if (origin === 'replication') {
      if (batch.isControl && batch.recordCount > 0) batch.marker = readMarker(buffer, 0, buffer.length);
      return;
    }
    if (batch.isControl) {
      // Kafka's LogValidator: only coordinators write control batches.
      if (origin === 'client') throw new InvalidRecordError(`batch at byte ${pos}: clients may not write control batches`);
      batch.marker = batch.recordCount > 0 ? readMarker(buffer, 0, buffer.length) : null;
      if (batch.marker === null || !batch.isTransactional) {
        throw new InvalidRecordError(`control batch at byte ${pos} of producer ${batch.producerId} is not a transaction marker`);
      }
      return;
    }
    // Kafka's LogValidator: a data batch with a producer id needs an epoch, and a client's a
    // sequence; a coordinator's transactional offset commits carry none (AppendOrigin.COORDINATOR).
    if (batch.producerEpoch < 0 || (origin === 'client' && batch.baseSequence < 0)) {
      throw new InvalidRecordError(`batch at byte ${pos} of producer ${batch.producerId} has epoch ${batch.producerEpoch} and sequence ${batch.baseSequence}`);
    }
  }

  /** Runs `fn` in the append queue, alone: nothing is written while it runs. */
  #exclusive(fn: () => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ kind: 'op', run: fn, resolve, reject });
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    // After the current task, so appends queued in the same tick share a write.
    queueMicrotask(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  /**
   * Hands runs of queued appends to the active segment while fewer than
   * MAX_WRITES_IN_FLIGHT are being written, and starts the drain if it is not running.
   * Offsets and producer state checks run ahead of the writes (each run on top of the
   * one before it), so a run is written while the previous one is still in flight.
   */
  #pump(): void {
    while (this.#inFlight.length < MAX_WRITES_IN_FLIGHT && this.#queue[0]?.kind === 'append') {
      const w = this.#startWrite(this.#inFlight[this.#inFlight.length - 1] ?? null);
      if (w === null) break;
      this.#inFlight.push(w);
    }
    if (!this.#draining && (this.#inFlight.length > 0 || this.#queue.length > 0)) {
      this.#draining = true;
      void this.#drain();
    }
  }

  /**
   * Finishes the writes in flight in order and answers their appends, each only after
   * the next runs were handed to the thread pool, so callers answering them (and
   * validating their next appends) work while the file is written. With nothing in
   * flight it runs queued operations alone, and rolls or trims the active segment when
   * the next run needs it.
   */
  async #drain(): Promise<void> {
    try {
      for (;;) {
        const w = this.#inFlight[0];
        if (w !== undefined) {
          const acks = await this.#finishWrite(w);
          this.#pump();
          settle(acks);
          continue;
        }
        const head = this.#queue[0];
        if (head === undefined) break;
        if (head.kind === 'op') {
          this.#queue.shift();
          try {
            await head.run();
            head.resolve();
          } catch (err) {
            head.reject(err);
          }
        } else {
          await this.#prepareActiveSegment();
        }
        this.#pump();
      }
    } finally {
      this.#draining = false;
    }
  }

  /**
   * What the next write needs done first, with nothing in flight: cut a failed write's
   * leftovers, roll. A failure fails the appends queued up to the next operation.
   */
  async #prepareActiveSegment(): Promise<void> {
    try {
      const active = this.activeSegment;
      if (active.needsTailTrim) await active.trimTail();
      const head = this.#queue[0];
      if (head?.kind === 'append' && this.#shouldRoll(this.activeSegment, head.bytes)) await this.#roll(this.#logEndOffset);
    } catch (err) {
      const error = this.#appendFailed(err);
      while (this.#queue[0]?.kind === 'append') this.#queue.shift()!.reject(error);
    }
  }

  #appendFailed(err: unknown): StorageError {
    const error = err instanceof StorageError ? err : storageErrorFrom(err, `append to ${this.topic}-${this.partition}`);
    this.#ctx.logger.error({ log: this.dir, err: error.message }, 'append failed; the log keeps its last acknowledged batch');
    return error;
  }

  #shouldRoll(active: LogSegment, incomingBytes: number): boolean {
    if (active.end === 0) return false;
    if (active.end + incomingBytes > this.#config.segmentBytes) return true;
    if (active.indexFull) return true;
    return this.#ctx.clock.now() - active.createdMs > this.#config.segmentMs;
  }

  async #roll(baseOffset: number): Promise<void> {
    const old = this.activeSegment;
    if (old.size === 0 && old.baseOffset === baseOffset) return;
    const seg = await LogSegment.create(this.#ctx, this.dir, baseOffset, {
      indexIntervalBytes: this.#config.indexIntervalBytes,
      segmentIndexBytes: this.#config.segmentIndexBytes,
    });
    if (old.size === 0) {
      // An empty active segment is replaced, not kept (it can happen after deleteRecords).
      this.#segments = [...this.#segments.slice(0, -1), seg];
      await old.deleteFiles();
      return;
    }
    this.#segments = [...this.#segments, seg];
    // The producer state as of the new segment's base offset; written off the append path.
    void this.#producerState.takeSnapshot();
    // Like Kafka, the finished segment is flushed in the background; the recovery point
    // moves past it once that is done.
    this.#inactiveFlushes = this.#inactiveFlushes.then(async () => {
      try {
        await old.onBecomeInactive();
        if (this.#recoveryPoint < baseOffset) this.#recoveryPoint = baseOffset;
      } catch (err) {
        this.#goOffline(err);
      }
    });
  }

  /**
   * Takes appends from the head of the queue into one run for the active segment (up to
   * MAX_WRITE_BYTES, the segment's size, or the next operation), assigns their offsets
   * after `prev`'s, checks them against the producer state as `prev` leaves it, and hands
   * the run to the segment; nothing yields before the write is in the thread pool. Null
   * when the run must wait for nothing to be in flight (a roll or a trim comes first).
   * Appends refused by a check are rejected here.
   */
  #startWrite(prev: InFlightWrite | null): InFlightWrite | null {
    if (this.#offline !== null || this.#closed) {
      const error = new KafkaStorageError(`log ${this.topic}-${this.partition} is ${this.#closed ? 'closed' : 'offline'}`);
      while (this.#queue[0]?.kind === 'append') this.#queue.shift()!.reject(error);
      return null;
    }
    const active = this.activeSegment;
    if (active.needsTailTrim || this.#shouldRoll(active, (this.#queue[0] as PendingAppend).bytes)) return null;
    const now = this.#ctx.clock.now();
    const logAppendTime = this.#config.messageTimestampType === 'LogAppendTime';
    const verificationEnabled = this.#config.transactionPartitionVerificationEnable !== false;
    const pending = new PendingProducerState(prev?.pending ?? null);
    const run: SegmentAppendBatch[] = [];
    const acks: Acks = [];
    let next = prev?.next ?? this.#logEndOffset;
    let runBytes = 0;
    let messages = 0;
    const end = active.end;
    const limit = prev === null ? this.#firstWriteBytes() : MAX_WRITE_BYTES;
    while (this.#queue[0]?.kind === 'append') {
      const a = this.#queue[0];
      if (runBytes > 0 && (runBytes + a.bytes > limit || end + runBytes + a.bytes > this.#config.segmentBytes)) break;
      this.#queue.shift();
      const first = a.options.assignOffsets === false ? a.batches[0]!.originalBaseOffset : next;
      if (a.options.assignOffsets === false && first < next) {
        a.reject(new InvalidRecordError(`follower append at offset ${first} below log end offset ${next}`));
        continue;
      }
      const lastBatch = a.batches[a.batches.length - 1]!;
      const lastOffset = a.options.assignOffsets === false ? lastBatch.originalBaseOffset + lastBatch.lastOffsetDelta : first + a.offsetCount - 1;
      if (lastOffset > MAX_OFFSET) {
        a.reject(new KafkaStorageError(`offset ${lastOffset} would exceed ${MAX_OFFSET}`));
        continue;
      }
      if (a.hasProducerId) {
        let duplicate: BatchMetadata | null;
        try {
          ({ duplicate } = this.#producerState.checkAppend(a.batches, first, pending, {
            origin: a.origin,
            logAppendTime: logAppendTime ? now : -1,
            nowMs: now,
            verificationGuard: a.options.verificationGuard,
            verificationEnabled,
          }));
        } catch (err) {
          a.reject(err);
          continue;
        }
        if (duplicate !== null) {
          // Answered with the first write's offsets, in order with the appends around it
          // (Kafka answers a retried batch as a success).
          acks.push([a, this.#duplicateInfo(duplicate, logAppendTime)]);
          continue;
        }
      }
      let maxTimestamp = -1;
      let offsetOfMaxTimestamp = first;
      let recordCount = 0;
      let cursor = first;
      for (const b of a.batches) {
        const base = a.options.assignOffsets === false ? b.originalBaseOffset : cursor;
        const last = base + b.lastOffsetDelta;
        if (a.options.assignOffsets !== false) writeOffset(b.buffer, base, BatchOffsets.baseOffset);
        if (a.options.leaderEpoch !== undefined) b.buffer.writeInt32BE(a.options.leaderEpoch, BatchOffsets.partitionLeaderEpoch);
        let ts = b.maxTimestamp;
        if (logAppendTime) {
          ts = now;
          const attrs = b.buffer.readInt16BE(BatchOffsets.attributes);
          b.buffer.writeInt16BE((attrs & ~Attributes.TIMESTAMP_TYPE) | (TimestampType.LogAppendTime << 3), BatchOffsets.attributes);
          writeOffset(b.buffer, now, BatchOffsets.maxTimestamp);
          b.buffer.writeUInt32BE(computeBatchCrc(b.buffer, 0, b.buffer.length), BatchOffsets.crc);
        }
        if (ts > maxTimestamp) {
          maxTimestamp = ts;
          offsetOfMaxTimestamp = base;
        }
        run.push({ buffer: b.buffer, baseOffset: base, lastOffset: last, maxTimestamp: ts });
        recordCount += b.recordCount;
        cursor = last + 1;
      }
      next = cursor;
      runBytes += a.bytes;
      messages += recordCount;
      acks.push([a, {
        firstOffset: first,
        lastOffset: cursor - 1,
        maxTimestamp,
        offsetOfMaxTimestamp,
        logAppendTime: logAppendTime ? now : -1,
        recordCount,
        validBytes: a.bytes,
        logStartOffset: this.#logStartOffset,
        duplicate: false,
      }]);
    }
    const written = active.append(run);
    // Awaited in order by #finishWrite; until then a rejection is not unhandled.
    written.catch(() => undefined);
    return { written, segment: active, next, pending, acks, messages };
  }

  /**
   * How much the first write takes when nothing is in flight: an even share of the appends
   * queued, so that a burst fills every write slot at once instead of one big write
   * followed by an idle pool.
   */
  #firstWriteBytes(): number {
    let queued = 0;
    for (const a of this.#queue) {
      if (a.kind !== 'append' || queued >= MAX_WRITE_BYTES * MAX_WRITES_IN_FLIGHT) break;
      queued += a.bytes;
    }
    return Math.min(MAX_WRITE_BYTES, Math.ceil(queued / MAX_WRITES_IN_FLIGHT));
  }

  /**
   * Waits for `w` (the oldest write in flight), makes its bytes part of the log (log end,
   * transaction index, producer state), flushes when the policy says so, and returns its
   * answers. On a failure, `w` and every write in flight after it (started on top of it)
   * fail.
   */
  async #finishWrite(w: InFlightWrite): Promise<Acks> {
    const fail = async (error: StorageError): Promise<Acks> => {
      const failed = this.#inFlight.splice(0);
      if (failed[0] !== w) failed.unshift(w);
      await Promise.allSettled(failed.map((f) => f.written));
      for (const f of failed) for (const [a] of f.acks) a.reject(error);
      return [];
    };
    try {
      await w.written;
    } catch (err) {
      return fail(this.#appendFailed(err));
    }
    if (w.next > this.#logEndOffset) this.#logEndOffset = w.next;
    const aborted: AbortedTxn[] = [];
    for (const c of w.pending.completed) {
      if (c.aborted) aborted.push({ producerId: c.producerId, firstOffset: c.firstOffset, lastOffset: c.lastOffset, lastStableOffset: c.lastStableOffset });
    }
    if (aborted.length > 0) {
      try {
        await w.segment.txnIndex.append(aborted);
      } catch (err) {
        // The marker is in the log but read_committed could not learn of the abort:
        // offline, like a failed fsync; a restart rebuilds the entry from the log.
        return fail(this.#goOffline(err));
      }
    }
    this.#producerState.commit(w.pending, w.next);
    this.#inFlight.shift();
    for (const f of this.#inFlight) if (f.pending.parent === w.pending) f.pending.parent = null;
    if (this.#highWatermark < this.#logStartOffset) this.#highWatermark = this.#logStartOffset;
    this.#unflushedMessages += w.messages;
    try {
      if (this.#unflushedMessages >= this.#config.flushMessages) {
        await this.#flushActive();
      } else {
        this.#armFlushTimer();
      }
    } catch (err) {
      return fail(this.#goOffline(err));
    }
    return w.acks;
  }

  #duplicateInfo(d: BatchMetadata, logAppendTime: boolean): LogAppendInfo {
    const firstOffset = firstOffsetOf(d);
    return {
      firstOffset,
      lastOffset: d.lastOffset,
      maxTimestamp: d.timestamp,
      offsetOfMaxTimestamp: firstOffset,
      logAppendTime: logAppendTime ? d.timestamp : -1,
      recordCount: 0,
      validBytes: 0,
      logStartOffset: this.#logStartOffset,
      duplicate: true,
    };
  }

  #goOffline(err: unknown): KafkaStorageError {
    const error = storageErrorFrom(err, `log ${this.topic}-${this.partition}`);
    if (this.#offline === null) {
      this.#offline = error;
      this.#ctx.logger.error({ log: this.dir, err: error.message }, 'log taken offline after an fsync failure');
    }
    return error;
  }

  /** fsync every segment with unflushed data; the recovery point becomes the log end. */
  async #flushActive(): Promise<void> {
    const end = this.#logEndOffset;
    await this.#inactiveFlushes;
    await this.activeSegment.flush();
    this.#unflushedMessages = 0;
    this.#lastFlushMs = this.#ctx.clock.now();
    if (end > this.#recoveryPoint) this.#recoveryPoint = end;
  }

  #armFlushTimer(): void {
    if (this.#cancelFlushTimer !== null || this.#config.flushMs >= Number.MAX_SAFE_INTEGER) return;
    const due = Math.max(0, this.#lastFlushMs + this.#config.flushMs - this.#ctx.clock.now());
    this.#cancelFlushTimer = this.#ctx.clock.schedule(due, () => {
      this.#cancelFlushTimer = null;
      if (this.#unflushedMessages > 0 && !this.#closed) this.flush().catch(() => undefined);
    });
  }

  /** fsyncs everything appended so far (flush.ms, shutdown, or an explicit request). */
  flush(): Promise<void> {
    return this.#exclusive(async () => {
      if (this.#offline !== null) throw this.#offline;
      if (this.#recoveryPoint >= this.#logEndOffset && this.#unflushedMessages === 0) {
        await this.#inactiveFlushes;
        return;
      }
      try {
        await this.#flushActive();
      } catch (err) {
        throw this.#goOffline(err);
      }
    });
  }

  /** Starts a new segment at the log end (the active one is kept unless empty). */
  roll(): Promise<void> {
    return this.#exclusive(() => this.#roll(this.#logEndOffset));
  }

  /**
   * Reads stored batches from `fetchOffset`. Throws OffsetOutOfRangeError outside
   * [logStartOffset, logEndOffset], CorruptLogError when the first batch to serve fails its
   * CRC (later corrupt batches just end the result early). 'committed' reads stop at the
   * last stable offset and list the aborted transactions overlapping what they return.
   */
  async read(fetchOffset: number, options: ReadOptions): Promise<FetchDataInfo> {
    this.#checkUsable();
    const logEnd = this.#logEndOffset;
    const lastStable = this.lastStableOffset;
    const committed = options.isolation === 'committed';
    const upper = options.isolation === 'high_watermark' ? this.#highWatermark : committed ? lastStable : logEnd;
    const info: FetchDataInfo = {
      records: Buffer.alloc(0),
      fetchOffset,
      nextOffset: fetchOffset,
      logStartOffset: this.#logStartOffset,
      logEndOffset: logEnd,
      highWatermark: this.#highWatermark,
      lastStableOffset: lastStable,
      abortedTransactions: committed ? [] : null,
    };
    if (fetchOffset < this.#logStartOffset || fetchOffset > logEnd) {
      throw new OffsetOutOfRangeError(`offset ${fetchOffset} outside [${this.#logStartOffset}, ${logEnd}] of ${this.topic}-${this.partition}`);
    }
    if (fetchOffset >= upper) return info;
    const segments = this.#segments;
    let i = Math.max(0, floorSegment(segments, fetchOffset));
    for (; i < segments.length; i++) {
      const seg = segments[i]!;
      let result;
      try {
        result = await seg.read(Math.max(fetchOffset, seg.baseOffset), options.maxBytes, upper, options.minOneMessage ?? true);
      } catch (err) {
        if (err instanceof StorageError) throw err;
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new OffsetOutOfRangeError(`offset ${fetchOffset} was deleted by retention while being read`);
        }
        throw storageErrorFrom(err, `read of ${this.topic}-${this.partition}`);
      }
      if (result !== null) {
        info.records = result.records;
        info.nextOffset = result.nextOffset;
        if (committed) info.abortedTransactions = await this.#collectAbortedTransactions(segments, i, fetchOffset, result.nextOffset);
        return info;
      }
    }
    return info;
  }

  /**
   * Kafka's collectAbortedTransactions: from the segment holding the fetch offset on, the
   * aborted transactions with lastOffset >= fetchOffset and firstOffset < upperBound
   * (the offset after the returned data); stops at the first entry whose LSO reached the
   * upper bound (every transaction starting below it had ended by then).
   */
  async #collectAbortedTransactions(segments: readonly LogSegment[], from: number, fetchOffset: number, upperBound: number):
  Promise<Array<{ producerId: number; firstOffset: number }>> {
    const out: Array<{ producerId: number; firstOffset: number }> = [];
    for (let i = from; i < segments.length; i++) {
      let found;
      try {
        found = await segments[i]!.txnIndex.collect(fetchOffset, upperBound);
      } catch (err) {
        throw storageErrorFrom(err, `transaction index of ${this.topic}-${this.partition}`);
      }
      for (const t of found.txns) out.push({ producerId: t.producerId, firstOffset: t.firstOffset });
      if (found.complete) break;
    }
    return out;
  }

  /**
   * ListOffsets by timestamp: the first batch whose maxTimestamp >= `timestamp`, as
   * (its base offset, its max timestamp), or null when no batch is that late. Batch
   * granularity: see DESIGN.md.
   */
  async fetchOffsetByTimestamp(timestamp: number): Promise<{ offset: number; timestamp: number } | null> {
    this.#checkUsable();
    for (const seg of this.#segments) {
      if (seg !== this.activeSegment && (await seg.maxTimestamp()) < timestamp) continue;
      const b = await seg.findBatchByTimestamp(timestamp);
      if (b !== null && b.lastOffset >= this.#logStartOffset) {
        // The batch holds the answer; which record it is takes reading the records (ListOffsets
        // answers the first record at or after the timestamp, not the batch, as Kafka does).
        const found = await this.#recordInBatch(seg, b, (ts, offset) => ts >= timestamp && offset >= this.#logStartOffset);
        return found ?? { offset: Math.max(b.baseOffset, this.#logStartOffset), timestamp: b.maxTimestamp };
      }
    }
    return null;
  }

  /** Offset of the first record with the largest timestamp (ListOffsets -3, KIP-734). */
  async maxTimestampAndOffset(): Promise<{ offset: number; timestamp: number } | null> {
    let best: { seg: LogSegment; batch: StoredBatch } | null = null;
    for (const seg of this.#segments) {
      await seg.forEachBatch((b) => {
        if (best === null || b.maxTimestamp > best.batch.maxTimestamp) best = { seg, batch: b };
      });
    }
    if (best === null) return null;
    const { seg, batch } = best as { seg: LogSegment; batch: StoredBatch };
    return await this.#recordInBatch(seg, batch, (ts) => ts === batch.maxTimestamp)
      ?? { offset: batch.baseOffset, timestamp: batch.maxTimestamp };
  }

  /** The first record of a stored batch that `match`es (decompressing it if need be). */
  async #recordInBatch(seg: LogSegment, b: StoredBatch, match: (timestamp: number, offset: number) => boolean):
  Promise<{ offset: number; timestamp: number } | null> {
    const bytes = await seg.readAt(b.position, b.size);
    const batch = new RecordBatch(bytes);
    if (batch.timestampType === TimestampType.LogAppendTime) {
      return match(b.maxTimestamp, b.baseOffset) ? { offset: b.baseOffset, timestamp: b.maxTimestamp } : null;
    }
    for (const r of batch.records()) {
      const ts = Number(r.timestamp);
      const offset = Number(r.offset);
      if (match(ts, offset)) return { offset, timestamp: ts };
    }
    return null;
  }

  /** Serialises retention, DeleteRecords and cleaner swaps with each other (not with appends). */
  maintenance<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#maintenance.then(fn, fn);
    this.#maintenance = run.catch(() => undefined);
    return run;
  }

  /**
   * DeleteRecords: moves logStartOffset up to `offset` (at most the high watermark) and
   * deletes segments wholly below it. Returns the new log start offset.
   */
  deleteRecordsTo(offset: number): Promise<number> {
    return this.maintenance(async () => {
      this.#checkUsable();
      if (offset > this.#highWatermark) {
        throw new OffsetOutOfRangeError(`cannot delete records to ${offset}, above the high watermark ${this.#highWatermark}`);
      }
      if (offset > this.#logStartOffset) {
        this.#logStartOffset = offset;
        this.#ctx.logger.info({ log: this.dir, logStartOffset: offset }, 'log start offset moved by DeleteRecords');
      }
      await this.#deleteSegmentsBelowLogStart();
      return this.#logStartOffset;
    });
  }

  async #deleteSegmentsBelowLogStart(): Promise<number> {
    let deleted = 0;
    for (;;) {
      const segments = this.#segments;
      let n = 0;
      while (n < segments.length - 1 && segments[n + 1]!.baseOffset <= this.#logStartOffset) n++;
      if (n > 0) {
        await this.#deleteSegments(n);
        deleted += n;
      } else if (segments.length === 1 && this.#logStartOffset >= this.#logEndOffset && this.activeSegment.size > 0) {
        // Everything is below the log start: roll so the old active segment can go.
        await this.roll();
      } else {
        return deleted;
      }
    }
  }

  /**
   * Retention (cleanup.policy includes delete): removes the oldest segments past
   * retention.ms or beyond retention.bytes, and any wholly below logStartOffset. The
   * active segment is rolled first when it has to go too. Returns segments deleted.
   */
  deleteOldSegments(): Promise<number> {
    return this.maintenance(async () => {
      if (this.#offline !== null || this.#closed) return 0;
      let deleted = await this.#deleteSegmentsBelowLogStart();
      if (!this.#config.cleanupPolicy.includes('delete')) return deleted;
      const now = this.#ctx.clock.now();
      let count = 0;
      let segments = this.#segments;
      let excess = this.#config.retentionBytes >= 0 ? this.size - this.#config.retentionBytes : -1;
      for (const seg of segments) {
        if (seg.size === 0) break;
        let expired = false;
        if (this.#config.retentionMs >= 0) {
          let ts = await seg.maxTimestamp();
          if (ts < 0) ts = (await this.#ctx.fs.stat(seg.path))?.mtimeMs ?? now;
          expired = now - ts > this.#config.retentionMs;
        }
        const overSize = excess >= 0 && excess >= seg.size;
        if (!expired && !overSize) break;
        excess -= seg.size;
        count++;
      }
      if (count === 0) return deleted;
      if (count === segments.length) {
        await this.roll();
        segments = this.#segments;
      }
      const upTo = segments[count]!.baseOffset;
      if (upTo > this.#logStartOffset) this.#logStartOffset = Math.min(upTo, this.#logEndOffset);
      if (this.#highWatermark < this.#logStartOffset) this.#highWatermark = this.#logStartOffset;
      deleted += await this.#deleteSegmentsBelowLogStart();
      return deleted;
    });
  }

  /** Removes the first `n` segments: out of the list at once, renamed `.deleted`, unlinked after file.delete.delay.ms. */
  async #deleteSegments(n: number): Promise<void> {
    if (n <= 0) return;
    // The snapshot taken when the surviving segments rolled must be on disk before the
    // segments below go: without it a restart could only replay what is left.
    await this.#producerState.awaitFileOps();
    const doomed = this.#segments.slice(0, n);
    this.#segments = this.#segments.slice(n);
    const first = this.#segments[0]!.baseOffset;
    if (this.#logStartOffset < first) this.#logStartOffset = first;
    if (this.#highWatermark < this.#logStartOffset) this.#highWatermark = this.#logStartOffset;
    for (const seg of doomed) {
      this.#ctx.logger.info({ segment: seg.path, bytes: seg.size }, 'deleting segment');
      await seg.changeSuffix(DELETED_FILE_SUFFIX);
      this.#scheduleDelete(seg);
    }
    // Their producers stay in memory and in newer snapshots (KIP-360) until they expire.
    await this.#producerState.deleteSnapshotsBelow(first);
  }

  #scheduleDelete(seg: LogSegment): void {
    this.#pendingDeletes.add(seg);
    const cancel = this.#ctx.clock.schedule(this.#config.fileDeleteDelayMs, () => {
      this.#cancelDeletes.delete(cancel);
      this.#pendingDeletes.delete(seg);
      seg.deleteFiles().catch((err: unknown) => {
        this.#ctx.logger.warn({ segment: seg.path, err: String(err) }, 'could not delete segment files');
      });
    });
    this.#cancelDeletes.add(cancel);
  }

  /**
   * LogCleaner's swap: `cleaned` (a new segment, already written and fsynced under the
   * `.swap` name) replaces the segment with the same base offset. Appends continue.
   */
  async replaceSegment(cleaned: LogSegment): Promise<void> {
    const i = this.#segments.findIndex((s) => s.baseOffset === cleaned.baseOffset);
    if (i < 0 || i === this.#segments.length - 1) {
      await cleaned.deleteFiles();
      return;
    }
    const old = this.#segments[i]!;
    await old.changeSuffix(DELETED_FILE_SUFFIX);
    await cleaned.changeSuffix('');
    await this.#ctx.fs.syncDir(this.dir);
    const next = this.#segments.slice();
    next[i] = cleaned;
    this.#segments = next;
    this.#scheduleDelete(old);
  }

  /**
   * Follower truncation: removes every batch at or after `offset`, and rebuilds producer
   * state from the newest snapshot still below the new end (Kafka's truncateAndReload).
   */
  truncateTo(offset: number): Promise<void> {
    return this.#exclusive(async () => {
      if (offset >= this.#logEndOffset) return;
      // A roll snapshot still being written may lie above the new end: let it land first,
      // so the reload below deletes it rather than it appearing afterwards.
      await this.#inactiveFlushes;
      await this.#producerState.awaitFileOps();
      const keep = this.#segments.filter((s, i) => i === 0 || s.baseOffset < offset);
      const drop = this.#segments.filter((s, i) => i !== 0 && s.baseOffset >= offset);
      this.#segments = keep;
      for (const d of drop) await d.deleteFiles();
      const active = this.activeSegment;
      active.pin();
      await active.truncateTo(offset);
      this.#logEndOffset = await active.nextOffset();
      this.#recoveryPoint = Math.min(this.#recoveryPoint, this.#logEndOffset);
      this.updateHighWatermark(this.#highWatermark);
      await UnifiedLog.#rebuildProducerState(this.#ctx, this.#producerState, this.#segments, this.#logEndOffset);
    });
  }

  /**
   * Forgets producers idle for producer.id.expiration.ms (LogManager runs this every
   * producer.id.expiration.check.interval.ms). Returns how many were removed.
   */
  async removeExpiredProducers(expirationMs: number): Promise<number> {
    let removed = 0;
    await this.#exclusive(async () => {
      if (this.#closed || this.#offline !== null) return;
      removed = this.#producerState.removeExpiredProducers(this.#ctx.clock.now(), expirationMs);
    });
    return removed;
  }

  /** Flushes and closes: the caller (LogManager) writes checkpoints and the clean-shutdown marker. */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#offline === null) await this.flush();
    await this.#exclusive(async () => {
      this.#closed = true;
    });
    await this.#inactiveFlushes;
    // The state at the log end, so the next start replays nothing (Kafka does the same).
    if (this.#offline === null) await this.#producerState.takeSnapshot();
    this.#cancelFlushTimer?.();
    for (const cancel of this.#cancelDeletes) cancel();
    for (const seg of this.#pendingDeletes) await seg.deleteFiles().catch(() => undefined);
    for (const seg of this.#segments) {
      if (this.#offline === null) await seg.persistIndexes(true);
      await seg.close(this.#offline === null);
    }
  }

  /** Deletes the whole log directory (topic deletion). */
  async delete(): Promise<void> {
    this.#cancelFlushTimer?.();
    this.#closed = true;
    await this.#producerState.awaitFileOps();
    for (const cancel of this.#cancelDeletes) cancel();
    for (const seg of [...this.#segments, ...this.#pendingDeletes]) await seg.deleteFiles().catch(() => undefined);
    await this.#ctx.fs.rmdir(this.dir);
  }
}
