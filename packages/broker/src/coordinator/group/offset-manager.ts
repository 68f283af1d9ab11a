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
 *
 * Transactional offsets (TxnOffsetCommit, KIP-98; member checks of KIP-447): the same
 * OffsetCommit records, written in a transactional batch of the producer. Replay keeps them
 * pending per producer id, invisible to OffsetFetch (which answers UNSTABLE_OFFSET_COMMIT
 * for them when asked for stable offsets), until the producer's marker: COMMIT moves them
 * into the committed offsets unless a commit that is later in the log is there already
 * (the rule compares log positions, see `replay`); ABORT drops them. A tombstone of a
 * partition drops its pending offsets too. Pending offsets hold back expiry: neither the
 * partition's committed offset nor a group with open transactions expires.
 */
import { ErrorCode } from '@samsa/protocol';
import type { CoordinatorResult } from '../coordinator-runtime.ts';
import { ClassicGroupState, type ClassicGroup } from './classic-group.ts';
import type { ClassicGroupManager } from './classic-group-manager.ts';
import type { ConsumerGroup } from './consumer-group.ts';
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

/** A TxnOffsetCommit (v0-2 carry no member: generation -1, empty member id, no instance id). */
export interface TxnOffsetCommitParams {
  transactionalId: string;
  groupId: string;
  producerId: number;
  producerEpoch: number;
  /** The classic generation, or the member epoch of a KIP-848 member; -1 when not given. */
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: OffsetCommitParams['topics'];
}

/** Where an OffsetCommit record came from: its place in the log and its batch's producer. */
export interface OffsetRecordOrigin {
  /** Orders records of one shard as the log does (see GroupCoordinatorShard: a log offset, or a count on from it). */
  position: number;
  producerId: number;
  transactional: boolean;
}

export interface OffsetDeleteResult {
  errorCode: number;
  topics: PartitionErrors[];
}

const OFFSET_EXPIRY_KEY = 'offset-expiry';
const sep = '\u0000';

/** An offset and where its record sits in the log (what the commit rule of markers compares). */
type StoredOffset = OffsetCommitValue & { position: number };
/** group → "topic\0partition" → offset. */
type OffsetsByGroup = Map<string, Map<string, StoredOffset>>;

const partitionKey = (topic: string, partition: number): string => topic + sep + partition;

function splitKey(key: string): { topic: string; partition: number } {
  const cut = key.lastIndexOf(sep);
  return { topic: key.slice(0, cut), partition: Number(key.slice(cut + 1)) };
}

function put(offsets: OffsetsByGroup, groupId: string, key: string, value: StoredOffset): void {
  let group = offsets.get(groupId);
  if (group === undefined) {
    group = new Map();
    offsets.set(groupId, group);
  }
  group.set(key, value);
}

function remove(offsets: OffsetsByGroup, groupId: string, key: string): void {
  const group = offsets.get(groupId);
  if (group === undefined) return;
  group.delete(key);
  if (group.size === 0) offsets.delete(groupId);
}

/** The same error for every partition of a commit. */
function allPartitions(topics: OffsetCommitParams['topics'], errorCode: number): PartitionErrors[] {
  return topics.map((t) => ({ name: t.name, partitions: t.partitions.map((q) => ({ partitionIndex: q.partitionIndex, errorCode })) }));
}

export class OffsetManager {
  readonly #ctx: ShardContext;
  readonly #groups: ClassicGroupManager;
  readonly #consumerGroups: ConsumerGroupManager;
  /** The committed offsets. */
  readonly #offsets: OffsetsByGroup = new Map();
  /** Transactional offsets waiting for their producer's marker, by producer id (Kafka's pendingTransactionalOffsets). */
  readonly #pending = new Map<number, OffsetsByGroup>();
  /** group → producer ids with pending offsets in it. */
  readonly #openTransactions = new Map<string, Set<number>>();

  constructor(ctx: ShardContext, groups: ClassicGroupManager, consumerGroups: ConsumerGroupManager) {
    this.#ctx = ctx;
    this.#groups = groups;
    this.#consumerGroups = consumerGroups;
  }

  // --- replay ---

