/**
 * The partitions this broker hosts and the data paths through them (Kafka's
 * ReplicaManager): Produce appends, Fetch reads with long polling, ListOffsets and
 * DeleteRecords. Methods take and return plain values; handlers translate to and from
 * the wire. Batches are never decoded here except where validation needs it.
 */
import { ErrorCode } from '@samsa/protocol';
import type { Logger } from '../logger.ts';
import type { LogManager } from '../storage/log-manager.ts';
import { ProducerStateError, StorageError } from '../storage/errors.ts';
import type { LogConfig } from '../storage/log-config.ts';
import type { FetchIsolation } from '../storage/unified-log.ts';
import { Partition } from './partition.ts';
import { ProduceValidationError, validateProducedBatches, type RecordError } from './produce-validator.ts';

export interface ProduceInput {
  topic: string;
  partition: number;
  records: Buffer | null;
}

export interface ProduceResult {
  topic: string;
  partition: number;
  errorCode: number;
  errorMessage: string | null;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  recordErrors: RecordError[];
}

export interface FetchInput {
  topic: string;
  partition: number;
  fetchOffset: bigint;
  partitionMaxBytes: number;
}

export interface FetchResult {
  topic: string;
  partition: number;
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  records: Buffer | null;
}

export interface FetchParams {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  signal: AbortSignal;
}

const key = (topic: string, partition: number): string => `${topic}-${partition}`;

export class ReplicaManager {
  readonly #logs: LogManager;
  readonly #log: Logger;
  readonly #partitions = new Map<string, Partition>();
  readonly #now: () => number;

  constructor(logs: LogManager, log: Logger, now: () => number = Date.now) {
    this.#logs = logs;
    this.#log = log;
    this.#now = now;
  }

  getPartition(topic: string, partition: number): Partition | undefined {
    return this.#partitions.get(key(topic, partition));
  }

  /** Makes this broker the leader of a partition, creating its log when needed. */
  async becomeLeader(topic: string, partition: number, leaderEpoch: number, config: Partial<LogConfig>): Promise<Partition> {
    const existing = this.#partitions.get(key(topic, partition));
    if (existing) {
      existing.leaderEpoch = leaderEpoch;
      return existing;
    }
    const log = await this.#logs.getOrCreateLog(topic, partition, config);
    const p = new Partition(topic, partition, log, leaderEpoch);
    this.#partitions.set(key(topic, partition), p);
    return p;
  }

  async removePartition(topic: string, partition: number, deleteLog: boolean): Promise<void> {
    const p = this.#partitions.get(key(topic, partition));
    this.#partitions.delete(key(topic, partition));
    p?.notifyAppend();
    if (deleteLog) await this.#logs.deleteLog(topic, partition);
  }

