import { join } from 'node:path';
import { Attributes, BatchOffsets, ControlRecordType, RecordBatch, crc32c, readEndTransactionMarker } from '@samsa/protocol';
import type { StoredBatch } from './batch-scan.ts';
import {
  InvalidProducerEpochError, InvalidTxnStateError, OutOfOrderSequenceError, TransactionCoordinatorFencedError, UnknownProducerIdError,
} from './errors.ts';
import {
  PRODUCER_SNAPSHOT_FILE_SUFFIX, TMP_FILE_SUFFIX, offsetFromFileName, producerSnapshotFileName,
} from './log-file-utils.ts';
import type { StorageContext } from './storage-context.ts';
import { replaceFileAtomically } from './storage-fs.ts';

/**
 * A partition's producer state (Kafka's ProducerStateManager, KIP-98): per producer id
 * the current epoch and the metadata of its last five batches, so that a retried batch
 * is recognised and answered with the offsets it was first written at, and a batch out
 * of sequence or from a fenced epoch is refused. Transactions too: each producer's open
 * transaction (currentTxnFirstOffset), the open ones of the partition in offset order,
 * from which the log computes its first unstable offset and last stable offset, the
 * coordinator epoch of the last marker (older coordinators are fenced), and the KIP-890
 * verification guards handed out to produces that may open a transaction.
 *
 * On disk: `<20-digit offset>.snapshot` files beside the segments, each the whole state
 * after every batch below that offset (layout below). One is taken when a segment rolls
 * (written in the background, off the append path) and one when the log closes cleanly.
 *
 * Invariants: the in-memory state always reflects every batch below `mapEndOffset`, which
 * is the log end offset between appends (UnifiedLog commits a run's updates right after
 * the run's bytes are written, under the same append queue that assigns offsets). A
 * snapshot file is never above the log end offset and never below the first segment's
 * base offset: snapshots above are deleted when the log is truncated (crash recovery,
 * follower truncation), snapshots below when retention deletes the segments they cover.
 * State of producers whose batches retention deleted is kept (KIP-360: forgetting a live
 * producer turns its next batch into UNKNOWN_PRODUCER_ID) until producer.id.expiration.ms.
 *
 * Crash behaviour: a snapshot replaces its file atomically (replaceFileAtomically), so a
 * reader sees a whole file or none; a file that still fails its CRC is deleted and the
 * next older one used. Loading takes the newest valid snapshot at or below the log end
 * and replays batch headers from there to the log end; without any, it replays the
 * whole log. A lost snapshot therefore costs replay time, never correctness, except that
 * state kept only for producers whose batches retention already deleted is gone. Open
 * transactions are rebuilt from the snapshot's currentTxnFirstOffset fields plus the
 * replay; transactions ended but not yet replicated and verification guards are memory
 * only (a reload starts with none: a produce holding an old guard is refused and retried).
 *
 * Snapshot layout (big-endian), version 1:
 *   int16  version
 *   uint32 CRC-32C of every byte after this field
 *   int32  producer count
 *   per producer:
 *     int64 producerId, int16 producerEpoch, int32 coordinatorEpoch,
 *     int64 currentTxnFirstOffset (-1: none), int64 lastUpdateMs (broker clock),
 *     int8  batch count (0..5), then per batch, oldest first:
 *       int32 lastSequence, int64 lastOffset, int32 offsetDelta, int64 timestamp
 * Kafka's own snapshot keeps only the last batch per producer; keeping all five lets a
 * producer's in-flight retries be recognised after a restart too.
 */

/** Kafka's NUM_BATCHES_TO_RETAIN: idempotent producers keep at most 5 requests in flight. */
export const NUM_BATCHES_TO_RETAIN = 5;

const INT32_MAX = 0x7fffffff;
const TWO_32 = 4294967296;
const SNAPSHOT_VERSION = 1;
const HEADER_BYTES = 2 + 4 + 4;
const ENTRY_BYTES = 8 + 2 + 4 + 8 + 8 + 1;
const BATCH_BYTES = 4 + 8 + 4 + 8;
const CRC_START = 6;
/** Kafka's default transaction.max.timeout.ms: how long an unused verification guard is kept. */
const DEFAULT_VERIFICATION_TIMEOUT_MS = 15 * 60_000;

/** Sequences wrap from Int32.MAX_VALUE to 0 (Kafka's DefaultRecordBatch.incrementSequence). */
export function incrementSequence(sequence: number, increment: number): number {
  return sequence > INT32_MAX - increment ? increment - (INT32_MAX - sequence) - 1 : sequence + increment;
}

export function decrementSequence(sequence: number, decrement: number): number {
  return sequence - decrement < 0 ? INT32_MAX - (decrement - sequence) + 1 : sequence - decrement;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

/** An int64 as a number; exact for |n| < 2^53, which is all offsets, times and producer ids here. */
export function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * TWO_32 + buf.readUInt32BE(at + 4);
}

