/**
 * The group coordinator as the broker's handlers see it (Kafka's GroupCoordinatorService):
 * routes each group to the `__consumer_offsets` partition its id hashes to, runs the
 * operation on that partition's shard, and turns failures into Kafka's error codes.
 *
 * The internal topic is created on first use (the first FindCoordinator for a group), as
 * Kafka does, and every partition this broker leads is loaded (replayed) before it is
 * served; until then requests get COORDINATOR_LOAD_IN_PROGRESS.
 */
import { ErrorCode } from '@samsa/protocol';
import type { Logger } from '../../logger.ts';
import type { Clock } from '../../storage/clock.ts';
import {
  CoordinatorAppendError, CoordinatorNotAvailableError, CoordinatorRuntime, type CoordinatorLog, type CoordinatorResult,
  type TransactionMarker,
} from '../coordinator-runtime.ts';
import type { JoinResult, SyncResult } from './classic-group.ts';
import type {
  DescribedGroup, HeartbeatParams, JoinGroupParams, LeaveGroupParams, LeaveGroupResult, ListedGroup, SyncGroupParams,
} from './classic-group-manager.ts';
import {
  heartbeatError, type ConsumerGroupHeartbeatParams, type ConsumerGroupHeartbeatResult, type DescribedConsumerGroup,
} from './consumer-group-manager.ts';
import { coordinatorErrorCode, InternalTopicPartitions, type InternalTopic } from '../internal-topic.ts';
import { GroupCoordinatorShard } from './group-coordinator-shard.ts';
import type { FetchedOffsets, OffsetCommitParams, OffsetDeleteResult, PartitionErrors, TxnOffsetCommitParams } from './offset-manager.ts';
import type { GroupCoordinatorConfig, GroupTopicLookup } from './shard-context.ts';

export const GROUP_METADATA_TOPIC = '__consumer_offsets';

export interface GroupCoordinatorOptions {
  log: CoordinatorLog;
  topic: InternalTopic;
  clock: Clock;
  config: GroupCoordinatorConfig;
  /** Topic ids and partition counts, for KIP-848 assignments. */
  topics: GroupTopicLookup;
  /** offsets.topic.num.partitions: used when the topic is created. */
  numPartitions: number;
  logger: Logger;
}

/**
 * The error code a failed TxnOffsetCommit answers with. Errors of the producer's state
 * that the log's append found (a fenced epoch, an unknown producer id, a transaction in
 * the wrong state) reach the producer as they are, as Kafka's handleOperationException
 * passes them on; NETWORK_EXCEPTION (a failed KIP-890 verification) becomes the retriable
 * COORDINATOR_LOAD_IN_PROGRESS, which every client retries without a coordinator lookup.
 */
export function txnOffsetCommitErrorCode(err: unknown): number {
  if (err instanceof CoordinatorAppendError) {
    switch (err.errorCode) {
      case ErrorCode.INVALID_PRODUCER_EPOCH:
      case ErrorCode.PRODUCER_FENCED:
      case ErrorCode.INVALID_PRODUCER_ID_MAPPING:
      case ErrorCode.INVALID_TXN_STATE:
      case ErrorCode.TRANSACTION_ABORTABLE:
        return err.errorCode;
      case ErrorCode.NETWORK_EXCEPTION:
        return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
      case ErrorCode.MESSAGE_TOO_LARGE:
      case ErrorCode.RECORD_LIST_TOO_LARGE:
        return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
      default:
    }
  }
  return coordinatorErrorCode(err);
}

export class GroupCoordinator {
  readonly #options: GroupCoordinatorOptions;
  readonly #runtime: CoordinatorRuntime<GroupCoordinatorShard>;
  readonly #topic: InternalTopicPartitions<GroupCoordinatorShard>;