  /**
   * An OffsetCommit record. A transactional one waits in the producer's pending offsets;
   * a tombstone removes the partition's committed offset and its pending ones.
   */
  replay(groupId: string, topic: string, partition: number, value: OffsetCommitValue | null, origin: OffsetRecordOrigin): void {
    const key = partitionKey(topic, partition);
    if (value === null) {
      remove(this.#offsets, groupId, key);
      const open = this.#openTransactions.get(groupId);
      if (open === undefined) return;
      for (const producerId of [...open]) {
        const pending = this.#pending.get(producerId);
        if (pending !== undefined) remove(pending, groupId, key);
        // A transaction whose offsets of the group are all gone no longer holds the group back.
        if (pending?.has(groupId) !== true) open.delete(producerId);
      }
      if (open.size === 0) this.#openTransactions.delete(groupId);
      return;
    }
    // Offsets of a group that is not otherwise known make it a (simple) group, as in Kafka.
    this.#ensureGroup(groupId);
    const stored = { ...value, position: origin.position };
    if (!origin.transactional) {
      put(this.#offsets, groupId, key, stored);
      return;
    }
    let pending = this.#pending.get(origin.producerId);
    if (pending === undefined) {
      pending = new Map();
      this.#pending.set(origin.producerId, pending);
    }
    put(pending, groupId, key, stored);
    let open = this.#openTransactions.get(groupId);
    if (open === undefined) {
      open = new Set();
      this.#openTransactions.set(groupId, open);
    }
    open.add(origin.producerId);
  }

  /**
   * The producer's transaction ended (Kafka's replayEndTransactionMarker). On COMMIT each
   * pending offset becomes the committed one unless the committed one's record is later
   * in the log: a plain OffsetCommit written after the TxnOffsetCommit but before the
   * marker is the newer commit, and must also win after compaction and a reload.
   */
  replayEndTransaction(producerId: number, committed: boolean): void {
    const pending = this.#pending.get(producerId);
    if (pending === undefined) return;
    this.#pending.delete(producerId);
    for (const groupId of pending.keys()) {
      const open = this.#openTransactions.get(groupId);
      open?.delete(producerId);
      if (open?.size === 0) this.#openTransactions.delete(groupId);
    }
    if (!committed) return;
    for (const [groupId, offsets] of pending) {
      this.#ensureGroup(groupId);
      for (const [key, offset] of offsets) {
        const existing = this.#offsets.get(groupId)?.get(key);
        if (existing === undefined || offset.position > existing.position) put(this.#offsets, groupId, key, offset);
      }
    }
  }

  #ensureGroup(groupId: string): void {
    if (this.#consumerGroups.group(groupId) === undefined) this.#groups.getOrCreateSimpleGroup(groupId);
  }

  onLoaded(): void {
    this.#scheduleExpiry();
  }

  hasOffsets(groupId: string): boolean {
    return (this.#offsets.get(groupId)?.size ?? 0) > 0;
  }

  /** Whether a producer's transaction holds an offset of this partition of the group (Kafka's hasPendingTransactionalOffsets). */
  hasPendingOffsets(groupId: string, topic: string, partition: number): boolean {
    const key = partitionKey(topic, partition);
    for (const producerId of this.#openTransactions.get(groupId) ?? []) {
      if (this.#pending.get(producerId)?.get(groupId)?.has(key) === true) return true;
    }
    return false;
  }

  /** Whether the group has committed offsets or offsets pending in a transaction: it must not be forgotten. */
  holdsGroup(groupId: string): boolean {
    return this.hasOffsets(groupId) || this.hasOpenTransactions(groupId);
  }

  /** Whether a transaction holds offsets of the group. */
  hasOpenTransactions(groupId: string): boolean {
    return this.#openTransactions.has(groupId);
  }

  /** The partitions with pending offsets in the group (keys of `partitionKey`). */
  #pendingKeys(groupId: string): Set<string> {
    const keys = new Set<string>();
    for (const producerId of this.#openTransactions.get(groupId) ?? []) {
      for (const key of this.#pending.get(producerId)?.get(groupId)?.keys() ?? []) keys.add(key);
    }
    return keys;
  }

  // --- OffsetCommit ---

  commit(p: OffsetCommitParams): CoordinatorResult<PartitionErrors[]> {
    const error = this.#commitGroupError(p.groupId, p.generationId,
      (g) => this.#consumerGroups.validateOffsetCommit(g, p.memberId, p.generationId, p.apiVersion ?? Number.MAX_SAFE_INTEGER),
      (g) => this.#groups.validateOffsetCommit(g, p.memberId, p.groupInstanceId, p.generationId));
    if (error !== ErrorCode.NONE) return this.#ctx.result(allPartitions(p.topics, error));
    return this.#ctx.result(this.#emitCommits(p.groupId, p.topics));
  }

  /**
   * The error every partition of an offset commit gets from its group, or NONE: an empty
   * group id is INVALID_GROUP_ID; a KIP-848 group or a classic one validates the member;
   * without a group only a consumer without group management may commit (generation -1),
   * into a simple group made for it, else ILLEGAL_GENERATION.
   */
  #commitGroupError(groupId: string, generationId: number, consumer: (g: ConsumerGroup) => number, classic: (g: ClassicGroup) => number): number {
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const consumerGroup = this.#consumerGroups.group(groupId);
    if (consumerGroup !== undefined) return consumer(consumerGroup);
    let group = this.#groups.group(groupId);
    if (group === undefined) {
      if (generationId >= 0) return ErrorCode.ILLEGAL_GENERATION;
      group = this.#groups.getOrCreateSimpleGroup(groupId);
    }
    return classic(group);
  }

  /** OffsetCommit records for the partitions, OFFSET_METADATA_TOO_LARGE for those whose metadata is too long. */
  #emitCommits(groupId: string, topics: OffsetCommitParams['topics']): PartitionErrors[] {
    const now = BigInt(this.#ctx.now());
    const maxMetadata = this.#ctx.config.offsetMetadataMaxBytes;
    return topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((q) => {
        const metadata = q.committedMetadata ?? '';
        if (Buffer.byteLength(metadata) > maxMetadata) return { partitionIndex: q.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE };
        this.#ctx.emit(offsetCommitRecord(groupId, t.name, q.partitionIndex, {
          offset: q.committedOffset, leaderEpoch: q.committedLeaderEpoch, metadata, commitTimestamp: now, expireTimestamp: -1n,
        }));
        return { partitionIndex: q.partitionIndex, errorCode: ErrorCode.NONE };
      }),
    }));
  }

  // --- TxnOffsetCommit ---

  /**
   * TxnOffsetCommit: the records are written in a transactional batch of the producer and
   * count once its COMMIT marker arrives. The group is checked as Kafka's
   * validateTransactionalOffsetCommit does (KIP-447): a generation for a group that does
   * not exist is ILLEGAL_GENERATION, without one a simple group is made; a KIP-848 member's
   * stale epoch is ILLEGAL_GENERATION too, the error transactional producers know.
   */
  txnCommit(p: TxnOffsetCommitParams): CoordinatorResult<PartitionErrors[]> {
    const error = this.#commitGroupError(p.groupId, p.generationId,
      (g) => this.#consumerGroups.validateTxnOffsetCommit(g, p.memberId, p.generationId),
      (g) => this.#groups.validateTxnOffsetCommit(g, p.memberId, p.groupInstanceId, p.generationId));
    if (error !== ErrorCode.NONE) return this.#ctx.result(allPartitions(p.topics, error));
    return this.#ctx.result(this.#emitCommits(p.groupId, p.topics), { transaction: { producerId: p.producerId, producerEpoch: p.producerEpoch } });
  }

  // --- OffsetFetch ---

  /**
   * topics null: every committed offset of the group. `member` is what OffsetFetch v9+
   * says of the asking member (null id and epoch -1 when it says nothing). With
   * `requireStable` (v7+), a partition a transaction holds an offset of answers
   * UNSTABLE_OFFSET_COMMIT instead of its committed offset, so the consumer waits for the
   * transaction to end (KIP-447); a partition with only a pending offset is not listed
   * when all offsets are asked for, as in Kafka.
   */
  fetch(groupId: string, topics: Array<{ name: string; partitionIndexes: number[] }> | null,
    member: { memberId: string | null; memberEpoch: number } = { memberId: null, memberEpoch: -1 }, requireStable = false): FetchedOffsets {
    const consumerGroup = this.#consumerGroups.group(groupId);
    if (consumerGroup !== undefined) {
      const error = this.#consumerGroups.validateOffsetFetch(consumerGroup, member.memberId, member.memberEpoch);
      if (error !== ErrorCode.NONE) return { errorCode: error, topics: [] };
    }
    const offsets = this.#offsets.get(groupId);
    const unstable = requireStable ? this.#pendingKeys(groupId) : new Set<string>();
    const answer = (key: string, partitionIndex: number): FetchedOffsets['topics'][number]['partitions'][number] => {
      const v = offsets?.get(key);
      if (unstable.has(key)) return { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT };
      if (v === undefined) return { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE };
      return { partitionIndex, committedOffset: v.offset, committedLeaderEpoch: v.leaderEpoch, metadata: v.metadata, errorCode: ErrorCode.NONE };
    };
    if (topics === null) {
      const byTopic = new Map<string, FetchedOffsets['topics'][number]>();
      for (const key of offsets?.keys() ?? []) {
        const { topic, partition } = splitKey(key);
        let t = byTopic.get(topic);
        if (t === undefined) {
          t = { name: topic, partitions: [] };
          byTopic.set(topic, t);
        }
        t.partitions.push(answer(key, partition));
      }
      for (const t of byTopic.values()) t.partitions.sort((a, b) => a.partitionIndex - b.partitionIndex);
      return { errorCode: ErrorCode.NONE, topics: [...byTopic.values()] };
    }
    return {
      errorCode: ErrorCode.NONE,
      topics: topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => answer(partitionKey(t.name, partitionIndex), partitionIndex)),
      })),
    };
  }

  // --- OffsetDelete ---

  /** OffsetDelete: a tombstone for each partition with a committed or a pending offset (the tombstone drops both). */
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
        if (offsets?.has(partitionKey(t.name, partitionIndex)) === true || this.hasPendingOffsets(groupId, t.name, partitionIndex)) {
          this.#ctx.emit(offsetCommitRecord(groupId, t.name, partitionIndex, null));
        }
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

  /**
   * Tombstones for every offset of a group (DeleteGroups), committed or pending: a pending
   * offset a tombstone dropped stays dropped when its transaction commits (Kafka's
   * deleteAllOffsets).
   */
  emitDeleteAll(groupId: string): void {
    const keys = new Set([...this.#offsets.get(groupId)?.keys() ?? [], ...this.#pendingKeys(groupId)]);
    for (const key of keys) {
      const { topic, partition } = splitKey(key);
      this.#ctx.emit(offsetCommitRecord(groupId, topic, partition, null));
    }
  }

  /**
   * Tombstones for every offset of the deleted topics in every group, committed or
   * pending (Kafka's onPartitionsDeleted).
   */
  emitDeleteTopics(topics: ReadonlySet<string>): void {
    const doomed = new Map<string, Set<string>>();
    const collect = (offsets: OffsetsByGroup): void => {
      for (const [groupId, byPartition] of offsets) {
        for (const key of byPartition.keys()) {
          if (!topics.has(splitKey(key).topic)) continue;
          let keys = doomed.get(groupId);
          if (keys === undefined) {
            keys = new Set();
            doomed.set(groupId, keys);
          }
          keys.add(key);
        }
      }
    };
    collect(this.#offsets);
    for (const pending of this.#pending.values()) collect(pending);
    for (const [groupId, keys] of doomed) {
      for (const key of keys) {
        const { topic, partition } = splitKey(key);
        this.#ctx.emit(offsetCommitRecord(groupId, topic, partition, null));
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

  /**
   * Emits tombstones for expired offsets and for empty groups left without any. A
   * partition with a pending transactional offset keeps its committed one, and a group
   * with open transactions is kept, as in Kafka.
   */
  expireOffsets(): void {
    const now = this.#ctx.now();
    const retention = this.#ctx.config.offsetsRetentionMs;
    for (const group of [...this.#groups.groups()]) {
      const offsets = this.#offsets.get(group.groupId);
      const base = this.#expiryBase(group);
      let remaining = offsets?.size ?? 0;
      if (base !== undefined && offsets !== undefined) {
        const pending = this.#pendingKeys(group.groupId);
        for (const [key, v] of offsets) {
          const expired = v.expireTimestamp >= 0n
            ? now >= Number(v.expireTimestamp)
            : now - Math.max(base, Number(v.commitTimestamp)) >= retention;
          if (!expired || pending.has(key)) continue;
          const { topic, partition } = splitKey(key);
          this.#ctx.emit(offsetCommitRecord(group.groupId, topic, partition, null));
          remaining--;
        }
      }
      if (remaining === 0 && group.is(ClassicGroupState.Empty) && !this.hasOpenTransactions(group.groupId)) {
        this.#ctx.emit(groupMetadataRecord(group.groupId, null));
      }
    }
    for (const group of [...this.#consumerGroups.groups()]) {
      const offsets = this.#offsets.get(group.groupId);
      const pending = this.#pendingKeys(group.groupId);
      let remaining = offsets?.size ?? 0;
      for (const [key, v] of offsets ?? []) {
        const { topic, partition } = splitKey(key);
        if (group.isSubscribedTo(topic) || pending.has(key)) continue;
        const base = Math.max(Number(v.commitTimestamp), group.isEmpty() ? group.epochTimestampMs : 0);
        const expired = v.expireTimestamp >= 0n ? now >= Number(v.expireTimestamp) : now - base >= retention;
        if (!expired) continue;
        this.#ctx.emit(offsetCommitRecord(group.groupId, topic, partition, null));
        remaining--;
      }
      if (remaining === 0 && group.isEmpty() && !this.hasOpenTransactions(group.groupId)) this.#consumerGroups.emitDeleteGroup(group.groupId);
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