function writeInt64(buf: Buffer, value: number, at: number): void {
  const hi = Math.floor(value / TWO_32);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(value - hi * TWO_32, at + 4);
}

/** One batch a producer wrote (Kafka's BatchMetadata). */
export interface BatchMetadata {
  lastSeq: number;
  lastOffset: number;
  /** lastOffset - firstOffset, which is also lastSeq - firstSeq (modulo the wrap). */
  offsetDelta: number;
  /** The batch's stored maxTimestamp. */
  timestamp: number;
}

export function firstSeqOf(b: BatchMetadata): number {
  return decrementSequence(b.lastSeq, b.offsetDelta);
}

export function firstOffsetOf(b: BatchMetadata): number {
  return b.lastOffset - b.offsetDelta;
}

/** Where an append comes from (Kafka's AppendOrigin): it decides how much is checked. */
export type AppendOrigin = 'client' | 'coordinator' | 'replication';

/** The COMMIT/ABORT a transaction marker carries (its control record). */
export interface MarkerInfo {
  committed: boolean;
  coordinatorEpoch: number;
}

/** What the state needs of a batch header: the producer fields, read without decoding records. */
export interface ProducerBatchHeader {
  /** -1 when the batch has no producer id. */
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
  /** The offset the batch carries (a follower's batches keep the leader's). */
  originalBaseOffset: number;
  maxTimestamp: number;
  isTransactional: boolean;
  /** A control batch (transaction markers are written by a transaction coordinator, never by a client). */
  isControl: boolean;
  /** For a control batch holding a COMMIT or ABORT marker: its fields; null otherwise. */
  marker: MarkerInfo | null;
}

/** One producer's transaction in this partition (Kafka's TxnMetadata). */
export interface TxnMetadata {
  producerId: number;
  firstOffset: number;
  /** Offset of the marker that ended it; -1 while it is open. */
  lastOffset: number;
}

/**
 * A transaction a marker ended (Kafka's CompletedTxn), with the last stable offset the
 * partition had right after it: the first offset of the oldest transaction of another
 * producer still open, else the offset after the marker. Aborted ones become entries of
 * the segment's `.txnindex`.
 */
export interface CompletedTxn {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
  aborted: boolean;
  lastStableOffset: number;
}

/**
 * KIP-890 part 1's VerificationGuard: an object the partition hands out before a
 * produce asks the transaction coordinator whether the partition is in the producer's
 * transaction. Only a batch carrying the very guard still stored for its producer may
 * open a transaction; a marker (or any transactional write) removes the stored one, so a
 * verification that raced with an abort can never open a hanging transaction.
 */
export class VerificationGuard {
  /** Handed out when the producer already has a transaction open: nothing to verify, and it verifies nothing. */
  static readonly SENTINEL = new VerificationGuard();
  readonly createdMs: number;

  constructor(createdMs = -1) {
    this.createdMs = createdMs;
  }

  /** True when `requestGuard` is this (non-sentinel) guard. */
  verify(requestGuard: VerificationGuard | undefined): boolean {
    return this !== VerificationGuard.SENTINEL && this === requestGuard;
  }
}

/** Kafka's VerificationStateEntry: the guard handed out for a producer and what it was asked with. */
export interface VerificationStateEntry {
  guard: VerificationGuard;
  producerEpoch: number;
  lowestSequence: number;
}

/**
 * What a group of appends validated by checkAppend will change once its bytes are
 * written: the producers' new entries, the transactions opened and ended, and the
 * producers whose verification entries go. `commit` applies it.
 *
 * While an earlier group is still being written, a later one is checked on top of it:
 * `parent` is that group's pending state, seen by the checks before the committed state.
 * The log sets it back to null once the parent is committed (its changes are then in the
 * state itself), so chains never grow past the writes in flight.
 */
export class PendingProducerState {
  readonly entries = new Map<number, ProducerStateEntry>();
  readonly started: TxnMetadata[] = [];
  readonly completed: CompletedTxn[] = [];
  readonly clearVerification = new Set<number>();
  parent: PendingProducerState | null;

  constructor(parent: PendingProducerState | null = null) {
    this.parent = parent;
  }

  /** The producer's entry as changed by this group or the groups it was checked on top of. */
  entry(producerId: number): ProducerStateEntry | undefined {
    return this.entries.get(producerId) ?? this.parent?.entry(producerId);
  }

  /** Transactions opened (oldest first) by the groups this one was checked on top of, then by this one. */
  allStarted(): TxnMetadata[] {
    return this.parent === null ? this.started : [...this.parent.allStarted(), ...this.started];
  }

  allCompleted(): CompletedTxn[] {
    return this.parent === null ? this.completed : [...this.parent.allCompleted(), ...this.completed];
  }

