/**
 * One partition of `__transaction_state`: the transactional ids that hash to it and
 * their transactions (Kafka's TransactionStateManager cache plus TransactionCoordinator's
 * state transitions, for one partition).
 *
 * Request handlers return `{records, response}`; `replay` is the only thing that changes
 * a transactional id's metadata. What is not durable is kept beside it, as Kafka keeps
 * it: the pending transition of an id (the record an operation emitted and that has not
 * been replayed yet, or the Complete* record that follows the markers being written),
 * which makes other operations on the id answer CONCURRENT_TRANSACTIONS, and the last
 * producer id and epoch (KIP-360 retries), which the log's v0 value does not store.
 */
import { ErrorCode } from '@samsa/protocol';
import type { Clock } from '../../storage/clock.ts';
import type { CoordinatorResult, CoordinatorShard, CoordinatorTimer, LoadedRecord } from '../coordinator-runtime.ts';
import {
  containsAll, fromTopicPartitionIds, isComplete, isEpochExhausted, isPrepare, partitionsOf, toLogValue, toTopicPartitionIds,
  tpKey, withPartitions, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, type MarkerJob, type TopicPartition, type TransactionCoordinatorConfig,
  type TransactionMetadata,
} from './transaction-metadata.ts';
import {
  readTransactionLogKey, readTransactionLogValue, transactionRecord, txnStateName, TxnState,
} from './transaction-records.ts';

/** What the shard needs from the service around it. */
export interface TransactionShardHooks {
  /** The epoch markers carry: the leader epoch of the shard's partition of `__transaction_state`. */
  coordinatorEpoch(): number;
  /**
   * A Prepare* record is in the log, or was found on load: write the job's markers, then
   * write the Complete* record (`completeTransaction`). Called in the shard's turn.
   */
  sendMarkers(job: MarkerJob): void;
}

export interface ProducerIdAndEpoch {
  producerId: number;
  producerEpoch: number;
}

export interface InitProducerIdParams {
  transactionalId: string;
  transactionTimeoutMs: number;
  /** The producer's current id and epoch (InitProducerId v3+, KIP-360), or null. */
  expected: ProducerIdAndEpoch | null;
  /** A fresh producer id, when the caller found one is needed (`needsNewProducerId`). */
  newProducerId: number | null;
}

export interface InitProducerIdOutcome {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

export interface TxnRequestParams {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
}

export interface DescribedTransaction {
  errorCode: number;
  transactionalId: string;
  transactionState: string;
  transactionTimeoutMs: number;
  transactionStartTimeMs: number;
  producerId: number;
  producerEpoch: number;
  topics: Array<{ topic: string; partitions: number[] }>;
}

export interface ListedTransaction {
  transactionalId: string;
  producerId: number;
  transactionState: string;
}

export interface ListTransactionsFilter {
  /** Known state names; empty: every state. */
  states: ReadonlySet<TxnState>;
  /** Empty: every producer id. */
  producerIds: ReadonlySet<number>;
  /** ListTransactions v1 (KIP-994): only transactions running longer than this; < 0: all. */
  durationMs: number;
}

interface Pending {
  /** The metadata the next record for the id carries (Kafka's TxnTransitMetadata; state Dead: a tombstone). */
  transit: TransactionMetadata;
  /** While the transaction's markers are written: the job; `transit` is then its Complete*. */
  job?: MarkerJob;
}

const ABORT_TIMER = 'abort-timed-out-transactions';
const EXPIRE_TIMER = 'remove-expired-transactional-ids';

export class TransactionCoordinatorShard implements CoordinatorShard {
  readonly #txns = new Map<string, TransactionMetadata>();
  readonly #pending = new Map<string, Pending>();
  readonly #clock: Clock;
  readonly #timer: CoordinatorTimer<TransactionCoordinatorShard>;
  readonly #config: TransactionCoordinatorConfig;
  readonly #hooks: TransactionShardHooks;

  constructor(clock: Clock, timer: CoordinatorTimer<TransactionCoordinatorShard>, config: TransactionCoordinatorConfig, hooks: TransactionShardHooks) {
    this.#clock = clock;
    this.#timer = timer;
    this.#config = config;
    this.#hooks = hooks;
  }

  // --- replay ---