  updateConfig(topic: string, partition: number, config: Partial<LogConfig>): void {
    if (this.#partitions.has(key(topic, partition))) this.#logs.updateConfig(topic, partition, config);
  }

  async appendRecords(inputs: readonly ProduceInput[]): Promise<ProduceResult[]> {
    return Promise.all(inputs.map((i) => this.#appendOne(i)));
  }

  async #appendOne(input: ProduceInput): Promise<ProduceResult> {
    const result: ProduceResult = {
      topic: input.topic, partition: input.partition, errorCode: ErrorCode.NONE, errorMessage: null,
      baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [],
    };
    const p = this.#partitions.get(key(input.topic, input.partition));
    if (p === undefined) {
      result.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      return result;
    }
    try {
      validateProducedBatches(input.records, p.log.config, this.#now());
      // The validator checked every CRC; the log need not compute them again. The log also
      // checks producer ids and sequences, under the queue that assigns offsets: a retried
      // batch comes back as a duplicate carrying its first write's offsets (KIP-98).
      const info = await p.log.append(input.records!, { assignOffsets: true, leaderEpoch: p.leaderEpoch, crcVerified: true });
      if (info.duplicate) {
        this.#log.debug({ topic: input.topic, partition: input.partition, baseOffset: info.firstOffset }, 'retried batch answered with its first offsets');
      } else {
        p.maybeIncrementHighWatermark();
        p.notifyAppend();
      }
      result.baseOffset = BigInt(info.firstOffset);
      // The log's time is the one stamped into the stored batch (or the first write's, for a retry).
      result.logAppendTimeMs = BigInt(info.logAppendTime);
      result.logStartOffset = BigInt(info.logStartOffset);
    } catch (err) {
      if (err instanceof ProduceValidationError) {
        result.errorCode = err.errorCode;
        result.errorMessage = err.message;
        result.recordErrors = err.recordErrors;
      } else if (err instanceof StorageError) {
        result.errorCode = err.errorCode;
        result.errorMessage = err.message;
        // Sequence and epoch refusals are the producer's business (its client logs them).
        if (!(err instanceof ProducerStateError)) {
          this.#log.warn({ topic: input.topic, partition: input.partition, err: err.message }, 'append failed');
        }
      } else {
        throw err;
      }
      result.logStartOffset = BigInt(p.log.logStartOffset);
    }
    return result;
  }

  /**
   * Reads every requested partition; when fewer than minBytes are available, waits (up to
   * maxWaitMs) for an append to any of them and reads again (Kafka's DelayedFetch).
   */
  async fetchMessages(inputs: readonly FetchInput[], params: FetchParams): Promise<FetchResult[]> {
    const deadline = this.#now() + params.maxWaitMs;
    for (;;) {
      const results = await this.#readAll(inputs, params);
      const bytes = results.reduce((n, r) => n + (r.records?.length ?? 0), 0);
      const anyError = results.some((r) => r.errorCode !== ErrorCode.NONE);
      const remaining = deadline - this.#now();
      if (bytes >= params.minBytes || anyError || remaining <= 0 || params.signal.aborted) return results;
      await this.#waitForAppend(inputs, remaining, params.signal);
      if (this.#now() >= deadline || params.signal.aborted) return this.#readAll(inputs, params);
    }
  }

  #waitForAppend(inputs: readonly FetchInput[], timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const cancels: Array<() => void> = [];
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        for (const c of cancels) c();
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
      for (const i of inputs) {
        const p = this.#partitions.get(key(i.topic, i.partition));
        if (p) cancels.push(p.onNextAppend(done));
      }
    });
  }

  async #readAll(inputs: readonly FetchInput[], params: FetchParams): Promise<FetchResult[]> {
    const isolation: FetchIsolation = params.isolationLevel === 1 ? 'committed' : 'high_watermark';
    const results: FetchResult[] = [];
    let budget = params.maxBytes;
    for (const input of inputs) {
      const r: FetchResult = {
        topic: input.topic, partition: input.partition, errorCode: ErrorCode.NONE,
        highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, records: null,
      };
      results.push(r);
      const p = this.#partitions.get(key(input.topic, input.partition));
      if (p === undefined) {
        r.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        continue;
      }
      const log = p.log;
      try {
        // KIP-74: the first partition with data returns at least one batch, even one larger
        // than the limits, so a consumer can always make progress.
        const first = results.every((x) => x === r || x.records === null || x.records.length === 0);
        const maxBytes = Math.min(input.partitionMaxBytes, Math.max(budget, 0));
        const data = await log.read(Number(input.fetchOffset), { maxBytes, isolation, minOneMessage: first });
        r.records = data.records.length > 0 ? data.records : null;
        budget -= data.records.length;
        r.highWatermark = BigInt(data.highWatermark);
        r.lastStableOffset = BigInt(data.lastStableOffset);
        r.logStartOffset = BigInt(data.logStartOffset);
      } catch (err) {
        if (!(err instanceof StorageError)) throw err;
        r.errorCode = err.errorCode;
        r.highWatermark = BigInt(log.highWatermark);
        r.lastStableOffset = BigInt(log.lastStableOffset);
        r.logStartOffset = BigInt(log.logStartOffset);
      }
    }
    return results;
  }

