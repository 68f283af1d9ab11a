/**
 * The records of `__consumer_offsets`, in Kafka's layout so that Kafka's own tools (and
 * anyone reading the topic) can decode them: a key starting with an int16 type, then the
 * fields; a value starting with an int16 version. Kafka's key types:
 *   0, 1  OffsetCommitKey      group, topic, partition     → OffsetCommitValue (v0-3 read, v3 written)
 *   2     GroupMetadataKey     group                       → GroupMetadataValue (v0-3 read, v3 written)
 * A null value is a tombstone: the offset, or the group, is gone (and compaction drops it).
 *
 * KIP-848 consumer groups use Kafka's key types 3-8 with Kafka's key layout (int16 type,
 * then the group id and, for member records, the member id, as int16-length strings).
 * Their values are Samsa's own layout, not Kafka's flexible value schemas (which are not
 * in our schema set), so Kafka's tools can read the keys of these records but not the
 * values. Every value starts with an int16 version (0); strings are int16-length (-1 for
 * null), arrays int32-count, topic ids 16 bytes:
 *   3  ConsumerGroupMetadata          group          → epoch:int32 timestampMs:int64
 *      (when the epoch moved: for an empty group, when its last member left)
 *   4  ConsumerGroupPartitionMetadata group          → [topicId:uuid name:string numPartitions:int32]
 *      (the subscribed topics as they were when the group epoch was last bumped)
 *   5  ConsumerGroupMemberMetadata    group, member  → instanceId:string? rackId:string?
 *      clientId:string clientHost:string rebalanceTimeoutMs:int32 serverAssignor:string?
 *      [subscribedTopicName:string]
 *   6  ConsumerGroupTargetAssignmentMetadata group   → assignmentEpoch:int32
 *   7  ConsumerGroupTargetAssignmentMember group, member → partitions
 *   8  ConsumerGroupCurrentMemberAssignment group, member → memberEpoch:int32
 *      previousMemberEpoch:int32 state:int8 (0 stable, 1 unrevoked_partitions,
 *      2 unreleased_partitions) assigned:partitions pendingRevocation:partitions
 *   where partitions = [topicId:uuid [partition:int32]]
 * A tombstone of 8 means the member holds nothing; of 5, the member is gone; of 3, 4 and 6
 * (with every member's), the group is gone. Other key types (share groups) are recognised
 * as unknown and skipped.
 */
import { Reader, Writer, type Uuid } from '@samsa/protocol';
import type { CoordinatorRecord } from '../coordinator-runtime.ts';
import type { TopicPartitions } from './topic-partitions.ts';

export const RecordType = {
  OffsetCommit: 1,
  GroupMetadata: 2,
  ConsumerGroupMetadata: 3,
  ConsumerGroupPartitionMetadata: 4,
  ConsumerGroupMemberMetadata: 5,
  ConsumerGroupTargetAssignmentMetadata: 6,
  ConsumerGroupTargetAssignmentMember: 7,
  ConsumerGroupCurrentMemberAssignment: 8,
} as const;

export interface OffsetCommitKey {
  type: typeof RecordType.OffsetCommit;
  group: string;
  topic: string;
  partition: number;
}

export interface GroupMetadataKey {
  type: typeof RecordType.GroupMetadata;
  group: string;
}

/** Keys of types 3, 4 and 6: one per consumer group. */
export interface ConsumerGroupKey {
  type: typeof RecordType.ConsumerGroupMetadata | typeof RecordType.ConsumerGroupPartitionMetadata
    | typeof RecordType.ConsumerGroupTargetAssignmentMetadata;
  group: string;
}

/** Keys of types 5, 7 and 8: one per member of a consumer group. */
export interface ConsumerGroupMemberKey {
  type: typeof RecordType.ConsumerGroupMemberMetadata | typeof RecordType.ConsumerGroupTargetAssignmentMember
    | typeof RecordType.ConsumerGroupCurrentMemberAssignment;
  group: string;
  memberId: string;
}

export interface UnknownKey {
  type: number;
}

export type GroupRecordKey = OffsetCommitKey | GroupMetadataKey | ConsumerGroupKey | ConsumerGroupMemberKey | UnknownKey;

export interface OffsetCommitValue {
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: bigint;
  /** Only in v1 values (OffsetCommit v2-4 retention_time); -1 otherwise. */
  expireTimestamp: bigint;
}

