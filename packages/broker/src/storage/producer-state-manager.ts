import { join } from 'node:path';
import { Attributes, BatchOffsets, crc32c } from '@samsa/protocol';
import type { StoredBatch } from './batch-scan.ts';
import { InvalidProducerEpochError, OutOfOrderSequenceError, UnknownProducerIdError } from './errors.ts';
import {
  PRODUCER_SNAPSHOT_FILE_SUFFIX, TMP_FILE_SUFFIX, offsetFromFileName, producerSnapshotFileName,
} from './log-file-utils.ts';
import type { StorageContext } from './storage-context.ts';

/**
 * A partition's producer state (Kafka's ProducerStateManager, KIP-98): per producer id
 * the current epoch and the metadata of its last five batches, so that a retried batch
 * is recognised and answered with the offsets it was first written at, and a batch out
 * of sequence or from a fenced epoch is refused. The transaction fields
 * (currentTxnFirstOffset, coordinatorEpoch) are carried for the transaction work to come.
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
 * Crash behaviour: a snapshot is written to `<name>.tmp`, fsynced and renamed, so a
 * reader sees a whole file or none; a file that still fails its CRC is deleted and the
 * next older one used. Loading takes the newest valid snapshot at or below the log end
 * and replays batch headers from there to the log end; without any, it replays the
 * whole log. A lost snapshot therefore costs replay time, never correctness, except that
 * state kept only for producers whose batches retention already deleted is gone.
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
  /** A transaction marker (written by a transaction coordinator, never by a client). */
  isControl: boolean;
}

/** One producer id's state in one partition (Kafka's ProducerStateEntry). */
export class ProducerStateEntry {
  readonly producerId: number;
  /** -1 until a batch was seen: an entry with no epoch is a producer the partition does not know. */
  producerEpoch: number;
  /** Oldest first, at most NUM_BATCHES_TO_RETAIN, all of `producerEpoch`. */
  batches: BatchMetadata[];
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

