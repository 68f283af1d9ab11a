/**
 * The partitions this broker hosts and the data paths through them (Kafka's
 * ReplicaManager): Produce appends, Fetch reads with long polling, ListOffsets and
 * DeleteRecords, transaction markers and coordinator appends, DescribeProducers. Methods
 * take and return plain values; handlers translate to and from the wire. Batches are
 * never decoded here except where validation needs it.
 *
 * Transactions (KIP-98, KIP-890 part 1 as in Kafka 3.8): a produce holding
 * transactional batches needs the request's transactional id (else every partition is
 * answered TRANSACTIONAL_ID_AUTHORIZATION_FAILED, as Kafka does without one) and one
 * producer (else INVALID_PRODUCER_ID_MAPPING). Per partition the log hands out a
 * verification guard, the TransactionVerifier (the transaction coordinator) confirms the
 * partition is in the producer's ongoing transaction, and the append carries the guard;
 * a producer that already has a transaction open on the partition skips the question.
 */
import { ErrorCode } from '@samsa/protocol';
import type { TransactionMarker } from '../coordinator/coordinator-runtime.ts';
import type { Logger } from '../logger.ts';
import type { LogManager } from '../storage/log-manager.ts';
import { ProducerStateError, StorageError } from '../storage/errors.ts';
import type { LogConfig } from '../storage/log-config.ts';
import { VerificationGuard } from '../storage/producer-state-manager.ts';
import type { FetchIsolation, LogAppendInfo } from '../storage/unified-log.ts';
import { Partition } from './partition.ts';
import {
  ProduceValidationError, transactionalProducers, validateProducedBatches, type RecordError, type TransactionalProducer,
} from './produce-validator.ts';

export interface ProduceInput {
  topic: string;
  partition: number;
  records: Buffer | null;
  /** The Produce request's transactional id (v3+); required when any batch is transactional. */
  transactionalId?: string | null;
}

/** The transaction coordinator's answer to "is this partition in the producer's transaction?" (KIP-890 part 1). */
export interface TransactionVerifier {
  /** NONE when topic-partition is in the producer's ongoing transaction at that epoch; else the error code to answer the produce with. */
  verifyTransaction(transactionalId: string, producerId: number, producerEpoch: number, topic: string, partition: number): Promise<number>;
}

/** One producer DescribeProducers lists for a partition. */
export interface ProducerStateInfo {
  producerId: number;
  producerEpoch: number;
  /** Last sequence written, -1 when none (only markers, or a coordinator's offsets). */
  lastSequence: number;
  /** Producer timestamp of its last batch, -1 when none. */
  lastTimestamp: number;
  coordinatorEpoch: number;
  /** First offset of its open transaction, -1 when none is open. */
  currentTxnStartOffset: number;
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
  /** Aborted transactions in the returned range (isolation level 1, read_committed); null otherwise. */
  abortedTransactions: Array<{ producerId: number; firstOffset: number }> | null;
}

export interface FetchParams {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  signal: AbortSignal;
}

const key = (topic: string, partition: number): string => `${topic}-${partition}`;

/**
 * Kafka 3.8's ReplicaManager/AddPartitionsToTxnManager mapping of a failed verification to
 * the error a Produce (v3-v10) carries: retriable coordinator errors become
 * NOT_ENOUGH_REPLICAS (which older clients retry without a metadata refresh),
 * PRODUCER_FENCED becomes INVALID_PRODUCER_EPOCH, and TRANSACTION_ABORTABLE (Produce v11+
 * only, not served here) and CLUSTER_AUTHORIZATION_FAILED become INVALID_TXN_STATE.
 */