export interface GroupMemberValue {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeout: number;
  sessionTimeout: number;
  subscription: Buffer;
  assignment: Buffer;
}

export interface GroupMetadataValue {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  currentStateTimestamp: bigint;
  members: GroupMemberValue[];
}

export function offsetCommitKey(group: string, topic: string, partition: number): Buffer {
  return new Writer(32 + group.length + topic.length).int16(RecordType.OffsetCommit).string(group).string(topic).int32(partition).toBuffer();
}

export function groupMetadataKey(group: string): Buffer {
  return new Writer(8 + group.length).int16(RecordType.GroupMetadata).string(group).toBuffer();
}

export function readKey(key: Buffer): GroupRecordKey {
  const r = new Reader(key);
  const type = r.int16();
  if (type === 0 || type === 1) return { type: RecordType.OffsetCommit, group: r.string(), topic: r.string(), partition: r.int32() };
  if (type === 2) return { type: RecordType.GroupMetadata, group: r.string() };
  if (type === 3 || type === 4 || type === 6) return { type, group: r.string() };
  if (type === 5 || type === 7 || type === 8) return { type, group: r.string(), memberId: r.string() };
  return { type };
}

export function offsetCommitValue(v: OffsetCommitValue): Buffer {
  return new Writer(32 + v.metadata.length).int16(3).int64(v.offset).int32(v.leaderEpoch).string(v.metadata).int64(v.commitTimestamp).toBuffer();
}

export function readOffsetCommitValue(value: Buffer): OffsetCommitValue {
  const r = new Reader(value);
  const version = r.int16();
  if (version < 0 || version > 4) throw new Error(`unknown OffsetCommitValue version ${version}`);
  const offset = r.int64();
  const leaderEpoch = version >= 3 ? r.int32() : -1;
  const metadata = r.string();
  const commitTimestamp = r.int64();
  const expireTimestamp = version === 1 ? r.int64() : -1n;
  return { offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp };
}

export function groupMetadataValue(v: GroupMetadataValue): Buffer {
  const w = new Writer(256);
  w.int16(3).string(v.protocolType).int32(v.generation).nullableString(v.protocol).nullableString(v.leader).int64(v.currentStateTimestamp);
  w.int32(v.members.length);
  for (const m of v.members) {
    w.string(m.memberId).nullableString(m.groupInstanceId).string(m.clientId).string(m.clientHost)
      .int32(m.rebalanceTimeout).int32(m.sessionTimeout).bytes(m.subscription).bytes(m.assignment);
  }
  return w.toBuffer();
}

export function readGroupMetadataValue(value: Buffer): GroupMetadataValue {
  const r = new Reader(value);
  const version = r.int16();
  if (version < 0 || version > 3) throw new Error(`unknown GroupMetadataValue version ${version}`);
  const protocolType = r.string();
  const generation = r.int32();
  const protocol = r.nullableString();
  const leader = r.nullableString();
  const currentStateTimestamp = version >= 2 ? r.int64() : -1n;
  const count = r.arrayLength(4);
  const members: GroupMemberValue[] = [];
  for (let i = 0; i < count; i++) {
    const memberId = r.string();
    const groupInstanceId = version >= 3 ? r.nullableString() : null;
    const clientId = r.string();
    const clientHost = r.string();
    const rebalanceTimeout = version >= 1 ? r.int32() : -1;
    const sessionTimeout = r.int32();
    const subscription = r.bytes();
    const assignment = r.bytes();
    members.push({ memberId, groupInstanceId, clientId, clientHost, rebalanceTimeout: rebalanceTimeout < 0 ? sessionTimeout : rebalanceTimeout, sessionTimeout, subscription, assignment });
  }
  return { protocolType, generation, protocol, leader, currentStateTimestamp, members };
}

export const offsetCommitRecord = (group: string, topic: string, partition: number, value: OffsetCommitValue | null): CoordinatorRecord =>
  ({ key: offsetCommitKey(group, topic, partition), value: value === null ? null : offsetCommitValue(value) });

export const groupMetadataRecord = (group: string, value: GroupMetadataValue | null): CoordinatorRecord =>
  ({ key: groupMetadataKey(group), value: value === null ? null : groupMetadataValue(value) });

// --- KIP-848 consumer groups (layout in the file header) ---