  replay(loaded: LoadedRecord): void {
    const id = readTransactionLogKey(loaded.record.key);
    if (id === null) return;
    const pending = this.#pending.get(id);
    if (loaded.record.value === null) {
      this.#txns.delete(id);
      if (pending?.transit.state === TxnState.Dead) this.#pending.delete(id);
      return;
    }
    const v = readTransactionLogValue(loaded.record.value);
    // The transition this shard emitted carries what the log does not keep; a record
    // read at load time (no pending transition) starts without it, as in Kafka.
    const ours = pending !== undefined && pending.transit.state === v.state && pending.transit.producerId === v.producerId
      && pending.transit.producerEpoch === v.producerEpoch;
    if (ours) this.#pending.delete(id);
    const existing = this.#txns.get(id);
    this.#txns.set(id, {
      transactionalId: id,
      producerId: v.producerId,
      lastProducerId: ours ? pending.transit.lastProducerId : (existing?.lastProducerId ?? NO_PRODUCER_ID),
      producerEpoch: v.producerEpoch,
      lastProducerEpoch: ours ? pending.transit.lastProducerEpoch : (existing?.lastProducerEpoch ?? NO_PRODUCER_EPOCH),
      txnTimeoutMs: v.transactionTimeoutMs,
      state: v.state,
      partitions: fromTopicPartitionIds(v.partitions),
      txnStartTimestamp: v.startTimestampMs,
      txnLastUpdateTimestamp: v.lastUpdateTimestampMs,
    });
  }

  onLoaded(): void {
    this.#timer.schedule(ABORT_TIMER, this.#config.abortTimedOutTransactionsIntervalMs, (s) => s.abortTimedOutTransactions());
    this.#timer.schedule(EXPIRE_TIMER, this.#config.removeExpiredTransactionalIdsIntervalMs, (s) => s.removeExpiredTransactionalIds());
    // Kafka's loadTransactionsForTxnTopicPartition: a transaction left in Prepare* gets its markers (again).
    for (const m of this.#txns.values()) if (isPrepare(m.state)) this.#startMarkers(m.transactionalId);
  }

  onUnloaded(): void {
    this.#pending.clear();
  }

  // --- reads ---

  get(transactionalId: string): Readonly<TransactionMetadata> | undefined {
    return this.#txns.get(transactionalId);
  }

  /** The pending transition of an id (Kafka's pendingState), if any. */
  pendingState(transactionalId: string): TxnState | undefined {
    return this.#pending.get(transactionalId)?.transit.state;
  }

  /** Whether InitProducerId will need a fresh producer id: a new transactional id, or an exhausted epoch. */
  needsNewProducerId(transactionalId: string, expected: ProducerIdAndEpoch | null): boolean {
    const m = this.#txns.get(transactionalId);
    if (m === undefined) return true;
    return (m.state === TxnState.Empty || isComplete(m.state)) && isEpochExhausted(m.producerEpoch)
      && (expected === null || expected.producerEpoch === m.producerEpoch);
  }

  /**
   * KIP-890 verification (AddPartitionsToTxn v4 verifyOnly): per partition, NONE when it is
   * in the ongoing transaction of this producer id and epoch. A partition not in it is
   * INVALID_TXN_STATE, the answer below v5 (v5's TRANSACTION_ABORTABLE is not served).
   */
  verify(p: TxnRequestParams, partitions: readonly TopicPartition[]): number[] {
    const m = this.#txns.get(p.transactionalId);
    let all: number | null = null;
    if (m === undefined || m.producerId !== p.producerId) all = ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    else if (m.producerEpoch !== p.producerEpoch) all = ErrorCode.PRODUCER_FENCED;
    else if (isPrepare(m.state)) all = ErrorCode.CONCURRENT_TRANSACTIONS;
    return partitions.map(({ topic, partition }) =>
      all ?? (m!.partitions.get(topic)?.has(partition) === true ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE));
  }

  describe(transactionalId: string): DescribedTransaction {
    const m = this.#txns.get(transactionalId);
    if (m === undefined) {
      return {
        errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, transactionalId, transactionState: '', transactionTimeoutMs: 0,
        transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [],
      };
    }
    // While markers are written, only the partitions still without theirs (as Kafka's removePartition leaves it).
    const job = this.#pending.get(transactionalId)?.job;
    const partitions = job === undefined ? m.partitions
      : withPartitions(new Map(), job.partitions.filter((tp) => job.remaining.has(tpKey(tp.topic, tp.partition))));
    return {
      errorCode: ErrorCode.NONE,
      transactionalId,
      transactionState: txnStateName(m.state),
      transactionTimeoutMs: m.txnTimeoutMs,
      transactionStartTimeMs: m.txnStartTimestamp,
      producerId: m.producerId,
      producerEpoch: m.producerEpoch,
      topics: toTopicPartitionIds(partitions).map((t) => ({ topic: t.topic, partitions: t.partitionIds })),
    };
  }

  list(filter: ListTransactionsFilter): ListedTransaction[] {
    const now = this.#clock.now();
    const out: ListedTransaction[] = [];
    for (const m of this.#txns.values()) {
      if (filter.producerIds.size > 0 && !filter.producerIds.has(m.producerId)) continue;
      if (filter.states.size > 0 && !filter.states.has(m.state)) continue;
      if (filter.durationMs >= 0 && now - m.txnStartTimestamp <= filter.durationMs) continue;
      out.push({ transactionalId: m.transactionalId, producerId: m.producerId, transactionState: txnStateName(m.state) });
    }
    return out;
  }

  // --- writes ---

  /** InitProducerId with a transactional id (Kafka's handleInitProducerId / prepareInitProducerIdTransit). */
  initProducerId(p: InitProducerIdParams): CoordinatorResult<InitProducerIdOutcome> {
    const refuse = (errorCode: number): CoordinatorResult<InitProducerIdOutcome> =>
      ({ records: [], response: { errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH } });
    const answer = (t: TransactionMetadata): InitProducerIdOutcome => ({ errorCode: ErrorCode.NONE, producerId: t.producerId, producerEpoch: t.producerEpoch });
    const now = this.#clock.now();
    const id = p.transactionalId;
    if (this.#pending.has(id)) return refuse(ErrorCode.CONCURRENT_TRANSACTIONS);
    const m = this.#txns.get(id);
    if (m === undefined) {
      // A producer id found missing between the caller's look and this turn: let the client retry.
      if (p.newProducerId === null) return refuse(ErrorCode.CONCURRENT_TRANSACTIONS);
      const created: TransactionMetadata = {
        transactionalId: id, producerId: p.newProducerId, lastProducerId: NO_PRODUCER_ID, producerEpoch: 0, lastProducerEpoch: NO_PRODUCER_EPOCH,
        txnTimeoutMs: p.transactionTimeoutMs, state: TxnState.Empty, partitions: new Map(), txnStartTimestamp: -1, txnLastUpdateTimestamp: now,
      };
      return this.#emit([created], answer(created));
    }
    const e = p.expected;
    // KIP-360: a producer that names its id is fenced unless it is the current one, or the
    // previous one retrying a bump that rotated the id on an exhausted epoch.
    if (e !== null && !(m.producerEpoch === NO_PRODUCER_EPOCH || e.producerId === m.producerId
      || (e.producerId === m.lastProducerId && isEpochExhausted(e.producerEpoch)))) {
      return refuse(ErrorCode.PRODUCER_FENCED);
    }
    switch (m.state) {
      case TxnState.PrepareCommit:
      case TxnState.PrepareAbort:
        return refuse(ErrorCode.CONCURRENT_TRANSACTIONS);
      case TxnState.Ongoing: {
        // Fence the producer and abort its transaction with the bumped epoch; the client
        // retries on CONCURRENT_TRANSACTIONS and gets a second bump once the abort is done.
        const fenced = this.#fenced(m, now);
        return this.#emit([fenced], { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH },
          () => this.#startMarkers(id));
      }
      default: {
        const base = {
          ...m, lastProducerId: m.producerId, txnTimeoutMs: p.transactionTimeoutMs, state: TxnState.Empty, partitions: new Map(),
          txnStartTimestamp: -1, txnLastUpdateTimestamp: now,
        } satisfies TransactionMetadata;
        if (isEpochExhausted(m.producerEpoch) && (e === null || e.producerEpoch === m.producerEpoch)) {
          if (p.newProducerId === null) return refuse(ErrorCode.CONCURRENT_TRANSACTIONS);
          const rotated = { ...base, producerId: p.newProducerId, producerEpoch: 0, lastProducerEpoch: e !== null ? m.producerEpoch : NO_PRODUCER_EPOCH };
          return this.#emit([rotated], answer(rotated));
        }
        let epoch: number;
        let lastEpoch: number;
        if (e === null) {
          [epoch, lastEpoch] = [m.producerEpoch + 1, NO_PRODUCER_EPOCH];
        } else if (m.producerEpoch === NO_PRODUCER_EPOCH || e.producerEpoch === m.producerEpoch) {
          [epoch, lastEpoch] = [m.producerEpoch + 1, m.producerEpoch];
        } else if (e.producerEpoch === m.lastProducerEpoch) {
          // A retry of a bump whose answer was lost: the same epoch again.
          [epoch, lastEpoch] = [m.producerEpoch, m.lastProducerEpoch];
        } else {
          return refuse(ErrorCode.PRODUCER_FENCED);
        }
        const bumped = { ...base, producerEpoch: epoch, lastProducerEpoch: lastEpoch };
        return this.#emit([bumped], answer(bumped));
      }
    }
  }

  /** AddPartitionsToTxn (and AddOffsetsToTxn with the group's partition): Kafka's handleAddPartitionsToTransaction. */
  addPartitions(p: TxnRequestParams, partitions: readonly TopicPartition[]): CoordinatorResult<number> {
    const refuse = (errorCode: number): CoordinatorResult<number> => ({ records: [], response: errorCode });
    const m = this.#txns.get(p.transactionalId);
    if (m === undefined || m.producerId !== p.producerId) return refuse(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    if (m.producerEpoch !== p.producerEpoch) return refuse(ErrorCode.PRODUCER_FENCED);
    if (this.#pending.has(p.transactionalId) || isPrepare(m.state)) return refuse(ErrorCode.CONCURRENT_TRANSACTIONS);
    if (m.state === TxnState.Ongoing && containsAll(m.partitions, partitions)) return refuse(ErrorCode.NONE);
    const now = this.#clock.now();
    const added: TransactionMetadata = {
      ...m, state: TxnState.Ongoing, partitions: withPartitions(m.partitions, partitions),
      txnStartTimestamp: m.state === TxnState.Ongoing ? m.txnStartTimestamp : now, txnLastUpdateTimestamp: now,
    };
    return this.#emit([added], ErrorCode.NONE);
  }

  /** EndTxn from the client (Kafka's endTransaction with isFromClient). */
  endTransaction(p: TxnRequestParams, committed: boolean): CoordinatorResult<number> {
    const refuse = (errorCode: number): CoordinatorResult<number> => ({ records: [], response: errorCode });
    const m = this.#txns.get(p.transactionalId);
    if (m === undefined || m.producerId !== p.producerId) return refuse(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    if (m.producerEpoch !== p.producerEpoch) return refuse(ErrorCode.PRODUCER_FENCED);
    if (this.#pending.has(p.transactionalId)) return refuse(ErrorCode.CONCURRENT_TRANSACTIONS);
    switch (m.state) {
      case TxnState.Ongoing: {
        const prepared: TransactionMetadata = {
          ...m, state: committed ? TxnState.PrepareCommit : TxnState.PrepareAbort,
          txnLastUpdateTimestamp: this.#clock.now(),
        };
        return this.#emit([prepared], ErrorCode.NONE, () => this.#startMarkers(p.transactionalId));
      }
      // A retry of an EndTxn whose answer was lost.
      case TxnState.CompleteCommit:
        return refuse(committed ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE);
      case TxnState.CompleteAbort:
        return refuse(committed ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE);
      case TxnState.PrepareCommit:
        return refuse(committed ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE);
      case TxnState.PrepareAbort:
        return refuse(committed ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS);
      default:
        return refuse(ErrorCode.INVALID_TXN_STATE);
    }
  }

  /**
   * Every marker of the job is written: the Complete* record. Answers false (and writes
   * nothing) when the job is no longer this shard's. On a failed append the transition
   * stays pending, so the caller may try again.
   */
  completeTransaction(job: MarkerJob): CoordinatorResult<boolean> {
    const pending = this.#pending.get(job.transactionalId);
    if (pending?.job !== job) return { records: [], response: false };
    pending.transit = { ...pending.transit, txnLastUpdateTimestamp: this.#clock.now() };
    return { records: [transactionRecord(job.transactionalId, toLogValue(pending.transit))], response: true };
  }

  /**
   * Timer: transactions Ongoing past their timeout are aborted with a bumped epoch, which
   * fences their producer (Kafka's abortTimedOutTransactions).
   */
  abortTimedOutTransactions(): CoordinatorResult<void> {
    this.#timer.schedule(ABORT_TIMER, this.#config.abortTimedOutTransactionsIntervalMs, (s) => s.abortTimedOutTransactions());
    const now = this.#clock.now();
    const fenced: TransactionMetadata[] = [];
    for (const m of this.#txns.values()) {
      if (m.state === TxnState.Ongoing && !this.#pending.has(m.transactionalId) && m.txnStartTimestamp + m.txnTimeoutMs < now) {
        fenced.push(this.#fenced(m, now));
      }
    }
    return this.#emit(fenced, undefined, () => { for (const t of fenced) this.#startMarkers(t.transactionalId); });
  }

  /** Timer: ids idle in Empty or Complete* past transactional.id.expiration.ms are tombstoned. */
  removeExpiredTransactionalIds(): CoordinatorResult<void> {
    this.#timer.schedule(EXPIRE_TIMER, this.#config.removeExpiredTransactionalIdsIntervalMs, (s) => s.removeExpiredTransactionalIds());
    const now = this.#clock.now();
    const dead: TransactionMetadata[] = [];
    for (const m of this.#txns.values()) {
      if ((m.state === TxnState.Empty || isComplete(m.state)) && !this.#pending.has(m.transactionalId)
        && m.txnLastUpdateTimestamp <= now - this.#config.transactionalIdExpirationMs) {
        dead.push({ ...m, state: TxnState.Dead, partitions: new Map() });
      }
    }
    return this.#emit(dead, undefined);
  }

  // --- helpers ---

  /** Kafka's prepareFenceProducerEpoch followed by the abort: PrepareAbort with the epoch bumped. */
  #fenced(m: TransactionMetadata, now: number): TransactionMetadata {
    return {
      ...m, producerEpoch: m.producerEpoch >= 32767 ? m.producerEpoch : m.producerEpoch + 1,
      lastProducerEpoch: NO_PRODUCER_EPOCH, state: TxnState.PrepareAbort, txnLastUpdateTimestamp: now,
    };
  }

  /** The records of `transits`, pending until replayed (or dropped if the append fails); `then` runs once replayed. */
  #emit<T>(transits: readonly TransactionMetadata[], response: T, then?: () => void): CoordinatorResult<T> {
    for (const t of transits) this.#pending.set(t.transactionalId, { transit: t });
    return {
      records: transits.map((t) => transactionRecord(t.transactionalId, t.state === TxnState.Dead ? null : toLogValue(t))),
      response,
      onAppended: (err) => {
        if (err === null) {
          then?.();
          return;
        }
        for (const t of transits) if (this.#pending.get(t.transactionalId)?.transit === t) this.#pending.delete(t.transactionalId);
      },
    };
  }

  /** The id's Prepare* is in the log: its Complete* becomes pending and the markers go out. */
  #startMarkers(transactionalId: string): void {
    const m = this.#txns.get(transactionalId);
    if (m === undefined || !isPrepare(m.state)) return;
    const committed = m.state === TxnState.PrepareCommit;
    const partitions = partitionsOf(m.partitions);
    const job: MarkerJob = {
      transactionalId, producerId: m.producerId, producerEpoch: m.producerEpoch, coordinatorEpoch: this.#hooks.coordinatorEpoch(),
      committed, partitions, remaining: new Set(partitions.map((tp) => tpKey(tp.topic, tp.partition))),
    };
    const complete: TransactionMetadata = {
      ...m, state: committed ? TxnState.CompleteCommit : TxnState.CompleteAbort, partitions: new Map(),
      txnLastUpdateTimestamp: this.#clock.now(),
    };
    this.#pending.set(transactionalId, { transit: complete, job });
    this.#hooks.sendMarkers(job);
  }
}

