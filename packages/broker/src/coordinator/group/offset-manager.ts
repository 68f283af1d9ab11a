/**
 * Committed offsets (Kafka's OffsetMetadataManager): OffsetCommit, OffsetFetch,
 * OffsetDelete and the expiry of offsets of groups that are no longer active. Unlike the
 * classic rebalance, offsets are changed only by replaying OffsetCommit records.
 *
 * Expiry (offsets.retention.minutes, KIP-211): an offset expires when the group has been
 * empty for the retention period counted from the later of the commit and the moment the
 * group became empty; offsets of a group without group management (simple consumers)
 * count from their commit. A group left empty with no offsets is deleted with them.
 * KIP-848 consumer groups are treated alike (counting from the later of the commit and
 * the moment the last member left); while they have members, the offsets of topics no
 * member subscribes to expire by their commit time, as in Kafka.
 *
 * Offsets of a KIP-848 group are committed and fetched by its members with their member
 * id and epoch (OffsetCommit/OffsetFetch v9): STALE_MEMBER_EPOCH for another epoch,
 * UNKNOWN_MEMBER_ID for a stranger; the classic rules are unchanged.
 */
import { ErrorCode } from '@samsa/protocol';
import type { CoordinatorResult } from '../coordinator-runtime.ts';
import { ClassicGroupState, type ClassicGroup } from './classic-group.ts';
import type { ClassicGroupManager } from './classic-group-manager.ts';
import type { ConsumerGroupManager } from './consumer-group-manager.ts';
import { groupMetadataRecord, offsetCommitRecord, type OffsetCommitValue } from './group-records.ts';
import type { ShardContext } from './shard-context.ts';

export interface OffsetCommitParams {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  /** The classic generation, or the member epoch of a KIP-848 member (generationIdOrMemberEpoch). */
  generationId: number;
  /** OffsetCommit version; KIP-848 members must use v9+ (absent: the latest). */
  apiVersion?: number;
  topics: Array<{
    name: string;
    partitions: Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }>;
  }>;
}

export interface PartitionErrors {
  name: string;
  partitions: Array<{ partitionIndex: number; errorCode: number }>;
}

export interface FetchedOffsets {
  errorCode: number;
  topics: Array<{
    name: string;
    partitions: Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; metadata: string; errorCode: number }>;
  }>;
}

export interface OffsetDeleteResult {
  errorCode: number;
  topics: PartitionErrors[];
}

const OFFSET_EXPIRY_KEY = 'offset-expiry';
const sep = '\u0000';

export class OffsetManager {
  readonly #ctx: ShardContext;
  readonly #groups: ClassicGroupManager;
  readonly #consumerGroups: ConsumerGroupManager;
  /** group → "topic\0partition" → committed offset. */
  readonly #offsets = new Map<string, Map<string, OffsetCommitValue>>();

  constructor(ctx: ShardContext, groups: ClassicGroupManager, consumerGroups: ConsumerGroupManager) {
    this.#ctx = ctx;
    this.#groups = groups;
    this.#consumerGroups = consumerGroups;
  }

  // --- replay ---

