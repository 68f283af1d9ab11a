/**
 * One partition of `__consumer_offsets` and the groups hashed to it (Kafka's
 * GroupCoordinatorShard): request operations return records and a response; `replay`
 * applies records, when loading and after live writes. Classic and KIP-848 consumer
 * groups share one namespace of group ids: an id belongs to one kind at a time, and an
 * empty group of one kind gives way to a join of the other.
 */
import { ErrorCode } from '@samsa/protocol';
import type { Clock } from '../../storage/clock.ts';
import type { CoordinatorResult, CoordinatorShard, CoordinatorTimer, LoadedRecord } from '../coordinator-runtime.ts';
import type { JoinResult, SyncResult } from './classic-group.ts';
import {
  ClassicGroupManager, type DescribedGroup, type HeartbeatParams, type JoinGroupParams, type LeaveGroupParams,
  type LeaveGroupResult, type ListedGroup, type SyncGroupParams,
} from './classic-group-manager.ts';
import {
  ConsumerGroupManager, type ConsumerGroupHeartbeatParams, type ConsumerGroupHeartbeatResult, type DescribedConsumerGroup,
} from './consumer-group-manager.ts';
import {
  groupMetadataRecord, readConsumerGroupCurrentMemberAssignmentValue, readConsumerGroupMemberMetadataValue,
  readConsumerGroupMetadataValue, readConsumerGroupPartitionMetadataValue, readConsumerGroupTargetAssignmentMemberValue,
  readConsumerGroupTargetAssignmentMetadataValue, readGroupMetadataValue, readKey, readOffsetCommitValue, RecordType,
  type ConsumerGroupKey, type ConsumerGroupMemberKey, type GroupMetadataKey, type OffsetCommitKey,
} from './group-records.ts';
import {
  OffsetManager, type FetchedOffsets, type OffsetCommitParams, type OffsetDeleteResult, type PartitionErrors, type TxnOffsetCommitParams,
} from './offset-manager.ts';
import { ShardContext, type GroupCoordinatorConfig, type GroupTopicLookup } from './shard-context.ts';

export class GroupCoordinatorShard implements CoordinatorShard {
  readonly #ctx: ShardContext;
  readonly #classic: ClassicGroupManager;
  readonly #consumer: ConsumerGroupManager;
  readonly #offsets: OffsetManager;
  /** The log position of the last record replayed; see #positionOf. */
  #lastPosition = -1;

  constructor(clock: Clock, timer: CoordinatorTimer<GroupCoordinatorShard>, config: GroupCoordinatorConfig, topics: GroupTopicLookup) {
    this.#ctx = new ShardContext(clock, timer, config, topics);
    this.#classic = new ClassicGroupManager(this.#ctx, (groupId) => this.#offsets.holdsGroup(groupId));
    this.#consumer = new ConsumerGroupManager(this.#ctx, this.#classic);
    this.#offsets = new OffsetManager(this.#ctx, this.#classic, this.#consumer);
  }

  replay({ record, offset, producerId, transactional }: LoadedRecord): void {
    const position = this.#positionOf(offset);
    const key = readKey(record.key);
    const v = record.value;
    switch (key.type) {
      case RecordType.OffsetCommit: {
        const k = key as OffsetCommitKey;
        this.#offsets.replay(k.group, k.topic, k.partition, v === null ? null : readOffsetCommitValue(v), { position, producerId, transactional });
        return;
      }
      case RecordType.GroupMetadata:
        this.#classic.replayGroupMetadata((key as GroupMetadataKey).group, v === null ? null : readGroupMetadataValue(v));
        return;
      case RecordType.ConsumerGroupMetadata:
        this.#consumer.replayGroupMetadata((key as ConsumerGroupKey).group, v === null ? null : readConsumerGroupMetadataValue(v));
        return;
      case RecordType.ConsumerGroupPartitionMetadata:
        this.#consumer.replayPartitionMetadata((key as ConsumerGroupKey).group, v === null ? null : readConsumerGroupPartitionMetadataValue(v));
        return;
      case RecordType.ConsumerGroupTargetAssignmentMetadata:
        this.#consumer.replayTargetAssignmentMetadata((key as ConsumerGroupKey).group, v === null ? null : readConsumerGroupTargetAssignmentMetadataValue(v));
        return;
      case RecordType.ConsumerGroupMemberMetadata: {
        const k = key as ConsumerGroupMemberKey;
        this.#consumer.replayMemberMetadata(k.group, k.memberId, v === null ? null : readConsumerGroupMemberMetadataValue(v));
        return;
      }
      case RecordType.ConsumerGroupTargetAssignmentMember: {
        const k = key as ConsumerGroupMemberKey;
        this.#consumer.replayTargetAssignmentMember(k.group, k.memberId, v === null ? null : readConsumerGroupTargetAssignmentMemberValue(v));
        return;
      }
      case RecordType.ConsumerGroupCurrentMemberAssignment: {
        const k = key as ConsumerGroupMemberKey;
        this.#consumer.replayCurrentMemberAssignment(k.group, k.memberId, v === null ? null : readConsumerGroupCurrentMemberAssignmentValue(v));
        return;
      }
      default:
        // Other record types (share and streams groups written by a newer broker) are not ours.
    }
  }