  clear(): void {
    this.entries.clear();
    this.started.length = 0;
    this.completed.length = 0;
    this.clearVerification.clear();
  }
}

/** One producer id's state in one partition (Kafka's ProducerStateEntry). */
export class ProducerStateEntry {
  readonly producerId: number;
  /** -1 until a batch was seen: an entry with no epoch is a producer the partition does not know. */
  producerEpoch: number;
  /** Oldest first, at most NUM_BATCHES_TO_RETAIN, all of `producerEpoch`. */
  batches: BatchMetadata[];
  /** Epoch of the last transaction coordinator that wrote a marker for this producer (-1: none). */
  coordinatorEpoch: number;
  /** First offset of the producer's open transaction, -1 when none is open. */
  currentTxnFirstOffset: number;
  /** Broker time of the last batch (expiry uses it, not the producer's clock). */
  lastUpdateMs: number;

  constructor(producerId: number, producerEpoch = -1, batches: BatchMetadata[] = [], coordinatorEpoch = -1, currentTxnFirstOffset = -1, lastUpdateMs = -1) {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.batches = batches;
    this.coordinatorEpoch = coordinatorEpoch;
    this.currentTxnFirstOffset = currentTxnFirstOffset;
    this.lastUpdateMs = lastUpdateMs;
  }

  clone(): ProducerStateEntry {
    return new ProducerStateEntry(this.producerId, this.producerEpoch, this.batches.slice(), this.coordinatorEpoch,
      this.currentTxnFirstOffset, this.lastUpdateMs);
  }

  /** Last sequence written in the current epoch, -1 when none. */
  get lastSeq(): number {
    return this.batches.length === 0 ? -1 : this.batches[this.batches.length - 1]!.lastSeq;
  }

  get lastOffset(): number {
    return this.batches.length === 0 ? -1 : this.batches[this.batches.length - 1]!.lastOffset;
  }

  /** Producer timestamp of the last data batch (DescribeProducers' lastTimestamp), -1 when none. */
  get lastTimestamp(): number {
    return this.batches.length === 0 ? -1 : this.batches[this.batches.length - 1]!.timestamp;
  }

  /** A transaction marker: ends the producer's transaction and records the coordinator epoch. */
  endTransaction(epoch: number, coordinatorEpoch: number, nowMs: number): void {
    this.updateEpoch(epoch);
    this.coordinatorEpoch = coordinatorEpoch;
    this.currentTxnFirstOffset = -1;
    this.lastUpdateMs = nowMs;
  }

  /** A new epoch starts an empty batch list, as Kafka's maybeUpdateProducerEpoch does. */
  updateEpoch(epoch: number): void {
    if (epoch !== this.producerEpoch) {
      this.producerEpoch = epoch;
      this.batches = [];
    }
  }

  addBatch(epoch: number, lastSeq: number, lastOffset: number, offsetDelta: number, timestamp: number, nowMs: number): void {
    this.updateEpoch(epoch);
    this.batches.push({ lastSeq, lastOffset, offsetDelta, timestamp });
    if (this.batches.length > NUM_BATCHES_TO_RETAIN) this.batches.shift();
    this.lastUpdateMs = nowMs;
  }

  /** The retained batch with exactly this epoch and sequence range, or null. */
  findDuplicate(epoch: number, firstSeq: number, lastSeq: number): BatchMetadata | null {
    if (epoch !== this.producerEpoch) return null;
    for (const b of this.batches) {
      if (b.lastSeq === lastSeq && firstSeqOf(b) === firstSeq) return b;
    }
    return null;
  }
}

/** Verdict on one append: the earlier batch it repeats, or null when it is new and valid. */
export interface AppendCheck {
  duplicate: BatchMetadata | null;
}

/** Options of checkAppend beyond the batches. */
export interface CheckOptions {
  origin: AppendOrigin;
  /** Broker time written into the batches (LogAppendTime topics), or -1. */
  logAppendTime: number;
  nowMs: number;
  /** The guard a client append carries (KIP-890); see VerificationGuard. */
  verificationGuard?: VerificationGuard | undefined;
  /** transaction.partition.verification.enable */
  verificationEnabled: boolean;
}

/**
 * COMMIT/ABORT and coordinator epoch of a control batch at `view[at..at+size)`, or null
 * when it holds another control type, no record, or cannot be read.
 */
export function readMarker(view: Buffer, at: number, size: number): MarkerInfo | null {
  try {
    const m = readEndTransactionMarker(new RecordBatch(view.subarray(at, at + size)));
    return m === null ? null : { committed: m.type === ControlRecordType.COMMIT, coordinatorEpoch: m.coordinatorEpoch };
  } catch {
    return null;
  }
}