  replay(groupId: string, topic: string, partition: number, value: OffsetCommitValue | null): void {
    const key = topic + sep + partition;
    if (value === null) {
      const offsets = this.#offsets.get(groupId);
      offsets?.delete(key);
      if (offsets?.size === 0) this.#offsets.delete(groupId);
      return;
    }
    // Offsets of a group that is not otherwise known make it a (simple) group, as in Kafka.
    if (this.#consumerGroups.group(groupId) === undefined) this.#groups.getOrCreateSimpleGroup(groupId);
    let offsets = this.#offsets.get(groupId);
    if (offsets === undefined) {
      offsets = new Map();
      this.#offsets.set(groupId, offsets);
    }
    offsets.set(key, value);
  }

  onLoaded(): void {
    this.#scheduleExpiry();
  }

  hasOffsets(groupId: string): boolean {
    return (this.#offsets.get(groupId)?.size ?? 0) > 0;
  }

  // --- OffsetCommit ---

  commit(p: OffsetCommitParams): CoordinatorResult<PartitionErrors[]> {
    const all = (errorCode: number): PartitionErrors[] =>
      p.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((q) => ({ partitionIndex: q.partitionIndex, errorCode })) }));
    if (p.groupId === '') return this.#ctx.result(all(ErrorCode.INVALID_GROUP_ID));
    const consumerGroup = this.#consumerGroups.group(p.groupId);
    let error: number;
    if (consumerGroup !== undefined) {
      error = this.#consumerGroups.validateOffsetCommit(consumerGroup, p.memberId, p.generationId, p.apiVersion ?? Number.MAX_SAFE_INTEGER);
    } else {
      let group = this.#groups.group(p.groupId);
      if (group === undefined) {
        // No group: only a consumer without group management may commit (generation -1).
        if (p.generationId >= 0) return this.#ctx.result(all(ErrorCode.ILLEGAL_GENERATION));
        group = this.#groups.getOrCreateSimpleGroup(p.groupId);
      }
      error = this.#groups.validateOffsetCommit(group, p.memberId, p.groupInstanceId, p.generationId);
    }
    if (error !== ErrorCode.NONE) return this.#ctx.result(all(error));
    const now = BigInt(this.#ctx.now());
    const maxMetadata = this.#ctx.config.offsetMetadataMaxBytes;
    const results: PartitionErrors[] = p.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((q) => {
        const metadata = q.committedMetadata ?? '';
        if (Buffer.byteLength(metadata) > maxMetadata) return { partitionIndex: q.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE };
        this.#ctx.emit(offsetCommitRecord(p.groupId, t.name, q.partitionIndex, {
          offset: q.committedOffset, leaderEpoch: q.committedLeaderEpoch, metadata, commitTimestamp: now, expireTimestamp: -1n,
        }));
        return { partitionIndex: q.partitionIndex, errorCode: ErrorCode.NONE };
      }),
    }));
    return this.#ctx.result(results);
  }

  // --- OffsetFetch ---

  /**
   * topics null: every committed offset of the group. `member` is what OffsetFetch v9+
   * says of the asking member (null id and epoch -1 when it says nothing).
   */
  fetch(groupId: string, topics: Array<{ name: string; partitionIndexes: number[] }> | null,
    member: { memberId: string | null; memberEpoch: number } = { memberId: null, memberEpoch: -1 }): FetchedOffsets {
    const consumerGroup = this.#consumerGroups.group(groupId);
    if (consumerGroup !== undefined) {
      const error = this.#consumerGroups.validateOffsetFetch(consumerGroup, member.memberId, member.memberEpoch);
      if (error !== ErrorCode.NONE) return { errorCode: error, topics: [] };
    }
    const offsets = this.#offsets.get(groupId);
    if (topics === null) {
      const byTopic = new Map<string, FetchedOffsets['topics'][number]>();
      for (const [key, v] of offsets ?? []) {
        const cut = key.lastIndexOf(sep);
        const name = key.slice(0, cut);
        let t = byTopic.get(name);
        if (t === undefined) {
          t = { name, partitions: [] };
          byTopic.set(name, t);
        }
        t.partitions.push({ partitionIndex: Number(key.slice(cut + 1)), committedOffset: v.offset, committedLeaderEpoch: v.leaderEpoch, metadata: v.metadata, errorCode: ErrorCode.NONE });
      }
      for (const t of byTopic.values()) t.partitions.sort((a, b) => a.partitionIndex - b.partitionIndex);
      return { errorCode: ErrorCode.NONE, topics: [...byTopic.values()] };
    }
    return {
      errorCode: ErrorCode.NONE,
      topics: topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => {
          const v = offsets?.get(t.name + sep + partitionIndex);
          return v === undefined
            ? { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE }
            : { partitionIndex, committedOffset: v.offset, committedLeaderEpoch: v.leaderEpoch, metadata: v.metadata, errorCode: ErrorCode.NONE };
        }),
      })),
    };
  }

  // --- OffsetDelete ---

  deleteOffsets(groupId: string, topics: Array<{ name: string; partitions: number[] }>): CoordinatorResult<OffsetDeleteResult> {
    const subscribed = this.#subscribedTopicsOf(groupId);
    if (subscribed === undefined) return this.#ctx.result({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] });
    // Offsets of a group whose members' subscriptions cannot be read stay while it is active.
    if (subscribed === null) return this.#ctx.result({ errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] });
    const offsets = this.#offsets.get(groupId);
    const results = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((partitionIndex) => {
        if (subscribed.has(t.name)) return { partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
        if (offsets?.has(t.name + sep + partitionIndex)) this.#ctx.emit(offsetCommitRecord(groupId, t.name, partitionIndex, null));
        return { partitionIndex, errorCode: ErrorCode.NONE };
      }),
    }));
    return this.#ctx.result({ errorCode: ErrorCode.NONE, topics: results });
  }

  /** The topics an active group subscribes to (none when empty); null when unknown, undefined when there is no group. */
  #subscribedTopicsOf(groupId: string): ReadonlySet<string> | null | undefined {
    const consumerGroup = this.#consumerGroups.group(groupId);
    if (consumerGroup !== undefined) return consumerGroup.isEmpty() ? new Set() : consumerGroup.subscribedTopicNames();
    const group = this.#groups.group(groupId);
    if (group === undefined || group.is(ClassicGroupState.Dead)) return undefined;
    return group.is(ClassicGroupState.Empty) ? new Set() : group.subscribedTopics();
  }

  /** Tombstones for every offset of a group (DeleteGroups). */
  emitDeleteAll(groupId: string): void {
    for (const key of this.#offsets.get(groupId)?.keys() ?? []) {
      const cut = key.lastIndexOf(sep);
      this.#ctx.emit(offsetCommitRecord(groupId, key.slice(0, cut), Number(key.slice(cut + 1)), null));
    }
  }

  /** Tombstones for every offset of the deleted topics, in every group (Kafka's onPartitionsDeleted). */
  emitDeleteTopics(topics: ReadonlySet<string>): void {
    for (const [groupId, offsets] of this.#offsets) {
      for (const key of offsets.keys()) {
        const cut = key.lastIndexOf(sep);
        const topic = key.slice(0, cut);
        if (topics.has(topic)) this.#ctx.emit(offsetCommitRecord(groupId, topic, Number(key.slice(cut + 1)), null));
      }
    }
  }

  // --- expiry ---

  #scheduleExpiry(): void {
    this.#ctx.timer.schedule(OFFSET_EXPIRY_KEY, this.#ctx.config.offsetsRetentionCheckIntervalMs, () => {
      this.expireOffsets();
      this.#scheduleExpiry();
      return this.#ctx.result(undefined);
    });
  }

  /** Emits tombstones for expired offsets and for empty groups left without any. */
  expireOffsets(): void {
    const now = this.#ctx.now();
    const retention = this.#ctx.config.offsetsRetentionMs;
    for (const group of [...this.#groups.groups()]) {
      const offsets = this.#offsets.get(group.groupId);
      const base = this.#expiryBase(group);
      let remaining = offsets?.size ?? 0;
      if (base !== undefined && offsets !== undefined) {
        for (const [key, v] of offsets) {
          const expired = v.expireTimestamp >= 0n
            ? now >= Number(v.expireTimestamp)
            : now - Math.max(base, Number(v.commitTimestamp)) >= retention;
          if (!expired) continue;
          const cut = key.lastIndexOf(sep);
          this.#ctx.emit(offsetCommitRecord(group.groupId, key.slice(0, cut), Number(key.slice(cut + 1)), null));
          remaining--;
        }
      }
      if (remaining === 0 && group.is(ClassicGroupState.Empty)) {
        this.#ctx.emit(groupMetadataRecord(group.groupId, null));
      }
    }
    for (const group of [...this.#consumerGroups.groups()]) {
      const offsets = this.#offsets.get(group.groupId);
      let remaining = offsets?.size ?? 0;
      for (const [key, v] of offsets ?? []) {
        const cut = key.lastIndexOf(sep);
        const topic = key.slice(0, cut);
        if (group.isSubscribedTo(topic)) continue;
        const base = Math.max(Number(v.commitTimestamp), group.isEmpty() ? group.epochTimestampMs : 0);
        const expired = v.expireTimestamp >= 0n ? now >= Number(v.expireTimestamp) : now - base >= retention;
        if (!expired) continue;
        this.#ctx.emit(offsetCommitRecord(group.groupId, topic, Number(key.slice(cut + 1)), null));
        remaining--;
      }
      if (remaining === 0 && group.isEmpty()) this.#consumerGroups.emitDeleteGroup(group.groupId);
    }
  }

  /**
   * The moment an empty group's offsets start ageing: when it became empty (0 for a group
   * that never used group management: then each commit's own time counts). Undefined
   * while the group is active: its offsets do not expire.
   */
  #expiryBase(group: ClassicGroup): number | undefined {
    if (!group.is(ClassicGroupState.Empty)) return undefined;
    return group.protocolType === null ? 0 : group.currentStateTimestamp;
  }
}