function produceErrorForVerification(code: number): { errorCode: number; message: string | null } {
  switch (code) {
    case ErrorCode.INVALID_TXN_STATE:
      return { errorCode: code, message: 'Partition was not added to the transaction' };
    case ErrorCode.CONCURRENT_TRANSACTIONS:
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.NOT_COORDINATOR:
    case ErrorCode.NETWORK_EXCEPTION:
      return {
        errorCode: ErrorCode.NOT_ENOUGH_REPLICAS,
        message: `Unable to verify the partition has been added to the transaction. Underlying error code: ${code}`,
      };
    case ErrorCode.PRODUCER_FENCED:
      return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: null };
    case ErrorCode.TRANSACTION_ABORTABLE:
    case ErrorCode.CLUSTER_AUTHORIZATION_FAILED:
      return { errorCode: ErrorCode.INVALID_TXN_STATE, message: null };
    default:
      return { errorCode: code, message: null };
  }
}

export class ReplicaManager {
  readonly #logs: LogManager;
  readonly #log: Logger;
  readonly #partitions = new Map<string, Partition>();
  readonly #now: () => number;
  #verifier: TransactionVerifier | null = null;
  /**
   * Per partition and producer, the moment the previous verified append entered the log's
   * queue: a producer's pipelined requests reach the log in the order they arrived, however
   * their verifications interleave.
   */
  readonly #verifiedOrder = new Map<string, Promise<void>>();

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

  /** The transaction coordinator that verifies transactional produces (null: they are refused with INVALID_TXN_STATE). */
  setTransactionVerifier(v: TransactionVerifier | null): void {
    this.#verifier = v;
  }