/** Reads the producer fields of the stored batch at `at` of `view` (header only; a marker's record too). */
function headerAt(view: Buffer, at: number, batch: StoredBatch): ProducerBatchHeader | null {
  if (view.readInt32BE(at + BatchOffsets.producerId) < 0) return null;
  const isControl = (batch.attributes & Attributes.CONTROL) !== 0;
  return {
    producerId: readInt64(view, at + BatchOffsets.producerId),
    producerEpoch: view.readInt16BE(at + BatchOffsets.producerEpoch),
    baseSequence: view.readInt32BE(at + BatchOffsets.baseSequence),
    lastOffsetDelta: batch.lastOffset - batch.baseOffset,
    originalBaseOffset: batch.baseOffset,
    maxTimestamp: batch.maxTimestamp,
    isTransactional: (batch.attributes & Attributes.TRANSACTIONAL) !== 0,
    isControl,
    marker: isControl && batch.recordCount > 0 ? readMarker(view, at, batch.size) : null,
  };
}

export class ProducerStateManager {
  readonly dir: string;
  #ctx: StorageContext;
  #producers = new Map<number, ProducerStateEntry>();
  /** Open transactions, ascending by first offset (Kafka's ongoingTxns). */
  #ongoing: TxnMetadata[] = [];
  /** Ended transactions whose marker is not yet below the high watermark, ascending by first offset. */
  #unreplicated: TxnMetadata[] = [];
  /** KIP-890 guards handed out and not yet used, by producer id. */
  #verification = new Map<number, VerificationStateEntry>();
  #mapEndOffset = 0;
  /** Offsets of the snapshot files on disk (or being written), ascending. */
  #snapshots: number[] = [];
  /** Snapshot writes and deletions, in the order they were asked for. */
  #fileOps: Promise<void> = Promise.resolve();

  private constructor(ctx: StorageContext, dir: string, snapshots: number[]) {
    this.#ctx = ctx;
    this.dir = dir;
    this.#snapshots = snapshots;
  }

  /** The manager of `dir`, given the names found there; nothing is read until truncateAndReload(). */
  static open(ctx: StorageContext, dir: string, fileNames: Iterable<string>): ProducerStateManager {
    const snapshots: number[] = [];
    for (const name of fileNames) {
      if (!name.endsWith(PRODUCER_SNAPSHOT_FILE_SUFFIX)) continue;
      const offset = offsetFromFileName(name);
      if (offset !== null && name === producerSnapshotFileName(offset)) snapshots.push(offset);
    }
    snapshots.sort((a, b) => a - b);
    return new ProducerStateManager(ctx, dir, snapshots);
  }

  /** The state reflects every batch below this offset. */
  get mapEndOffset(): number {
    return this.#mapEndOffset;
  }

  get producerCount(): number {
    return this.#producers.size;
  }

  /** Offsets of the snapshot files, ascending. */
  get snapshotOffsets(): readonly number[] {
    return this.#snapshots;
  }

  lastEntry(producerId: number): ProducerStateEntry | undefined {
    return this.#producers.get(producerId);
  }

  activeProducers(): IterableIterator<ProducerStateEntry> {
    return this.#producers.values();
  }

  /** Open transactions, oldest first. */
  get ongoingTransactions(): readonly TxnMetadata[] {
    return this.#ongoing;
  }

  /**
   * Kafka's firstUnstableOffset: the first offset of the oldest transaction that is open,
   * or ended by a marker the high watermark has not passed yet; null when there is none.
   */
  firstUnstableOffset(): number | null {
    const open = this.#ongoing[0]?.firstOffset;
    const unreplicated = this.#unreplicated[0]?.firstOffset;
    if (open === undefined) return unreplicated ?? null;
    return unreplicated === undefined ? open : Math.min(open, unreplicated);
  }