export interface ConsumerGroupMetadataValue {
  epoch: number;
  /** When this epoch began; offset expiry of an empty group counts from it. */
  timestampMs: number;
}

export interface SubscribedTopicMetadata {
  topicId: Uuid;
  name: string;
  numPartitions: number;
}

export interface ConsumerGroupPartitionMetadataValue {
  topics: SubscribedTopicMetadata[];
}

export interface ConsumerGroupMemberMetadataValue {
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  serverAssignor: string | null;
  subscribedTopicNames: string[];
}

export interface ConsumerGroupTargetAssignmentMetadataValue {
  assignmentEpoch: number;
}

export interface ConsumerGroupTargetAssignmentMemberValue {
  partitions: TopicPartitions;
}

/** The reconciliation state of a member (Kafka's MemberState), with its stored code. */
export const MemberState = {
  Stable: 'stable',
  UnrevokedPartitions: 'unrevoked_partitions',
  UnreleasedPartitions: 'unreleased_partitions',
} as const;
export type MemberState = (typeof MemberState)[keyof typeof MemberState];
const memberStateCodes: readonly MemberState[] = [MemberState.Stable, MemberState.UnrevokedPartitions, MemberState.UnreleasedPartitions];

export interface ConsumerGroupCurrentMemberAssignmentValue {
  memberEpoch: number;
  previousMemberEpoch: number;
  state: MemberState;
  assignedPartitions: TopicPartitions;
  partitionsPendingRevocation: TopicPartitions;
}

const CONSUMER_VALUE_VERSION = 0;

function groupKey(type: number, group: string): Buffer {
  return new Writer(8 + group.length).int16(type).string(group).toBuffer();
}

function memberKey(type: number, group: string, memberId: string): Buffer {
  return new Writer(8 + group.length + memberId.length).int16(type).string(group).string(memberId).toBuffer();
}

function valueReader(value: Buffer, what: string): Reader {
  const r = new Reader(value);
  const version = r.int16();
  if (version !== CONSUMER_VALUE_VERSION) throw new Error(`unknown ${what} version ${version}`);
  return r;
}

function writePartitions(w: Writer, tp: TopicPartitions): void {
  const topics = [...tp.keys()].sort();
  w.int32(topics.length);
  for (const topicId of topics) {
    const partitions = [...tp.get(topicId)!].sort((a, b) => a - b);
    w.uuid(topicId).int32(partitions.length);
    for (const p of partitions) w.int32(p);
  }
}

function readPartitions(r: Reader): TopicPartitions {
  const out = new Map<Uuid, Set<number>>();
  const topics = r.arrayLength(20);
  for (let i = 0; i < topics; i++) {
    const topicId = r.uuid();
    const count = r.arrayLength(4);
    const set = new Set<number>();
    for (let j = 0; j < count; j++) set.add(r.int32());
    if (set.size > 0) out.set(topicId, set);
  }
  return out;
}

export const consumerGroupMetadataRecord = (group: string, value: ConsumerGroupMetadataValue | null): CoordinatorRecord => ({
  key: groupKey(RecordType.ConsumerGroupMetadata, group),
  value: value === null ? null : new Writer(16).int16(CONSUMER_VALUE_VERSION).int32(value.epoch).int64(BigInt(value.timestampMs)).toBuffer(),
});

export function readConsumerGroupMetadataValue(value: Buffer): ConsumerGroupMetadataValue {
  const r = valueReader(value, 'ConsumerGroupMetadataValue');
  return { epoch: r.int32(), timestampMs: Number(r.int64()) };
}

export function consumerGroupPartitionMetadataRecord(group: string, value: ConsumerGroupPartitionMetadataValue | null): CoordinatorRecord {
  const key = groupKey(RecordType.ConsumerGroupPartitionMetadata, group);
  if (value === null) return { key, value: null };
  const w = new Writer(64).int16(CONSUMER_VALUE_VERSION).int32(value.topics.length);
  for (const t of value.topics) w.uuid(t.topicId).string(t.name).int32(t.numPartitions);
  return { key, value: w.toBuffer() };
}

export function readConsumerGroupPartitionMetadataValue(value: Buffer): ConsumerGroupPartitionMetadataValue {
  const r = valueReader(value, 'ConsumerGroupPartitionMetadataValue');
  const count = r.arrayLength(22);
  const topics: SubscribedTopicMetadata[] = [];
  for (let i = 0; i < count; i++) topics.push({ topicId: r.uuid(), name: r.string(), numPartitions: r.int32() });
  return { topics };
}

