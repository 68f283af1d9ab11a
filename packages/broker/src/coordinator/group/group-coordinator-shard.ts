/**
 * One partition of `__consumer_offsets` and the groups hashed to it (Kafka's
 * GroupCoordinatorShard): request operations return records and a response; `replay`
 * applies records, when loading and after live writes.
 */
import { ErrorCode } from '@samsa/protocol';
import type { Clock } from '../../storage/clock.ts';
import type { CoordinatorResult, CoordinatorShard, CoordinatorTimer, LoadedRecord } from '../coordinator-runtime.ts';
import type { JoinResult, SyncResult } from './classic-group.ts';
import {
  ClassicGroupManager, type DescribedGroup, type HeartbeatParams, type JoinGroupParams, type LeaveGroupParams,
  type LeaveGroupResult, type ListedGroup, type SyncGroupParams,
} from './classic-group-manager.ts';
import { groupMetadataRecord, readGroupMetadataValue, readKey, readOffsetCommitValue, RecordType, type OffsetCommitKey, type GroupMetadataKey } from './group-records.ts';
import { OffsetManager, type FetchedOffsets, type OffsetCommitParams, type OffsetDeleteResult, type PartitionErrors } from './offset-manager.ts';
import { ShardContext, type GroupCoordinatorConfig } from './shard-context.ts';

export class GroupCoordinatorShard implements CoordinatorShard {
  readonly #ctx: ShardContext;
  readonly #classic: ClassicGroupManager;
  readonly #offsets: OffsetManager;

  constructor(clock: Clock, timer: CoordinatorTimer<GroupCoordinatorShard>, config: GroupCoordinatorConfig) {
    this.#ctx = new ShardContext(clock, timer, config);
    this.#classic = new ClassicGroupManager(this.#ctx);
    this.#offsets = new OffsetManager(this.#ctx, this.#classic);
  }

  replay({ record }: LoadedRecord): void {
    const key = readKey(record.key);
    if (key.type === RecordType.OffsetCommit) {
      const k = key as OffsetCommitKey;
      this.#offsets.replay(k.group, k.topic, k.partition, record.value === null ? null : readOffsetCommitValue(record.value));
    } else if (key.type === RecordType.GroupMetadata) {
      const k = key as GroupMetadataKey;
      this.#classic.replayGroupMetadata(k.group, record.value === null ? null : readGroupMetadataValue(record.value));
    }
    // Other record types (KIP-848 and share groups written by a newer broker) are not ours.
  }

  onLoaded(): void {
    this.#classic.onLoaded();
    this.#offsets.onLoaded();
  }

  onUnloaded(): void {
    // Timers are cancelled by the runtime; the in-memory state is simply dropped.
  }

  joinGroup(p: JoinGroupParams): CoordinatorResult<Promise<JoinResult>> {
    return this.#classic.joinGroup(p);
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

  fetchOffsets(groupId: string, topics: Array<{ name: string; partitionIndexes: number[] }> | null): FetchedOffsets {
    return this.#offsets.fetch(groupId, topics);
  }

  deleteOffsets(groupId: string, topics: Array<{ name: string; partitions: number[] }>): CoordinatorResult<OffsetDeleteResult> {
    return this.#offsets.deleteOffsets(groupId, topics);
  }

  describeGroup(groupId: string): DescribedGroup {
    return this.#classic.describeGroup(groupId);
  }

  listGroups(): ListedGroup[] {
    return this.#classic.listGroups();
  }

  /** DeleteGroups: tombstones for the group's offsets and the group itself, if it is empty. */
  deleteGroups(groupIds: readonly string[]): CoordinatorResult<Array<{ groupId: string; errorCode: number }>> {
    const results = groupIds.map((groupId) => {
      const errorCode = this.#classic.validateDeleteGroup(groupId);
      if (errorCode === ErrorCode.NONE) {
        this.#offsets.emitDeleteAll(groupId);
        this.#ctx.emit(groupMetadataRecord(groupId, null));
      }
      return { groupId, errorCode };
    });
    return this.#ctx.result(results);
  }

  /** Runs the offset expiry now (tests; the timer runs it every offsets.retention.check.interval.ms). */
  expireOffsets(): CoordinatorResult<void> {
    this.#offsets.expireOffsets();
    return this.#ctx.result(undefined);
  }
}