  /** Transactions whose markers are now below the high watermark stop holding the LSO back. */
  onHighWatermarkUpdated(highWatermark: number): void {
    if (this.#unreplicated.length === 0) return;
    this.#unreplicated = this.#unreplicated.filter((t) => t.lastOffset >= highWatermark);
  }

  /** True when the producer has a transaction open at this epoch (Kafka 3.8's hasOngoingTransaction). */
  hasOngoingTransaction(producerId: number, producerEpoch: number): boolean {
    const e = this.#producers.get(producerId);
    return e !== undefined && e.currentTxnFirstOffset >= 0 && e.producerEpoch === producerEpoch;
  }

  /**
   * KIP-890: the guard to carry through verification for a produce of this producer
   * (created, or the one already handed out and not yet used).
   */
  maybeCreateVerificationStateEntry(producerId: number, sequence: number, epoch: number): VerificationStateEntry {
    let entry = this.#verification.get(producerId);
    if (entry === undefined) {
      entry = { guard: new VerificationGuard(this.#ctx.clock.now()), producerEpoch: epoch, lowestSequence: sequence };
      this.#verification.set(producerId, entry);
    } else {
      // Kafka's maybeUpdateLowestSequenceAndEpoch: a newer epoch resets, an older one is ignored.
      if (epoch > entry.producerEpoch) {
        entry.producerEpoch = epoch;
        entry.lowestSequence = sequence;
      } else if (epoch === entry.producerEpoch && sequence < entry.lowestSequence) {
        entry.lowestSequence = sequence;
      }
    }
    return entry;
  }

  verificationStateEntry(producerId: number): VerificationStateEntry | undefined {
    return this.#verification.get(producerId);
  }

  /** The view of one producer a check sees: this append's updates, then the group's, then the state. */
  #current(producerId: number, updated: Map<number, ProducerStateEntry>, pending: PendingProducerState): ProducerStateEntry | undefined {
    return updated.get(producerId) ?? pending.entry(producerId) ?? this.#producers.get(producerId);
  }

  /**
   * Checks one append (a client's or a coordinator's batches for this partition, or a
   * follower's copy of the leader's) and records what it changes in `pending`, the
   * appends validated but not yet written. `firstOffset` is the offset the log will give
   * the first batch when it assigns offsets. Throws a ProducerStateError (nothing of the
   * append recorded) as Kafka's ProducerAppendInfo does:
   *
   * - client data batches: sequence and epoch (idempotence), a retry of one of the last
   *   five batches comes back as a duplicate; coordinator data batches (TxnOffsetCommit):
   *   epoch only; follower batches: nothing.
   * - a non-transactional batch while the producer has a transaction open:
   *   INVALID_TXN_STATE; a client's transactional batch that would open one without the
   *   producer's verification guard (KIP-890): INVALID_TXN_STATE.
   * - markers: epoch older than the producer's: INVALID_PRODUCER_EPOCH (an equal epoch is
   *   fine: Kafka 3.x markers carry the transaction's epoch); coordinator epoch older than
   *   the last marker's: TRANSACTION_COORDINATOR_FENCED. A marker ends the producer's open
   *   transaction (a CompletedTxn; none when nothing was open).
   */
  checkAppend(batches: readonly ProducerBatchHeader[], firstOffset: number, pending: PendingProducerState, o: CheckOptions): AppendCheck {
    const checked = o.origin !== 'replication';
    const updated = new Map<number, ProducerStateEntry>();
    const started: TxnMetadata[] = [];
    const completed: CompletedTxn[] = [];
    const touched: number[] = [];
    let cursor = firstOffset;
    for (const b of batches) {
      const base = checked ? cursor : b.originalBaseOffset;
      cursor = base + b.lastOffsetDelta + 1;
      if (b.producerId < 0) continue;
      const lastSeq = b.baseSequence < 0 ? -1 : incrementSequence(b.baseSequence, b.lastOffsetDelta);
      if (o.origin === 'client' && !b.isControl) {
        const before = pending.entry(b.producerId) ?? this.#producers.get(b.producerId);
        const duplicate = before?.findDuplicate(b.producerEpoch, b.baseSequence, lastSeq) ?? null;
        if (duplicate !== null) return { duplicate };
      }
      let entry = updated.get(b.producerId);
      if (entry === undefined) {
        entry = this.#current(b.producerId, updated, pending)?.clone() ?? new ProducerStateEntry(b.producerId);
        updated.set(b.producerId, entry);
      }
      if (b.isTransactional) touched.push(b.producerId);
      if (b.isControl) {
        if (b.marker === null) continue;
        if (checked) {
          if (b.producerEpoch < entry.producerEpoch) {
            throw new InvalidProducerEpochError(`marker epoch ${b.producerEpoch} of ${this.#where(b.producerId, base)} is older than the last seen epoch ${entry.producerEpoch}`);
          }
          if (b.marker.coordinatorEpoch < entry.coordinatorEpoch) {
            throw new TransactionCoordinatorFencedError(`marker of ${this.#where(b.producerId, base)} from coordinator epoch ${b.marker.coordinatorEpoch} ` +
              `(zombie), the partition has seen ${entry.coordinatorEpoch}`);
          }
        }
        if (entry.currentTxnFirstOffset >= 0) {
          completed.push({
            producerId: b.producerId, firstOffset: entry.currentTxnFirstOffset, lastOffset: base, aborted: !b.marker.committed,
            lastStableOffset: this.#nextOpenOfOthers(b.producerId, pending, started, completed) ?? base + 1,
          });
        }
        entry.endTransaction(b.producerEpoch, b.marker.coordinatorEpoch, o.nowMs);
        continue;
      }
      if (o.origin === 'client') {
        this.#checkSequence(entry, b, base);
      } else if (o.origin === 'coordinator' && b.producerEpoch < entry.producerEpoch) {
        throw new InvalidProducerEpochError(`epoch ${b.producerEpoch} of ${this.#where(b.producerId, base)} is older than the last seen epoch ${entry.producerEpoch}`);
      }
      if (checked) {
        if (entry.currentTxnFirstOffset >= 0 && !b.isTransactional) {
          throw new InvalidTxnStateError(`non-transactional batch of ${this.#where(b.producerId, base)} while its transaction from offset ${entry.currentTxnFirstOffset} is open`);
        }
        const opens = b.isTransactional && !(entry.currentTxnFirstOffset >= 0 && entry.producerEpoch === b.producerEpoch);
        if (opens && o.origin === 'client' && o.verificationEnabled &&
          !(this.#verification.get(b.producerId)?.guard.verify(o.verificationGuard) ?? false)) {
          throw new InvalidTxnStateError(`transactional batch of ${this.#where(b.producerId, base)} was not verified as part of an ongoing transaction`);
        }
      }
      entry.addBatch(b.producerEpoch, lastSeq, base + b.lastOffsetDelta, b.lastOffsetDelta,
        o.logAppendTime >= 0 ? o.logAppendTime : b.maxTimestamp, o.nowMs);
      if (b.isTransactional && entry.currentTxnFirstOffset < 0) {
        entry.currentTxnFirstOffset = base;
        started.push({ producerId: b.producerId, firstOffset: base, lastOffset: -1 });
      }
    }
    for (const [id, entry] of updated) pending.entries.set(id, entry);
    pending.started.push(...started);
    pending.completed.push(...completed);
    for (const id of touched) pending.clearVerification.add(id);
    return { duplicate: null };
  }

  /**
   * First offset of the oldest open transaction of a producer other than `producerId`, as
   * of this point in the group (Kafka's findNextIncompleteTxn), or null.
   */
  #nextOpenOfOthers(producerId: number, pending: PendingProducerState, started: readonly TxnMetadata[], completed: readonly CompletedTxn[]): number | null {
    const pendingCompleted = pending.allCompleted();
    const ended = (t: TxnMetadata): boolean => pendingCompleted.some((c) => c.firstOffset === t.firstOffset) ||
      completed.some((c) => c.firstOffset === t.firstOffset);
    for (const list of [this.#ongoing, pending.allStarted(), started]) {
      for (const t of list) if (t.producerId !== producerId && !ended(t)) return t.firstOffset;
    }
    return null;
  }

  /** Names a batch in an error message (built only when one is thrown: appends are the hot path). */
  #where(producerId: number, offset: number): string {
    return `producer ${producerId} at offset ${offset} in ${this.dir}`;
  }

  #checkSequence(entry: ProducerStateEntry, b: ProducerBatchHeader, offset: number): void {
    if (entry.producerEpoch < 0) {
      // Kafka before 2.5 answered so; 2.5+ accepts any sequence here. A partition that lost a
      // producer's state cannot tell a retry from a new batch, so it asks the producer to
      // start over (KIP-360 clients bump their epoch with InitProducerId and restart at 0).
      if (b.baseSequence !== 0) {
        throw new UnknownProducerIdError(`no state for ${this.#where(b.producerId, offset)}: sequence ${b.baseSequence} must be 0 ` +
          '(its batches may have expired: producer.id.expiration.ms)');
      }
      return;
    }
    if (b.producerEpoch < entry.producerEpoch) {
      throw new InvalidProducerEpochError(`epoch ${b.producerEpoch} of ${this.#where(b.producerId, offset)} is older than the last seen epoch ${entry.producerEpoch}`);
    }
    if (b.producerEpoch > entry.producerEpoch) {
      if (b.baseSequence !== 0) {
        throw new OutOfOrderSequenceError(`new epoch ${b.producerEpoch} of ${this.#where(b.producerId, offset)} starts at sequence ${b.baseSequence}, not 0 ` +
          `(current epoch ${entry.producerEpoch})`);
      }
      return;
    }
    const lastSeq = entry.lastSeq;
    if (!inSequence(lastSeq, b.baseSequence)) {
      throw new OutOfOrderSequenceError(`out of order sequence for ${this.#where(b.producerId, offset)}: ${b.baseSequence} (incoming), ${lastSeq} (last written)`);
    }
  }

  /**
   * Makes the appends of `pending` part of the state once their bytes are written (and the
   * aborted transactions among `pending.completed` are in the transaction index).
   */
  commit(pending: PendingProducerState, endOffset: number): void {
    for (const [id, entry] of pending.entries) this.#producers.set(id, entry);
    if (pending.started.length > 0) {
      for (const t of pending.started) insertByFirstOffset(this.#ongoing, t);
    }
    for (const c of pending.completed) {
      const i = this.#ongoing.findIndex((t) => t.firstOffset === c.firstOffset);
      if (i >= 0) this.#ongoing.splice(i, 1);
      insertByFirstOffset(this.#unreplicated, { producerId: c.producerId, firstOffset: c.firstOffset, lastOffset: c.lastOffset });
    }
    for (const id of pending.clearVerification) this.#verification.delete(id);
    pending.clear();
    if (endOffset > this.#mapEndOffset) this.#mapEndOffset = endOffset;
  }

  /**
   * Applies one stored batch while rebuilding from the log (no checks: the log is the
   * truth), by the same rules as appends, so a transaction it ends gets the same last
   * stable offset the append gave it. Returns that transaction, or null.
   */
  replayBatch(view: Buffer, at: number, batch: StoredBatch, nowMs: number): CompletedTxn | null {
    const h = headerAt(view, at, batch);
    if (h === null) {
      if (batch.lastOffset >= this.#mapEndOffset) this.#mapEndOffset = batch.lastOffset + 1;
      return null;
    }
    const pending = new PendingProducerState();
    this.checkAppend([h], batch.baseOffset, pending, { origin: 'replication', logAppendTime: -1, nowMs, verificationEnabled: false });
    const completed = pending.completed[0] ?? null;
    this.commit(pending, batch.lastOffset + 1);
    return completed;
  }

  /** Marks the state complete up to `offset` (after a replay that found no more batches). */
  advanceMapEndOffset(offset: number): void {
    if (offset > this.#mapEndOffset) this.#mapEndOffset = offset;
  }

  /**
   * Forgets producers idle for `expirationMs` (producer.id.expiration.ms) with no open
   * transaction, and verification guards older than `verificationTimeoutMs` (Kafka uses
   * transaction.max.timeout.ms). Returns how many producers were removed.
   */
  removeExpiredProducers(nowMs: number, expirationMs: number, verificationTimeoutMs = DEFAULT_VERIFICATION_TIMEOUT_MS): number {
    for (const [id, v] of this.#verification) {
      if (nowMs - v.guard.createdMs >= verificationTimeoutMs) this.#verification.delete(id);
    }
    let removed = 0;
    for (const [id, entry] of this.#producers) {
      if (entry.currentTxnFirstOffset < 0 && nowMs - entry.lastUpdateMs >= expirationMs) {
        this.#producers.delete(id);
        removed++;
      }
    }
    return removed;
  }

  /**
   * Drops the in-memory state and every snapshot outside [logStartOffset, logEndOffset],
   * then loads the newest valid snapshot at or below `loadAtOrBelow` (deleting damaged
   * ones on the way). Returns the offset to replay the log from: the snapshot's, or
   * `logStartOffset` without one. Open transactions come back from the snapshot's
   * currentTxnFirstOffset fields.
   */
  async truncateAndReload(logStartOffset: number, logEndOffset: number, loadAtOrBelow = logEndOffset): Promise<number> {
    await this.#fileOps;
    this.#producers.clear();
    this.#ongoing = [];
    this.#unreplicated = [];
    this.#verification.clear();
    for (const offset of this.#snapshots.filter((o) => o > logEndOffset || o < logStartOffset)) await this.#deleteSnapshot(offset);
    for (;;) {
      const usable = this.#snapshots.filter((o) => o <= loadAtOrBelow);
      if (usable.length === 0) break;
      const offset = usable[usable.length - 1]!;
      const path = join(this.dir, producerSnapshotFileName(offset));
      try {
        const entries = decodeSnapshot(await this.#ctx.fs.readFile(path));
        for (const e of entries) {
          this.#producers.set(e.producerId, e);
          if (e.currentTxnFirstOffset >= 0) insertByFirstOffset(this.#ongoing, { producerId: e.producerId, firstOffset: e.currentTxnFirstOffset, lastOffset: -1 });
        }
        this.#mapEndOffset = offset;
        return offset;
      } catch (err) {
        this.#ctx.logger.warn({ snapshot: path, err: String(err) }, 'deleting an unreadable producer state snapshot');
        await this.#deleteSnapshot(offset);
      }
    }
    this.#mapEndOffset = logStartOffset;
    return logStartOffset;
  }

  /**
   * Snapshots the state as it is now, at mapEndOffset. The bytes are taken at once; the
   * file is written after any earlier snapshot work, and the promise settles when it is
   * on disk. Failures are logged, not thrown: a missing snapshot only lengthens a replay.
   */
  takeSnapshot(): Promise<void> {
    const offset = this.#mapEndOffset;
    const bytes = encodeSnapshot(this.#producers.values());
    return this.#enqueue(async () => {
      const fs = this.#ctx.fs;
      const path = join(this.dir, producerSnapshotFileName(offset));
      try {
        await replaceFileAtomically(fs, path, bytes);
        if (!this.#snapshots.includes(offset)) {
          this.#snapshots.push(offset);
          this.#snapshots.sort((a, b) => a - b);
        }
      } catch (err) {
        this.#ctx.logger.warn({ snapshot: path, err: String(err) }, 'could not write a producer state snapshot');
        await fs.unlink(path + TMP_FILE_SUFFIX).catch(() => undefined);
      }
    });
  }

  /** Deletes snapshots below `offset` (retention removed the segments they describe). */
  deleteSnapshotsBelow(offset: number): Promise<void> {
    return this.#enqueue(async () => {
      for (const o of this.#snapshots.filter((s) => s < offset)) await this.#deleteSnapshot(o);
    });
  }

  /** Waits for every snapshot write and deletion asked for so far. */
  awaitFileOps(): Promise<void> {
    return this.#fileOps;
  }

  #enqueue(op: () => Promise<void>): Promise<void> {
    const run = this.#fileOps.then(op);
    this.#fileOps = run.catch((err: unknown) => {
      this.#ctx.logger.warn({ dir: this.dir, err: String(err) }, 'producer state snapshot operation failed');
    });
    return this.#fileOps;
  }

  async #deleteSnapshot(offset: number): Promise<void> {
    await this.#ctx.fs.unlink(join(this.dir, producerSnapshotFileName(offset)));
    this.#snapshots = this.#snapshots.filter((o) => o !== offset);
  }
}

function insertByFirstOffset(list: TxnMetadata[], t: TxnMetadata): void {
  let i = list.length;
  while (i > 0 && list[i - 1]!.firstOffset > t.firstOffset) i--;
  list.splice(i, 0, t);
}

export function encodeSnapshot(entries: Iterable<ProducerStateEntry>): Buffer {
  const list = [...entries];
  let size = HEADER_BYTES;
  for (const e of list) size += ENTRY_BYTES + e.batches.length * BATCH_BYTES;
  const buf = Buffer.alloc(size);
  buf.writeInt16BE(SNAPSHOT_VERSION, 0);
  buf.writeInt32BE(list.length, 6);
  let at = HEADER_BYTES;
  for (const e of list) {
    writeInt64(buf, e.producerId, at);
    buf.writeInt16BE(e.producerEpoch, at + 8);
    buf.writeInt32BE(e.coordinatorEpoch, at + 10);
    writeInt64(buf, e.currentTxnFirstOffset, at + 14);
    writeInt64(buf, e.lastUpdateMs, at + 22);
    buf.writeInt8(e.batches.length, at + 30);
    at += ENTRY_BYTES;
    for (const b of e.batches) {
      buf.writeInt32BE(b.lastSeq, at);
      writeInt64(buf, b.lastOffset, at + 4);
      buf.writeInt32BE(b.offsetDelta, at + 12);
      writeInt64(buf, b.timestamp, at + 16);
      at += BATCH_BYTES;
    }
  }
  buf.writeUInt32BE(crc32c(buf.subarray(CRC_START)), 2);
  return buf;
}

/** Parses a snapshot; throws on any damage (wrong version, CRC, counts or length). */
export function decodeSnapshot(buf: Buffer): ProducerStateEntry[] {
  if (buf.length < HEADER_BYTES) throw new Error(`snapshot of ${buf.length} bytes is shorter than its header`);
  const version = buf.readInt16BE(0);
  if (version !== SNAPSHOT_VERSION) throw new Error(`unknown snapshot version ${version}`);
  const stored = buf.readUInt32BE(2);
  const actual = crc32c(buf.subarray(CRC_START));
  if (stored !== actual) throw new Error(`snapshot CRC mismatch (stored ${stored}, computed ${actual})`);
  const count = buf.readInt32BE(6);
  if (count < 0 || count * ENTRY_BYTES > buf.length - HEADER_BYTES) throw new Error(`snapshot claims ${count} producers`);
  const out: ProducerStateEntry[] = [];
  let at = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + ENTRY_BYTES > buf.length) throw new Error(`snapshot ends inside producer ${i}`);
    const n = buf.readInt8(at + 30);
    if (n < 0 || n > NUM_BATCHES_TO_RETAIN || at + ENTRY_BYTES + n * BATCH_BYTES > buf.length) {
      throw new Error(`snapshot producer ${i} claims ${n} batches`);
    }
    const batches: BatchMetadata[] = [];
    for (let j = 0; j < n; j++) {
      const b = at + ENTRY_BYTES + j * BATCH_BYTES;
      batches.push({ lastSeq: buf.readInt32BE(b), lastOffset: readInt64(buf, b + 4), offsetDelta: buf.readInt32BE(b + 12), timestamp: readInt64(buf, b + 16) });
    }
    out.push(new ProducerStateEntry(readInt64(buf, at), buf.readInt16BE(at + 8), batches, buf.readInt32BE(at + 10),
      readInt64(buf, at + 14), readInt64(buf, at + 22)));
    at += ENTRY_BYTES + n * BATCH_BYTES;
  }
  if (at !== buf.length) throw new Error(`snapshot has ${buf.length - at} bytes after its last producer`);
  return out;
}