  /**
   * ListOffsets for one partition: -2 earliest, -1 latest (the high watermark, or the last
   * stable offset for read_committed), -3 the offset of the largest timestamp (KIP-734),
   * otherwise the first offset whose timestamp is at least the one given.
   */
  async listOffset(topic: string, partition: number, timestamp: bigint, isolationLevel: number):
  Promise<{ errorCode: number; offset: bigint; timestamp: bigint; leaderEpoch: number }> {
    const p = this.#partitions.get(key(topic, partition));
    if (p === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, offset: -1n, timestamp: -1n, leaderEpoch: -1 };
    const log = p.log;
    const ok = (offset: number, ts = -1n): { errorCode: number; offset: bigint; timestamp: bigint; leaderEpoch: number } =>
      ({ errorCode: ErrorCode.NONE, offset: BigInt(offset), timestamp: ts, leaderEpoch: p.leaderEpoch });
    try {
      if (timestamp === -2n) return ok(log.logStartOffset);
      if (timestamp === -1n) return ok(isolationLevel === 1 ? log.lastStableOffset : log.highWatermark);
      if (timestamp === -3n) {
        const best = await log.maxTimestampAndOffset();
        return best === null ? ok(-1) : ok(best.offset, BigInt(best.timestamp));
      }
      const found = await log.fetchOffsetByTimestamp(Number(timestamp));
      return found === null ? ok(-1) : ok(found.offset, BigInt(found.timestamp));
    } catch (err) {
      if (!(err instanceof StorageError)) throw err;
      return { errorCode: err.errorCode, offset: -1n, timestamp: -1n, leaderEpoch: -1 };
    }
  }

  async deleteRecords(topic: string, partition: number, offset: bigint): Promise<{ errorCode: number; lowWatermark: bigint }> {
    const p = this.#partitions.get(key(topic, partition));
    if (p === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, lowWatermark: -1n };
    const target = offset === -1n ? p.log.highWatermark : Number(offset);
    if (target < 0 || target > p.log.highWatermark) return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: -1n };
    try {
      return { errorCode: ErrorCode.NONE, lowWatermark: BigInt(await p.log.deleteRecordsTo(target)) };
    } catch (err) {
      if (!(err instanceof StorageError)) throw err;
      return { errorCode: err.errorCode, lowWatermark: -1n };
    }
  }

  /**
   * OffsetForLeaderEpoch: the end offset of the requested epoch. Leadership never moves
   * on a single node, so the only epoch is the current one and it ends at the log end;
   * a later epoch is unknown (-1, -1). Fencing by current_leader_epoch as Kafka does.
   */
  endOffsetForEpoch(topic: string, partition: number, currentLeaderEpoch: number, leaderEpoch: number):
  { errorCode: number; leaderEpoch: number; endOffset: bigint } {
    const p = this.#partitions.get(key(topic, partition));
    if (p === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, leaderEpoch: -1, endOffset: -1n };
    if (currentLeaderEpoch >= 0 && currentLeaderEpoch < p.leaderEpoch) return { errorCode: ErrorCode.FENCED_LEADER_EPOCH, leaderEpoch: -1, endOffset: -1n };
    if (currentLeaderEpoch > p.leaderEpoch) return { errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH, leaderEpoch: -1, endOffset: -1n };
    if (leaderEpoch > p.leaderEpoch) return { errorCode: ErrorCode.NONE, leaderEpoch: -1, endOffset: -1n };
    return { errorCode: ErrorCode.NONE, leaderEpoch: p.leaderEpoch, endOffset: BigInt(p.log.logEndOffset) };
  }

  /** Sizes for DescribeLogDirs. */
  partitionSizes(): Array<{ topic: string; partition: number; size: number; dir: string }> {
    return [...this.#partitions.values()].map((p) => ({ topic: p.topic, partition: p.index, size: p.log.size, dir: p.log.dir }));
  }
}
