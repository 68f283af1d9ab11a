import { join } from 'node:path';
import { LazyFile } from './lazy-file.ts';
import { transactionIndexFileName } from './log-file-utils.ts';
import type { StorageContext } from './storage-context.ts';

/**
 * A segment's aborted-transaction index (Kafka's TransactionIndex): one entry per
 * transaction whose ABORT marker is in this segment, so a read_committed fetch can tell
 * the consumer which producers' records to drop in the range it returns (KIP-98).
 *
 * On disk: `<20-digit base offset>.txnindex` beside the segment, created only when the
 * first entry is appended (most segments never have one). Entries of 34 bytes, in the
 * order their markers were written (lastOffset strictly ascending), big-endian:
 *   int16 version (0), int64 producerId, int64 firstOffset, int64 lastOffset (the
 *   marker's offset), int64 lastStableOffset (the partition's LSO right after the abort)
 * Kafka's layout, byte for byte.
 *
 * Invariants: the in-memory list (loaded on first use, kept: aborted transactions are
 * rare and 34 bytes each) is the truth for reads; the file holds the same entries, plus
 * at worst a torn tail that loading ignores and the next append overwrites. Appends go
 * through the descriptor pool like segment files; reads never touch the file once loaded.
 *
 * Crash behaviour: entries are appended after the marker's batch is written and are
 * fsynced when the segment becomes inactive (before the recovery point passes it) and
 * on close. After an unclean stop, UnifiedLog drops every entry whose lastOffset is at
 * or above the offset its producer-state replay starts from, and the replay appends them
 * again, so recovery never leaves an entry twice or misses one (storage/DESIGN.md).
 */

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
  lastStableOffset: number;
}

export const ABORTED_TXN_SIZE = 34;
const VERSION = 0;
const TWO_32 = 4294967296;

function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * TWO_32 + buf.readUInt32BE(at + 4);
}

function writeInt64(buf: Buffer, value: number, at: number): void {
  const hi = Math.floor(value / TWO_32);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(value - hi * TWO_32, at + 4);
}

export function encodeAbortedTxns(txns: readonly AbortedTxn[]): Buffer {
  const buf = Buffer.alloc(txns.length * ABORTED_TXN_SIZE);
  txns.forEach((t, i) => {
    const at = i * ABORTED_TXN_SIZE;
    buf.writeInt16BE(VERSION, at);
    writeInt64(buf, t.producerId, at + 2);
    writeInt64(buf, t.firstOffset, at + 10);
    writeInt64(buf, t.lastOffset, at + 18);
    writeInt64(buf, t.lastStableOffset, at + 26);
  });
  return buf;
}

/** Whole entries of `buf` up to the first that is not a version-0 entry (a torn or damaged tail). */
export function decodeAbortedTxns(buf: Buffer): { txns: AbortedTxn[]; cleanBytes: number } {
  const txns: AbortedTxn[] = [];
  let at = 0;
  while (at + ABORTED_TXN_SIZE <= buf.length && buf.readInt16BE(at) === VERSION) {
    const t = {
      producerId: readInt64(buf, at + 2),
      firstOffset: readInt64(buf, at + 10),
      lastOffset: readInt64(buf, at + 18),
      lastStableOffset: readInt64(buf, at + 26),
    };
    if (t.producerId < 0 || t.firstOffset < 0 || t.lastOffset < t.firstOffset) break;
    txns.push(t);
    at += ABORTED_TXN_SIZE;
  }
  return { txns, cleanBytes: at };
}

export class TransactionIndex {
  readonly baseOffset: number;
  #ctx: StorageContext;
  #dir: string;
  #suffix: string;
  #file: LazyFile;
  #txns: AbortedTxn[] | null = null;
  #loading: Promise<AbortedTxn[]> | null = null;
  #exists: boolean | null = null;
  /** Bytes past the entries (a torn tail found at load, or a failed write not cut back). */
  #needsTrim = false;
  #unsynced = false;

  constructor(ctx: StorageContext, dir: string, baseOffset: number, suffix = '') {
    this.#ctx = ctx;
    this.#dir = dir;
    this.baseOffset = baseOffset;
    this.#suffix = suffix;
    this.#file = new LazyFile(ctx.fs, ctx.fdPool, this.path, 'write');
  }