  /**
   * A transaction marker: ends the producer's transaction. (Kafka also checks the marker's
   * epoch and coordinator epoch; that comes with the transaction coordinator.)
   */
  endTransaction(epoch: number, nowMs: number): void {
    this.updateEpoch(epoch);
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

/** Reads the producer fields of the stored batch at `at` of `view` (header only). */
function headerAt(view: Buffer, at: number, batch: StoredBatch): ProducerBatchHeader | null {
  if (view.readInt32BE(at + BatchOffsets.producerId) < 0) return null;
  return {
    producerId: readInt64(view, at + BatchOffsets.producerId),
    producerEpoch: view.readInt16BE(at + BatchOffsets.producerEpoch),
    baseSequence: view.readInt32BE(at + BatchOffsets.baseSequence),
    lastOffsetDelta: batch.lastOffset - batch.baseOffset,
    originalBaseOffset: batch.baseOffset,
    maxTimestamp: batch.maxTimestamp,
    isTransactional: (batch.attributes & Attributes.TRANSACTIONAL) !== 0,
    isControl: (batch.attributes & Attributes.CONTROL) !== 0,
  };
}

export class ProducerStateManager {
  readonly dir: string;
  #ctx: StorageContext;
  #producers = new Map<number, ProducerStateEntry>();
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

  /**
   * Checks one append (a client's batches for this partition, or a follower's copy of
   * the leader's) and records its updates in `pending`, the appends validated but not yet
   * written. `firstOffset` is the offset the log will give the first batch when it assigns
   * offsets. Client appends (assignOffsets) are checked as Kafka's ProducerAppendInfo
   * checks them and throw a ProducerStateError; a follower's are applied as they are. A
   * client batch that repeats one of the producer's last five is returned as a duplicate
   * and nothing of the append is recorded (Kafka answers the whole append with it).
   */
  checkAppend(batches: readonly ProducerBatchHeader[], firstOffset: number, assignOffsets: boolean,
    pending: Map<number, ProducerStateEntry>, logAppendTime: number, nowMs: number): AppendCheck {
    const updated = new Map<number, ProducerStateEntry>();
    let cursor = firstOffset;
    for (const b of batches) {
      const base = assignOffsets ? cursor : b.originalBaseOffset;
      cursor = base + b.lastOffsetDelta + 1;
      if (b.producerId < 0) continue;
      const lastSeq = incrementSequence(b.baseSequence, b.lastOffsetDelta);
      const before = pending.get(b.producerId) ?? this.#producers.get(b.producerId);
      if (assignOffsets && before !== undefined && !b.isControl) {
        const duplicate = before.findDuplicate(b.producerEpoch, b.baseSequence, lastSeq);
        if (duplicate !== null) return { duplicate };
      }
      let entry = updated.get(b.producerId);
      if (entry === undefined) {
        entry = before?.clone() ?? new ProducerStateEntry(b.producerId);
        updated.set(b.producerId, entry);
      }
      if (b.isControl) {
        entry.endTransaction(b.producerEpoch, nowMs);
        continue;
      }
      if (assignOffsets) this.#checkSequence(entry, b, base);
      entry.addBatch(b.producerEpoch, lastSeq, base + b.lastOffsetDelta, b.lastOffsetDelta,
        logAppendTime >= 0 ? logAppendTime : b.maxTimestamp, nowMs);
      if (b.isTransactional && entry.currentTxnFirstOffset < 0) entry.currentTxnFirstOffset = base;
    }
    for (const [id, entry] of updated) pending.set(id, entry);
    return { duplicate: null };
  }

  #checkSequence(entry: ProducerStateEntry, b: ProducerBatchHeader, offset: number): void {
    const where = `producer ${b.producerId} at offset ${offset} in ${this.dir}`;
    if (entry.producerEpoch < 0) {
      // Kafka before 2.5 answered so; 2.5+ accepts any sequence here. A partition that lost a
      // producer's state cannot tell a retry from a new batch, so it asks the producer to
      // start over (KIP-360 clients bump their epoch with InitProducerId and restart at 0).
      if (b.baseSequence !== 0) {
        throw new UnknownProducerIdError(`no state for ${where}: sequence ${b.baseSequence} must be 0 ` +
          '(its batches may have expired: producer.id.expiration.ms)');
      }
      return;
    }
    if (b.producerEpoch < entry.producerEpoch) {
      throw new InvalidProducerEpochError(`epoch ${b.producerEpoch} of ${where} is older than the last seen epoch ${entry.producerEpoch}`);
    }
    if (b.producerEpoch > entry.producerEpoch) {
      if (b.baseSequence !== 0) {
        throw new OutOfOrderSequenceError(`new epoch ${b.producerEpoch} of ${where} starts at sequence ${b.baseSequence}, not 0 ` +
          `(current epoch ${entry.producerEpoch})`);
      }
      return;
    }
    const lastSeq = entry.lastSeq;
    if (!inSequence(lastSeq, b.baseSequence)) {
      throw new OutOfOrderSequenceError(`out of order sequence for ${where}: ${b.baseSequence} (incoming), ${lastSeq} (last written)`);
    }
  }

  /** Makes the appends of `pending` part of the state once their bytes are written. */
  commit(pending: Map<number, ProducerStateEntry>, endOffset: number): void {
    for (const [id, entry] of pending) this.#producers.set(id, entry);
    pending.clear();
    if (endOffset > this.#mapEndOffset) this.#mapEndOffset = endOffset;
  }

  /** Applies one stored batch while rebuilding from the log (no checks: the log is the truth). */
  replayBatch(view: Buffer, at: number, batch: StoredBatch, nowMs: number): void {
    if (batch.lastOffset >= this.#mapEndOffset) this.#mapEndOffset = batch.lastOffset + 1;
    const h = headerAt(view, at, batch);
    if (h === null) return;
    let entry = this.#producers.get(h.producerId);
    if (entry === undefined) this.#producers.set(h.producerId, entry = new ProducerStateEntry(h.producerId));
    if (h.isControl) {
      entry.endTransaction(h.producerEpoch, nowMs);
      return;
    }
    entry.addBatch(h.producerEpoch, incrementSequence(h.baseSequence, h.lastOffsetDelta), batch.lastOffset, h.lastOffsetDelta,
      batch.maxTimestamp, nowMs);
    if (h.isTransactional && entry.currentTxnFirstOffset < 0) entry.currentTxnFirstOffset = batch.baseOffset;
  }

  /** Marks the state complete up to `offset` (after a replay that found no more batches). */
  advanceMapEndOffset(offset: number): void {
    if (offset > this.#mapEndOffset) this.#mapEndOffset = offset;
  }

  /**
   * Forgets producers idle for `expirationMs` (producer.id.expiration.ms) with no open
   * transaction. Returns how many were removed.
   */
  removeExpiredProducers(nowMs: number, expirationMs: number): number {
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
   * then loads the newest valid snapshot left (deleting damaged ones on the way). Returns
   * the offset to replay the log from: the snapshot's, or `logStartOffset` without one.
   */
  async truncateAndReload(logStartOffset: number, logEndOffset: number): Promise<number> {
    await this.#fileOps;
    this.#producers.clear();
    for (const offset of this.#snapshots.filter((o) => o > logEndOffset || o < logStartOffset)) await this.#deleteSnapshot(offset);
    while (this.#snapshots.length > 0) {
      const offset = this.#snapshots[this.#snapshots.length - 1]!;
      const path = join(this.dir, producerSnapshotFileName(offset));
      try {
        const entries = decodeSnapshot(await this.#ctx.fs.readFile(path));
        for (const e of entries) this.#producers.set(e.producerId, e);
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
      const tmp = path + TMP_FILE_SUFFIX;
      try {
        await fs.unlink(tmp);
        const h = await fs.open(tmp, 'create');
        try {
          await h.writev([bytes], 0);
          await h.datasync();
        } finally {
          await h.close();
        }
        await fs.rename(tmp, path);
        if (!this.#snapshots.includes(offset)) {
          this.#snapshots.push(offset);
          this.#snapshots.sort((a, b) => a - b);
        }
      } catch (err) {
        this.#ctx.logger.warn({ snapshot: path, err: String(err) }, 'could not write a producer state snapshot');
        await fs.unlink(tmp).catch(() => undefined);
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