  async appendRecords(inputs: readonly ProduceInput[]): Promise<ProduceResult[]> {
    const producers = inputs.map((i) => transactionalProducers(i.records));
    if (producers.some((list) => list.length > 0)) {
      // Kafka answers the whole request: without a transactional id (KafkaApis, before any
      // append) and with batches of more than one producer (getTransactionalProducerInfo).
      const distinct = new Set(producers.flat().map((p) => `${p.producerId}:${p.producerEpoch}`));
      const txnId = inputs.find((i) => i.transactionalId != null)?.transactionalId ?? null;
      const error = txnId === null ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
        : distinct.size > 1 ? ErrorCode.INVALID_PRODUCER_ID_MAPPING : ErrorCode.NONE;
      if (error !== ErrorCode.NONE) {
        return inputs.map((i) => ({
          topic: i.topic, partition: i.partition, errorCode: error, errorMessage: null,
          baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [],
        }));
      }
    }
    return Promise.all(inputs.map((i, n) => this.#appendOne(i, producers[n]![0] ?? null)));
  }

  async #appendOne(input: ProduceInput, txn: TransactionalProducer | null): Promise<ProduceResult> {
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
      const options = { assignOffsets: true, leaderEpoch: p.leaderEpoch, crcVerified: true };
      let info: LogAppendInfo;
      if (txn === null) {
        info = await p.log.append(input.records!, options);
      } else {
        const verified = await this.#appendVerified(p, input, txn, options);
        if (typeof verified === 'number') {
          const mapped = produceErrorForVerification(verified);
          result.errorCode = mapped.errorCode;
          result.errorMessage = mapped.message;
          result.logStartOffset = BigInt(p.log.logStartOffset);
          return result;
        }
        info = verified;
      }
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
   * KIP-890 part 1: takes the log's verification guard, asks the verifier, then appends
   * carrying the guard. Returns the verifier's error code when it said no. The guard is
   * taken and the append enqueued in this producer's arrival order on the partition.
   */
  async #appendVerified(p: Partition, input: ProduceInput, txn: TransactionalProducer,
    options: { assignOffsets: boolean; leaderEpoch: number; crcVerified: boolean }): Promise<LogAppendInfo | number> {
    const orderKey = `${key(input.topic, input.partition)}:${txn.producerId}`;
    const previous = this.#verifiedOrder.get(orderKey) ?? Promise.resolve();
    let enqueued!: () => void;
    const mine = new Promise<void>((resolve) => { enqueued = resolve; });
    this.#verifiedOrder.set(orderKey, mine);
    try {
      const guard = p.log.maybeStartTransactionVerification(txn.producerId, txn.baseSequence, txn.producerEpoch);
      let code: number = ErrorCode.NONE;
      if (guard !== VerificationGuard.SENTINEL && p.log.config.transactionPartitionVerificationEnable !== false) {
        code = this.#verifier === null ? ErrorCode.INVALID_TXN_STATE
          : await this.#verifier.verifyTransaction(input.transactionalId!, txn.producerId, txn.producerEpoch, input.topic, input.partition);
      }
      await previous;
      if (code !== ErrorCode.NONE) return code;
      // append() enqueues at once: the producer's next request may follow from here.
      const appended = p.log.append(input.records!, { ...options, verificationGuard: guard });
      enqueued();
      return await appended;
    } finally {
      enqueued();
      if (this.#verifiedOrder.get(orderKey) === mine) this.#verifiedOrder.delete(orderKey);
    }
  }

  /**
   * Writes a COMMIT/ABORT marker (the transaction coordinator's WriteTxnMarkers); resolves
   * to a Kafka error code (NONE when written). Wakes fetchers: read_committed ones wait
   * for the last stable offset the marker moves.
   */
  async appendTransactionMarker(topic: string, partition: number, marker: TransactionMarker): Promise<number> {
    const p = this.#partitions.get(key(topic, partition));
    if (p === undefined) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    try {
      await p.log.appendTransactionMarker(marker, p.leaderEpoch);
    } catch (err) {
      if (!(err instanceof StorageError)) throw err;
      if (!(err instanceof ProducerStateError)) this.#log.warn({ topic, partition, err: err.message }, 'transaction marker append failed');
      return err.errorCode;
    }
    p.maybeIncrementHighWatermark();
    p.notifyAppend();
    return ErrorCode.NONE;
  }

  /**
   * Coordinator-origin append of a batch of records (the coordinators' internal topics;
   * Kafka's AppendOrigin.COORDINATOR): producer epochs are checked, sequences are not, so
   * a transactional batch without sequences (TxnOffsetCommit) is accepted.
   */
  async appendCoordinatorRecords(topic: string, partition: number, records: Buffer): Promise<ProduceResult> {
    const result: ProduceResult = {
      topic, partition, errorCode: ErrorCode.NONE, errorMessage: null,
      baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [],
    };
    const p = this.#partitions.get(key(topic, partition));
    if (p === undefined) {
      result.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      return result;
    }
    try {
      const info = await p.log.append(records, { origin: 'coordinator', leaderEpoch: p.leaderEpoch });
      p.maybeIncrementHighWatermark();
      p.notifyAppend();
      result.baseOffset = BigInt(info.firstOffset);
      result.logAppendTimeMs = BigInt(info.logAppendTime);
      result.logStartOffset = BigInt(info.logStartOffset);
    } catch (err) {
      if (!(err instanceof StorageError)) throw err;
      result.errorCode = err.errorCode;
      result.errorMessage = err.message;
      result.logStartOffset = BigInt(p.log.logStartOffset);
    }
    return result;
  }

  /**
   * DescribeProducers for one partition: its producers with their epochs, last sequence
   * and timestamp, coordinator epoch and open transaction (Kafka's activeProducerState).
   */
  describeProducers(topic: string, partition: number): { errorCode: number; activeProducers: ProducerStateInfo[] } {
    const p = this.#partitions.get(key(topic, partition));
    if (p === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, activeProducers: [] };
    const activeProducers: ProducerStateInfo[] = [];
    for (const e of p.log.producerState.activeProducers()) {
      activeProducers.push({
        producerId: e.producerId, producerEpoch: e.producerEpoch, lastSequence: e.lastSeq, lastTimestamp: e.lastTimestamp,
        coordinatorEpoch: e.coordinatorEpoch, currentTxnStartOffset: e.currentTxnFirstOffset,
      });
    }
    return { errorCode: ErrorCode.NONE, activeProducers };
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
        highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, records: null, abortedTransactions: null,
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
        r.abortedTransactions = data.abortedTransactions;
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