  get path(): string {
    return join(this.#dir, transactionIndexFileName(this.baseOffset) + this.#suffix);
  }

  /** The entries, oldest first (loaded from the file on first use). */
  async entries(): Promise<readonly AbortedTxn[]> {
    return this.#load();
  }

  async #load(): Promise<AbortedTxn[]> {
    if (this.#txns !== null) return this.#txns;
    this.#loading ??= (async () => {
      let bytes: Buffer;
      try {
        bytes = await this.#ctx.fs.readFile(this.path);
        this.#exists = true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        this.#exists = false;
        return [];
      }
      const { txns, cleanBytes } = decodeAbortedTxns(bytes);
      if (cleanBytes !== bytes.length) {
        this.#needsTrim = true;
        this.#ctx.logger.warn({ index: this.path, bytes: bytes.length, kept: cleanBytes }, 'transaction index has a damaged tail; ignoring it');
      }
      return txns;
    })().finally(() => {
      this.#loading = null;
    });
    const txns = await this.#loading;
    this.#txns ??= txns;
    return this.#txns;
  }

  /**
   * Appends entries (their lastOffsets above every entry's so far). On a failed write the
   * file is cut back and the error rethrown; the entries are not added.
   */
  async append(txns: readonly AbortedTxn[]): Promise<void> {
    if (txns.length === 0) return;
    const list = await this.#load();
    let last = list.length > 0 ? list[list.length - 1]!.lastOffset : -1;
    for (const t of txns) {
      if (t.lastOffset <= last) throw new RangeError(`aborted transaction at ${t.lastOffset} is not after ${last} in ${this.path}`);
      last = t.lastOffset;
    }
    if (this.#exists !== true) {
      try {
        await (await this.#ctx.fs.open(this.path, 'create')).close();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      this.#exists = true;
    }
    const start = list.length * ABORTED_TXN_SIZE;
    await this.#file.use(async (h) => {
      if (this.#needsTrim) {
        await h.truncate(start);
        this.#needsTrim = false;
      }
      try {
        await h.writev([encodeAbortedTxns(txns)], start);
      } catch (err) {
        await h.truncate(start).catch(() => {
          this.#needsTrim = true;
        });
        throw err;
      }
    });
    list.push(...txns);
    this.#unsynced = true;
  }

  /** Drops every entry whose marker is at or after `offset` (truncation, or a replay that will write them again). */
  async truncateTo(offset: number): Promise<number> {
    const list = await this.#load();
    let keep = list.length;
    while (keep > 0 && list[keep - 1]!.lastOffset >= offset) keep--;
    const dropped = list.length - keep;
    if (dropped === 0 && !this.#needsTrim) return 0;
    if (this.#exists === true) {
      await this.#file.use((h) => h.truncate(keep * ABORTED_TXN_SIZE));
      this.#needsTrim = false;
      this.#unsynced = true;
    }
    list.length = keep;
    return dropped;
  }

  /**
   * Kafka's collectAbortedTxns: the entries overlapping [fetchOffset, upperBoundOffset),
   * and whether the search is complete (an entry's LSO reached the upper bound, so no
   * later segment can hold a transaction that started below it).
   */
  async collect(fetchOffset: number, upperBoundOffset: number): Promise<{ txns: AbortedTxn[]; complete: boolean }> {
    const out: AbortedTxn[] = [];
    for (const t of await this.#load()) {
      if (t.lastOffset >= fetchOffset && t.firstOffset < upperBoundOffset) out.push(t);
      if (t.lastStableOffset >= upperBoundOffset) return { txns: out, complete: true };
    }
    return { txns: out, complete: false };
  }

  /** fsyncs what was appended or truncated since the last flush. */
  async flush(): Promise<void> {
    if (!this.#unsynced || this.#exists !== true) return;
    await this.#file.use(async (h) => {
      if (this.#needsTrim && this.#txns !== null) {
        await h.truncate(this.#txns.length * ABORTED_TXN_SIZE);
        this.#needsTrim = false;
      }
      await h.datasync();
    });
    this.#unsynced = false;
  }

  /** Renames the file to carry `suffix` (retention's `.deleted`, the cleaner's `.swap`), if it exists. */
  async changeSuffix(suffix: string): Promise<void> {
    const from = this.path;
    this.#suffix = suffix;
    if ((await this.#ctx.fs.stat(from)) !== null) await this.#ctx.fs.rename(from, this.path);
    this.#file.renamed(this.path);
  }

  async close(): Promise<void> {
    await this.#file.close();
  }

  async delete(): Promise<void> {
    await this.#file.close();
    await this.#ctx.fs.unlink(this.path);
    this.#txns = [];
    this.#exists = false;
  }
}
