/**
 * What the parts of a group coordinator shard share while one operation runs: the clock,
 * the shard's timer, the settings, the topic metadata, and the records the operation has
 * decided to write.
 */
import type { Uuid } from '@samsa/protocol';
import type { Clock } from '../../storage/clock.ts';
import type { CoordinatorRecord, CoordinatorResult, CoordinatorTimer } from '../coordinator-runtime.ts';
import type { GroupCoordinatorShard } from './group-coordinator-shard.ts';

/** The group coordinator's settings (Kafka's GroupCoordinatorConfig). */
export interface GroupCoordinatorConfig {
  /** group.initial.rebalance.delay.ms */
  initialRebalanceDelayMs: number;
  /** group.min.session.timeout.ms */
  minSessionTimeoutMs: number;
  /** group.max.session.timeout.ms */
  maxSessionTimeoutMs: number;
  /** group.max.size */
  maxSize: number;
  /** How long a member that joined but never completed a generation is kept (Kafka: 5 minutes). */
  newMemberJoinTimeoutMs: number;
  /** offsets.retention.minutes, in ms */
  offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms */
  offsetsRetentionCheckIntervalMs: number;
  /** offset.metadata.max.bytes */
  offsetMetadataMaxBytes: number;
  /** group.consumer.session.timeout.ms (KIP-848 groups) */
  consumerGroupSessionTimeoutMs: number;
  /** group.consumer.heartbeat.interval.ms */
  consumerGroupHeartbeatIntervalMs: number;
  /** group.consumer.max.size */
  consumerGroupMaxSize: number;
  /** group.consumer.assignors as assignor names ('uniform', 'range'); the first is the default. */
  consumerGroupAssignors: readonly string[];
}

export const defaultGroupCoordinatorConfig: GroupCoordinatorConfig = {
  initialRebalanceDelayMs: 3000,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 1_800_000,
  maxSize: 0x7fffffff,
  newMemberJoinTimeoutMs: 300_000,
  offsetsRetentionMs: 7 * 24 * 3_600_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
  consumerGroupSessionTimeoutMs: 45_000,
  consumerGroupHeartbeatIntervalMs: 5000,
  consumerGroupMaxSize: 0x7fffffff,
  consumerGroupAssignors: ['uniform', 'range'],
};

/**
 * What the coordinator knows of topics, for KIP-848 assignments (the broker answers from
 * its metadata store; tests from a map). Read at the moment of each heartbeat.
 */
export interface GroupTopicLookup {
  topic(name: string): { topicId: Uuid; numPartitions: number } | undefined;
  topicById(topicId: Uuid): { name: string; numPartitions: number } | undefined;
}

export class ShardContext {
  readonly clock: Clock;
  readonly timer: CoordinatorTimer<GroupCoordinatorShard>;
  readonly config: GroupCoordinatorConfig;
  readonly topics: GroupTopicLookup;
  #records: CoordinatorRecord[] = [];

  constructor(clock: Clock, timer: CoordinatorTimer<GroupCoordinatorShard>, config: GroupCoordinatorConfig, topics: GroupTopicLookup) {
    this.clock = clock;
    this.timer = timer;
    this.config = config;
    this.topics = topics;
  }

  now(): number {
    return this.clock.now();
  }

  /** Adds a record to those the current operation writes. */
  emit(record: CoordinatorRecord): void {
    this.#records.push(record);
  }

  /** Drops what the current operation emitted (it failed part-way and writes nothing). */
  discard(): void {
    this.#records = [];
  }

  /** Ends the current operation: its records and response, ready for the runtime. */
  result<T>(response: T, options: {
    replayRecords?: boolean;
    onAppended?: (error: Error | null) => void;
    /** Write the records inside this producer's transaction (TxnOffsetCommit). */
    transaction?: { producerId: number; producerEpoch: number };
  } = {}): CoordinatorResult<T> {
    const records = this.#records;
    this.#records = [];
    const result: CoordinatorResult<T> = { records, response, replayRecords: options.replayRecords ?? true };
    if (options.onAppended) result.onAppended = options.onAppended;
    if (options.transaction) result.transaction = options.transaction;
    return result;
  }
}
