/**
 * The records of `__consumer_offsets`, in Kafka's layout so that Kafka's own tools (and
 * anyone reading the topic) can decode them: a key starting with an int16 type, then the
 * fields; a value starting with an int16 version. Kafka's key types:
 *   0, 1  OffsetCommitKey      group, topic, partition     → OffsetCommitValue (v0-3 read, v3 written)
 *   2     GroupMetadataKey     group                       → GroupMetadataValue (v0-3 read, v3 written)
 * A null value is a tombstone: the offset, or the group, is gone (and compaction drops it).
 * Keys of other types (KIP-848 consumer groups, share groups) are recognised as such and
 * skipped by readers that do not know them.
 */
import { Reader, Writer } from '@samsa/protocol';
import type { CoordinatorRecord } from '../coordinator-runtime.ts';

export const RecordType = {
  OffsetCommit: 1,
  GroupMetadata: 2,
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

export interface UnknownKey {
  type: number;
}

export type GroupRecordKey = OffsetCommitKey | GroupMetadataKey | UnknownKey;

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