  /** A COMMIT or ABORT marker of a producer reached the partition: its pending offsets are committed or dropped. */
  replayEndTransaction(producerId: number, _producerEpoch: number, committed: boolean): void {
    this.#offsets.replayEndTransaction(producerId, committed);
  }

  /**
   * Where a record sits among the shard's records, for the rule that decides between a
   * transactional and a plain commit of one partition (OffsetManager.replayEndTransaction).
   * Loaded records carry their log offset. Live writes are replayed with offset -1, but
   * always in log order (one operation at a time, replayed after its append) and after
   * everything loaded, so counting on from the last position orders them as the log does.
   * Positions are compared only within one life of the shard: a reload renumbers from
   * the log.
   */
  #positionOf(offset: number): number {
    const position = offset >= 0 ? offset : this.#lastPosition + 1;
    this.#lastPosition = Math.max(this.#lastPosition, position);
    return position;
  }

  onLoaded(): void {
    this.#classic.onLoaded();
    this.#consumer.onLoaded();
    this.#offsets.onLoaded();
  }

  onUnloaded(): void {
    // Timers are cancelled by the runtime; the in-memory state is simply dropped.
  }

  /** JoinGroup; refused (INCONSISTENT_GROUP_PROTOCOL) on the id of a consumer group with members. */
  joinGroup(p: JoinGroupParams): CoordinatorResult<Promise<JoinResult>> {
    const errorCode = this.#consumer.yieldToClassicJoin(p.groupId);
    if (errorCode !== ErrorCode.NONE) {
      return this.#ctx.result(Promise.resolve<JoinResult>({
        errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId: p.memberId, members: [],
      }));
    }
    return this.#classic.joinGroup(p);
  }

  consumerGroupHeartbeat(p: ConsumerGroupHeartbeatParams): CoordinatorResult<ConsumerGroupHeartbeatResult> {
    return this.#consumer.heartbeat(p);
  }

  consumerGroupDescribe(groupId: string): DescribedConsumerGroup {
    return this.#consumer.describe(groupId);
  }

  syncGroup(p: SyncGroupParams): CoordinatorResult<Promise<SyncResult>> {
    return this.#classic.syncGroup(p);
  }

  heartbeat(p: HeartbeatParams): CoordinatorResult<number> {
    return this.#classic.heartbeat(p);
  }

  leaveGroup(p: LeaveGroupParams): CoordinatorResult<LeaveGroupResult> {
    return this.#classic.leaveGroup(p);
  }

  commitOffsets(p: OffsetCommitParams): CoordinatorResult<PartitionErrors[]> {
    return this.#offsets.commit(p);
  }

  txnOffsetCommit(p: TxnOffsetCommitParams): CoordinatorResult<PartitionErrors[]> {
    return this.#offsets.txnCommit(p);
  }

  fetchOffsets(groupId: string, topics: Array<{ name: string; partitionIndexes: number[] }> | null,
    member?: { memberId: string | null; memberEpoch: number }, requireStable = false): FetchedOffsets {
    return this.#offsets.fetch(groupId, topics, member, requireStable);
  }

  deleteOffsets(groupId: string, topics: Array<{ name: string; partitions: number[] }>): CoordinatorResult<OffsetDeleteResult> {
    return this.#offsets.deleteOffsets(groupId, topics);
  }

  /** DescribeGroups; a consumer group's id is described as Dead, as Kafka 3.8 does for v0-5. */
  describeGroup(groupId: string): DescribedGroup {
    if (this.#consumer.group(groupId) !== undefined) {
      return { groupId, errorCode: ErrorCode.NONE, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
    }
    return this.#classic.describeGroup(groupId);
  }

  listGroups(): ListedGroup[] {
    return [...this.#classic.listGroups(), ...this.#consumer.listGroups()];
  }

  /** DeleteGroups: tombstones for the group's offsets and the group itself, if it is empty. */
  deleteGroups(groupIds: readonly string[]): CoordinatorResult<Array<{ groupId: string; errorCode: number }>> {
    const results = groupIds.map((groupId) => {
      const consumerError = this.#consumer.validateDeleteGroup(groupId);
      const errorCode = consumerError ?? this.#classic.validateDeleteGroup(groupId);
      if (errorCode === ErrorCode.NONE) {
        this.#offsets.emitDeleteAll(groupId);
        if (consumerError === undefined) this.#ctx.emit(groupMetadataRecord(groupId, null));
        else this.#consumer.emitDeleteGroup(groupId);
      }
      return { groupId, errorCode };
    });
    return this.#ctx.result(results);
  }

  /** A topic was deleted: its committed offsets go with it, in every group of this shard. */
  deleteTopicOffsets(topics: ReadonlySet<string>): CoordinatorResult<void> {
    this.#offsets.emitDeleteTopics(topics);
    return this.#ctx.result(undefined);
  }

  /** Runs the offset expiry now (tests; the timer runs it every offsets.retention.check.interval.ms). */
  expireOffsets(): CoordinatorResult<void> {
    this.#offsets.expireOffsets();
    return this.#ctx.result(undefined);
  }
}