  constructor(options: GroupCoordinatorOptions) {
    this.#options = options;
    this.#runtime = new CoordinatorRuntime<GroupCoordinatorShard>({
      log: options.log,
      clock: options.clock,
      createShard: (_partition, timer) => new GroupCoordinatorShard(options.clock, timer, options.config, options.topics),
      onTimerError: (partition, key, err) => {
        options.logger.warn({ partition, timer: key, err: err instanceof Error ? err.message : String(err) }, 'group coordinator timer failed');
      },
    });
    this.#topic = new InternalTopicPartitions(this.#runtime, {
      name: GROUP_METADATA_TOPIC, topic: options.topic, numPartitions: options.numPartitions, clock: options.clock, logger: options.logger,
    });
  }

  /** Loads the partitions of an existing `__consumer_offsets` (at broker startup). */
  startup(): Promise<void> {
    return this.#topic.startup();
  }

  shutdown(): void {
    this.#runtime.close();
  }

  partitionFor(groupId: string): number {
    return this.#topic.partitionFor(groupId);
  }

  /**
   * FindCoordinator for a group: creates and loads `__consumer_offsets` on first use.
   * NONE when this broker serves the group, else the error to answer with.
   */
  findCoordinator(groupId: string): Promise<number> {
    return this.#topic.findCoordinator(groupId);
  }

  /** Runs a write operation on the group's shard; a failure is answered by `failed`. */
  async #write<T>(groupId: string, op: (s: GroupCoordinatorShard) => CoordinatorResult<T>, failed: (errorCode: number, err: unknown) => Awaited<T>):
  Promise<Awaited<T>> {
    try {
      return await this.#runtime.write(this.partitionFor(groupId), op);
    } catch (err) {
      return failed(coordinatorErrorCode(err), err);
    }
  }

  /** Runs a read-only operation on the group's shard; a failure is answered by `failed`. */
  #read<T>(groupId: string, op: (s: GroupCoordinatorShard) => T, failed: (errorCode: number) => T): T {
    try {
      return this.#runtime.read(this.partitionFor(groupId), op);
    } catch (err) {
      return failed(coordinatorErrorCode(err));
    }
  }

  joinGroup(p: JoinGroupParams): Promise<JoinResult> {
    return this.#write(p.groupId, (s) => s.joinGroup(p), (errorCode) =>
      ({ errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId: p.memberId, members: [] }));
  }

  syncGroup(p: SyncGroupParams): Promise<SyncResult> {
    return this.#write(p.groupId, (s) => s.syncGroup(p), (errorCode) =>
      ({ errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) }));
  }

  heartbeat(p: HeartbeatParams): Promise<number> {
    return this.#write(p.groupId, (s) => s.heartbeat(p), (errorCode) => errorCode);
  }

  leaveGroup(p: LeaveGroupParams): Promise<LeaveGroupResult> {
    return this.#write(p.groupId, (s) => s.leaveGroup(p), (errorCode) => ({ errorCode, members: p.members.map((m) => ({ ...m, errorCode })) }));
  }

  commitOffsets(p: OffsetCommitParams): Promise<PartitionErrors[]> {
    return this.#write(p.groupId, (s) => s.commitOffsets(p), (mapped, err) => {
      // A commit too large for the log is the client's problem, not the coordinator's.
      const tooLarge = err instanceof CoordinatorAppendError && (err.errorCode === ErrorCode.MESSAGE_TOO_LARGE || err.errorCode === ErrorCode.RECORD_LIST_TOO_LARGE);
      const errorCode = tooLarge ? ErrorCode.INVALID_COMMIT_OFFSET_SIZE : mapped;
      return p.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((q) => ({ partitionIndex: q.partitionIndex, errorCode })) }));
    });
  }

  /**
   * TxnOffsetCommit (KIP-98, KIP-447): per-partition error codes. The offsets are written
   * in the producer's transaction and become committed offsets with its COMMIT marker
   * (`completeTransaction`). Whether the group's partition was added to the transaction
   * (AddOffsetsToTxn, KIP-890 verification) is the caller's to check before this.
   */
  txnOffsetCommit(p: TxnOffsetCommitParams): Promise<PartitionErrors[]> {
    return this.#write(p.groupId, (s) => s.txnOffsetCommit(p), (_mapped, err) => {
      const errorCode = txnOffsetCommitErrorCode(err);
      return p.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((q) => ({ partitionIndex: q.partitionIndex, errorCode })) }));
    });
  }

  /**
   * Writes a transaction marker to a partition of `__consumer_offsets` (the transaction
   * coordinator's WriteTxnMarkers for the partition) and applies it: the producer's
   * pending offsets there are committed or dropped. Resolves to NONE once done, else to
   * the error code (NOT_COORDINATOR when this broker does not lead the partition,
   * COORDINATOR_NOT_AVAILABLE when it failed to load or the append failed for want of
   * replicas, ...). Kafka's WriteTxnMarkers answers NOT_LEADER_OR_FOLLOWER for the
   * coordinator errors so that the transaction coordinator retries: that mapping is the
   * caller's.
   */
  async completeTransaction(partition: number, marker: TransactionMarker): Promise<number> {
    try {
      await this.#runtime.completeTransaction(partition, marker);
      return ErrorCode.NONE;
    } catch (err) {
      if (err instanceof CoordinatorNotAvailableError || err instanceof CoordinatorAppendError) return coordinatorErrorCode(err);
      // The marker writer has no use for an exception: it retries on an error code.
      this.#options.logger.error({ partition, producerId: marker.producerId, err: err instanceof Error ? err.message : String(err) },
        'could not complete a transaction on the group coordinator');
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    }
  }

  /**
   * `member`: the member id and epoch OffsetFetch v9+ carries (KIP-848 groups check them).
   * `requireStable` (v7+): partitions with pending transactional offsets answer
   * UNSTABLE_OFFSET_COMMIT.
   */
  fetchOffsets(groupId: string, topics: Array<{ name: string; partitionIndexes: number[] }> | null,
    member?: { memberId: string | null; memberEpoch: number }, requireStable = false): FetchedOffsets {
    return this.#read(groupId, (s) => s.fetchOffsets(groupId, topics, member, requireStable), (errorCode) => ({ errorCode, topics: [] }));
  }

  deleteOffsets(groupId: string, topics: Array<{ name: string; partitions: number[] }>): Promise<OffsetDeleteResult> {
    return this.#write(groupId, (s) => s.deleteOffsets(groupId, topics), (errorCode) => ({ errorCode, topics: [] }));
  }

  consumerGroupHeartbeat(p: ConsumerGroupHeartbeatParams): Promise<ConsumerGroupHeartbeatResult> {
    return this.#write(p.groupId, (s) => s.consumerGroupHeartbeat(p), (errorCode) => heartbeatError(errorCode));
  }

  consumerGroupDescribe(groupId: string): DescribedConsumerGroup {
    return this.#read(groupId, (s) => s.consumerGroupDescribe(groupId), (errorCode) => ({
      groupId, errorCode, errorMessage: null, groupState: '', groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [],
    }));
  }

  describeGroup(groupId: string): DescribedGroup {
    return this.#read(groupId, (s) => s.describeGroup(groupId), (errorCode) =>
      ({ groupId, errorCode, groupState: '', protocolType: '', protocolData: '', members: [] }));
  }

  /** Every group of every loaded partition; errorCode is COORDINATOR_LOAD_IN_PROGRESS while any loads. */
  listGroups(): { errorCode: number; groups: ListedGroup[] } {
    const groups: ListedGroup[] = [];
    let errorCode: number = ErrorCode.NONE;
    for (const p of this.#runtime.partitions()) {
      try {
        groups.push(...this.#runtime.read(p, (s) => s.listGroups()));
      } catch (err) {
        errorCode = coordinatorErrorCode(err);
      }
    }
    return { errorCode, groups };
  }

  /**
   * Topics were deleted: their committed offsets are removed from every group, as Kafka
   * does, so a group does not keep describing (or resetting to) offsets of a topic that
   * no longer exists, nor hand them to a new topic of the same name.
   */
  async onTopicsDeleted(topics: readonly string[]): Promise<void> {
    const names = new Set(topics);
    await Promise.all(this.#runtime.partitions().map(async (p) => {
      try {
        await this.#runtime.write(p, (s) => s.deleteTopicOffsets(names));
      } catch (err) {
        this.#options.logger.warn({ partition: p, topics, err: err instanceof Error ? err.message : String(err) },
          'could not remove the committed offsets of deleted topics');
      }
    }));
  }

  async deleteGroups(groupIds: readonly string[]): Promise<Array<{ groupId: string; errorCode: number }>> {
    const byPartition = new Map<number, string[]>();
    for (const id of groupIds) {
      const p = this.partitionFor(id);
      byPartition.set(p, [...(byPartition.get(p) ?? []), id]);
    }
    const results = new Map<string, number>();
    await Promise.all([...byPartition].map(async ([p, ids]) => {
      try {
        for (const r of await this.#runtime.write(p, (s) => s.deleteGroups(ids))) results.set(r.groupId, r.errorCode);
      } catch (err) {
        const errorCode = coordinatorErrorCode(err);
        for (const id of ids) results.set(id, errorCode);
      }
    }));
    return groupIds.map((groupId) => ({ groupId, errorCode: results.get(groupId)! }));
  }
}