export function consumerGroupMemberMetadataRecord(group: string, memberId: string, value: ConsumerGroupMemberMetadataValue | null): CoordinatorRecord {
  const key = memberKey(RecordType.ConsumerGroupMemberMetadata, group, memberId);
  if (value === null) return { key, value: null };
  const w = new Writer(128).int16(CONSUMER_VALUE_VERSION)
    .nullableString(value.instanceId).nullableString(value.rackId).string(value.clientId).string(value.clientHost)
    .int32(value.rebalanceTimeoutMs).nullableString(value.serverAssignor).int32(value.subscribedTopicNames.length);
  for (const name of value.subscribedTopicNames) w.string(name);
  return { key, value: w.toBuffer() };
}

export function readConsumerGroupMemberMetadataValue(value: Buffer): ConsumerGroupMemberMetadataValue {
  const r = valueReader(value, 'ConsumerGroupMemberMetadataValue');
  const instanceId = r.nullableString();
  const rackId = r.nullableString();
  const clientId = r.string();
  const clientHost = r.string();
  const rebalanceTimeoutMs = r.int32();
  const serverAssignor = r.nullableString();
  const count = r.arrayLength(2);
  const subscribedTopicNames: string[] = [];
  for (let i = 0; i < count; i++) subscribedTopicNames.push(r.string());
  return { instanceId, rackId, clientId, clientHost, rebalanceTimeoutMs, serverAssignor, subscribedTopicNames };
}

export const consumerGroupTargetAssignmentMetadataRecord = (group: string, value: ConsumerGroupTargetAssignmentMetadataValue | null): CoordinatorRecord => ({
  key: groupKey(RecordType.ConsumerGroupTargetAssignmentMetadata, group),
  value: value === null ? null : new Writer(8).int16(CONSUMER_VALUE_VERSION).int32(value.assignmentEpoch).toBuffer(),
});

export function readConsumerGroupTargetAssignmentMetadataValue(value: Buffer): ConsumerGroupTargetAssignmentMetadataValue {
  return { assignmentEpoch: valueReader(value, 'ConsumerGroupTargetAssignmentMetadataValue').int32() };
}

export function consumerGroupTargetAssignmentMemberRecord(group: string, memberId: string, value: ConsumerGroupTargetAssignmentMemberValue | null): CoordinatorRecord {
  const key = memberKey(RecordType.ConsumerGroupTargetAssignmentMember, group, memberId);
  if (value === null) return { key, value: null };
  const w = new Writer(64).int16(CONSUMER_VALUE_VERSION);
  writePartitions(w, value.partitions);
  return { key, value: w.toBuffer() };
}

export function readConsumerGroupTargetAssignmentMemberValue(value: Buffer): ConsumerGroupTargetAssignmentMemberValue {
  return { partitions: readPartitions(valueReader(value, 'ConsumerGroupTargetAssignmentMemberValue')) };
}

export function consumerGroupCurrentMemberAssignmentRecord(group: string, memberId: string, value: ConsumerGroupCurrentMemberAssignmentValue | null): CoordinatorRecord {
  const key = memberKey(RecordType.ConsumerGroupCurrentMemberAssignment, group, memberId);
  if (value === null) return { key, value: null };
  const w = new Writer(64).int16(CONSUMER_VALUE_VERSION).int32(value.memberEpoch).int32(value.previousMemberEpoch)
    .int8(memberStateCodes.indexOf(value.state));
  writePartitions(w, value.assignedPartitions);
  writePartitions(w, value.partitionsPendingRevocation);
  return { key, value: w.toBuffer() };
}

export function readConsumerGroupCurrentMemberAssignmentValue(value: Buffer): ConsumerGroupCurrentMemberAssignmentValue {
  const r = valueReader(value, 'ConsumerGroupCurrentMemberAssignmentValue');
  const memberEpoch = r.int32();
  const previousMemberEpoch = r.int32();
  const code = r.int8();
  const state = memberStateCodes[code];
  if (state === undefined) throw new Error(`unknown member state ${code}`);
  const assignedPartitions = readPartitions(r);
  const partitionsPendingRevocation = readPartitions(r);
  return { memberEpoch, previousMemberEpoch, state, assignedPartitions, partitionsPendingRevocation };
}
