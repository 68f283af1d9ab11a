/**
 * What the transaction coordinator knows of one transactional id (Kafka's
 * TransactionMetadata), the settings it runs with, and the job of writing one
 * transaction's markers. Kept as plain data: the shard replays records into it.
 */
import { TxnState, type TopicPartitionIds, type TransactionLogValue } from './transaction-records.ts';

/** Kafka's RecordBatch.NO_PRODUCER_ID / NO_PRODUCER_EPOCH. */
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
/** Epochs stop one short of Short.MAX_VALUE so a producer can always still be fenced (Kafka's isEpochExhausted). */
export const isEpochExhausted = (epoch: number): boolean => epoch >= 32767 - 1;

export interface TransactionCoordinatorConfig {
  /** transaction.max.timeout.ms: longer transaction timeouts are INVALID_TRANSACTION_TIMEOUT. */
  transactionMaxTimeoutMs: number;
  /** transactional.id.expiration.ms: ids idle this long in Empty/Complete* are tombstoned. */
  transactionalIdExpirationMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms */
  abortTimedOutTransactionsIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms */
  removeExpiredTransactionalIdsIntervalMs: number;
}

export const defaultTransactionCoordinatorConfig: TransactionCoordinatorConfig = {
  transactionMaxTimeoutMs: 900_000,
  transactionalIdExpirationMs: 604_800_000,
  abortTimedOutTransactionsIntervalMs: 10_000,
  removeExpiredTransactionalIdsIntervalMs: 3_600_000,
};

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** Partitions of a transaction, by topic. Never mutated once built: transitions build new ones. */
export type TxnPartitions = ReadonlyMap<string, ReadonlySet<number>>;

export interface TransactionMetadata {
  transactionalId: string;
  producerId: number;
  /** The producer id before the last transition (NO_PRODUCER_ID after a load: the log does not keep it). */
  lastProducerId: number;
  producerEpoch: number;
  /** The epoch a KIP-360 bump came from, so its retry is answered again (NO_PRODUCER_EPOCH after a load). */
  lastProducerEpoch: number;
  txnTimeoutMs: number;
  state: TxnState;
  partitions: TxnPartitions;
  /** When the transaction's first partition was added; -1 in Empty. */
  txnStartTimestamp: number;
  txnLastUpdateTimestamp: number;
}

/**
 * The markers one transaction still has to write: built once its Prepare* record is in the
 * log (or found on load), emptied by the marker sender as partitions answer.
 */
export interface MarkerJob {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  committed: boolean;
  partitions: readonly TopicPartition[];
  /** Partitions without their marker yet, keyed by `tpKey`. */
  remaining: Set<string>;
}

export const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export function partitionsOf(m: TxnPartitions): TopicPartition[] {
  const out: TopicPartition[] = [];
  for (const [topic, ids] of m) for (const partition of ids) out.push({ topic, partition });
  return out;
}

export function withPartitions(m: TxnPartitions, added: readonly TopicPartition[]): TxnPartitions {
  const out = new Map<string, Set<number>>();
  for (const [topic, ids] of m) out.set(topic, new Set(ids));
  for (const { topic, partition } of added) {
    let ids = out.get(topic);
    if (ids === undefined) out.set(topic, ids = new Set());
    ids.add(partition);
  }
  return out;
}

export function containsAll(m: TxnPartitions, ps: readonly TopicPartition[]): boolean {
  return ps.every(({ topic, partition }) => m.get(topic)?.has(partition) === true);
}

/** Topics sorted by name, partitions ascending: the order records and answers list them in. */
export function toTopicPartitionIds(m: TxnPartitions): TopicPartitionIds[] {
  return [...m].filter(([, ids]) => ids.size > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([topic, ids]) => ({ topic, partitionIds: [...ids].sort((a, b) => a - b) }));
}

export function fromTopicPartitionIds(ps: readonly TopicPartitionIds[]): TxnPartitions {
  const out = new Map<string, Set<number>>();
  for (const p of ps) {
    const ids = out.get(p.topic) ?? new Set<number>();
    for (const id of p.partitionIds) ids.add(id);
    out.set(p.topic, ids);
  }
  return out;
}

export function toLogValue(m: TransactionMetadata): TransactionLogValue {
  return {
    producerId: m.producerId,
    producerEpoch: m.producerEpoch,
    transactionTimeoutMs: m.txnTimeoutMs,
    state: m.state,
    partitions: toTopicPartitionIds(m.partitions),
    lastUpdateTimestampMs: m.txnLastUpdateTimestamp,
    startTimestampMs: m.txnStartTimestamp,
  };
}

export const isPrepare = (s: TxnState): boolean => s === TxnState.PrepareCommit || s === TxnState.PrepareAbort;
export const isComplete = (s: TxnState): boolean => s === TxnState.CompleteCommit || s === TxnState.CompleteAbort;
