/**
 * The next-generation consumer group protocol (KIP-848; Kafka's GroupMetadataManager,
 * consumer half): ConsumerGroupHeartbeat and ConsumerGroupDescribe, the session and
 * rebalance timeouts, and what offsets, ListGroups and DeleteGroups need of these groups.
 *
 * Unlike the classic protocol, every change is a record: operations only read the groups
 * and emit records (group-records.ts, types 3-8), and replay alone applies them, so a
 * reload rebuilds groups, member epochs and assignments exactly. A heartbeat runs three
 * steps, as in Kafka:
 *   1. create or update the member; a new member or a changed subscription (or a change of
 *      the subscribed topics' partitions) bumps the group epoch;
 *   2. if the group epoch is ahead of the assignment epoch, the group's server assignor
 *      computes a new target assignment for every member;
 *   3. the member is reconciled towards its target (current-assignment-builder.ts:
 *      revoke before assign, withhold what others still own).
 * Members that stop heartbeating are fenced after group.consumer.session.timeout.ms;
 * members that do not give up partitions within their rebalance timeout likewise. A
 * fenced or departed member's partitions are free at once; the group epoch moves and the
 * next heartbeat of anyone computes the new target.
 *
 * Non-obvious rules kept from Kafka:
 * - Member epoch 0 joins (v0: the coordinator makes the member id); a known member id with
 *   epoch 0 rejoins and gets its current assignment back (a fenced client's recovery).
 * - A heartbeat one epoch behind is accepted when its owned partitions are a subset of the
 *   assigned ones (the response that moved the member on was lost); otherwise
 *   FENCED_MEMBER_EPOCH.
 * - A static member leaving with epoch -2 keeps its partitions (and its place) until its
 *   session times out; a new member id under the same instance id takes them over
 *   without a rebalance. Any other claim to a live instance id is UNRELEASED_INSTANCE_ID.
 * - A group id of an empty classic group is taken over (its GroupMetadata tombstoned; the
 *   offsets stay); of a non-empty one it is GROUP_ID_NOT_FOUND (no online migration).
 */
import { ErrorCode, randomUuid, type Uuid } from '@samsa/protocol';
import type { CoordinatorResult } from '../coordinator-runtime.ts';
import { ClassicGroupState } from './classic-group.ts';
import type { ClassicGroupManager } from './classic-group-manager.ts';
import {
  ConsumerGroup, isReconciledTo, JOIN_GROUP_MEMBER_EPOCH, LEAVE_GROUP_MEMBER_EPOCH, LEAVE_GROUP_STATIC_MEMBER_EPOCH,
  newMember, sameMetadata, sameNames, type ConsumerGroupMember,
} from './consumer-group.ts';
import { reconcile, sameAssignment } from './current-assignment-builder.ts';
import type { AssignmentMemberSpec, AssignmentTopic } from './assignor/partition-assignor.ts';
import { serverAssignors } from './assignor/server-assignors.ts';
import {
  consumerGroupCurrentMemberAssignmentRecord, consumerGroupMemberMetadataRecord, consumerGroupMetadataRecord,
  consumerGroupPartitionMetadataRecord, consumerGroupTargetAssignmentMemberRecord, consumerGroupTargetAssignmentMetadataRecord,
  groupMetadataRecord, MemberState, type ConsumerGroupCurrentMemberAssignmentValue, type ConsumerGroupMemberMetadataValue,
  type SubscribedTopicMetadata,
} from './group-records.ts';
import type { ShardContext } from './shard-context.ts';
import * as tps from './topic-partitions.ts';
import type { TopicPartitions } from './topic-partitions.ts';

export interface ConsumerGroupHeartbeatParams {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[] | null;
  serverAssignor: string | null;
  /** The partitions the member owns; null when unchanged since its last heartbeat. */
  topicPartitions: Array<{ topicId: Uuid; partitions: number[] }> | null;
  clientId: string;
  clientHost: string;
}

export interface ConsumerGroupHeartbeatResult {
  errorCode: number;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  /** The partitions the member may use now; null when unchanged and not asked for. */
  assignment: Array<{ topicId: Uuid; partitions: number[] }> | null;
}

export interface DescribedTopicPartitions {
  topicId: Uuid;
  topicName: string;
  partitions: number[];
}

export interface DescribedConsumerGroup {
  groupId: string;
  errorCode: number;
  errorMessage: string | null;
  groupState: string;
  groupEpoch: number;
  assignmentEpoch: number;
  assignorName: string;
  members: Array<{
    memberId: string; instanceId: string | null; rackId: string | null; memberEpoch: number; clientId: string; clientHost: string;
    subscribedTopicNames: string[]; assignment: DescribedTopicPartitions[]; targetAssignment: DescribedTopicPartitions[];
  }>;
}

/** A heartbeat refused with Kafka's error code and message; nothing is written. */
class HeartbeatError extends Error {
  readonly errorCode: number;
  constructor(errorCode: number, message: string) {
    super(message);
    this.errorCode = errorCode;
  }
}

export function heartbeatError(errorCode: number, errorMessage: string | null = null): ConsumerGroupHeartbeatResult {
  return { errorCode, errorMessage, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null };
}

const sessionKey = (groupId: string, memberId: string): string => `consumer-session\u0000${groupId}\u0000${memberId}`;
const rebalanceKey = (groupId: string, memberId: string): string => `consumer-rebalance\u0000${groupId}\u0000${memberId}`;

function sortedNames(names: readonly string[]): string[] {
  return [...new Set(names)].sort();
}

export class ConsumerGroupManager {
  readonly #ctx: ShardContext;
  readonly #classic: ClassicGroupManager;
  readonly #groups = new Map<string, ConsumerGroup>();

  constructor(ctx: ShardContext, classic: ClassicGroupManager) {
    this.#ctx = ctx;
    this.#classic = classic;
  }

  group(groupId: string): ConsumerGroup | undefined {
    return this.#groups.get(groupId);
  }

  groups(): IterableIterator<ConsumerGroup> {
    return this.#groups.values();
  }

  // --- ConsumerGroupHeartbeat ---

  heartbeat(p: ConsumerGroupHeartbeatParams): CoordinatorResult<ConsumerGroupHeartbeatResult> {
    try {
      this.#validateRequest(p);
      const response = p.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || p.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH
        ? this.#leave(p)
        : this.#heartbeat(p);
      return this.#ctx.result(response);
    } catch (err) {
      this.#ctx.discard();
      if (err instanceof HeartbeatError) return this.#ctx.result(heartbeatError(err.errorCode, err.message));
      throw err;
    }
  }

  /** Kafka's throwIfConsumerGroupHeartbeatRequestIsInvalid: INVALID_REQUEST and UNSUPPORTED_ASSIGNOR. */
  #validateRequest(p: ConsumerGroupHeartbeatParams): void {
    const invalid = (message: string): HeartbeatError => new HeartbeatError(ErrorCode.INVALID_REQUEST, message);
    if (p.groupId === '') throw invalid('GroupId can\'t be empty.');
    if (p.instanceId === '') throw invalid('InstanceId can\'t be empty.');
    if (p.rackId === '') throw invalid('RackId can\'t be empty.');
    if (p.memberEpoch > 0 || p.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH) {
      if (p.memberId === '') throw invalid('MemberId can\'t be empty.');
    } else if (p.memberEpoch === JOIN_GROUP_MEMBER_EPOCH) {
      if (p.rebalanceTimeoutMs === -1) throw invalid('RebalanceTimeoutMs must be provided in first request.');
      if (p.topicPartitions === null || p.topicPartitions.length > 0) throw invalid('TopicPartitions must be empty when (re-)joining.');
      if (p.subscribedTopicNames === null || p.subscribedTopicNames.length === 0) throw invalid('SubscribedTopicNames must be set in first request.');
    } else if (p.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      if (p.memberId === '') throw invalid('MemberId can\'t be empty.');
      if (p.instanceId === null) throw invalid('InstanceId can\'t be null.');
    } else {
      throw invalid('MemberEpoch is invalid.');
    }
    const assignors = this.#ctx.config.consumerGroupAssignors;
    if (p.serverAssignor !== null && !assignors.includes(p.serverAssignor)) {
      throw new HeartbeatError(ErrorCode.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${p.serverAssignor} is not supported. Supported assignors: ${assignors.join(', ')}.`);
    }
  }

  #heartbeat(p: ConsumerGroupHeartbeatParams): ConsumerGroupHeartbeatResult {
    const joining = p.memberEpoch === JOIN_GROUP_MEMBER_EPOCH;
    const group = this.#getOrMaybeCreateGroup(p.groupId, joining);
    const cfg = this.#ctx.config;
    if (group.members.size >= cfg.consumerGroupMaxSize && (p.memberId === '' || !group.members.has(p.memberId))) {
      throw new HeartbeatError(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${cfg.consumerGroupMaxSize} members.`);
    }
    const memberId = p.memberId === '' ? randomUuid() : p.memberId;
    const owned = p.topicPartitions === null ? null : tps.fromList(p.topicPartitions);
    const { member, replaced } = p.instanceId === null
      ? { member: this.#dynamicMember(group, memberId, p.memberEpoch, owned), replaced: undefined }
      : this.#staticMember(group, memberId, p.memberEpoch, p.instanceId, owned);
    const isNew = !group.members.has(memberId);

    // 1. The member and the group epoch.
    const updated: ConsumerGroupMember = {
      ...member,
      instanceId: p.instanceId ?? member.instanceId,
      rackId: p.rackId ?? member.rackId,
      rebalanceTimeoutMs: p.rebalanceTimeoutMs === -1 ? member.rebalanceTimeoutMs : p.rebalanceTimeoutMs,
      serverAssignor: p.serverAssignor ?? member.serverAssignor,
      subscribedTopicNames: p.subscribedTopicNames === null ? member.subscribedTopicNames : sortedNames(p.subscribedTopicNames),
      clientId: p.clientId,
      clientHost: p.clientHost,
    };
    if ((isNew && replaced === undefined) || !sameMetadata(member, updated)) {
      this.#ctx.emit(consumerGroupMemberMetadataRecord(group.groupId, memberId, memberMetadataValue(updated)));
    }
    const previous = replaced ?? group.members.get(memberId);
    const metadata = this.#subscriptionMetadata(group.subscribedTopicNamesWith(previous, updated));
    let bump = group.groupEpoch === 0 || !sameNames(member.subscribedTopicNames, updated.subscribedTopicNames);
    if (!sameSubscriptionMetadata(metadata, group.subscriptionMetadata)) {
      this.#ctx.emit(consumerGroupPartitionMetadataRecord(group.groupId, { topics: [...metadata.values()] }));
      bump = true;
    }
    const groupEpoch = bump ? group.groupEpoch + 1 : group.groupEpoch;
    if (bump) this.#ctx.emit(consumerGroupMetadataRecord(group.groupId, { epoch: groupEpoch, timestampMs: this.#ctx.now() }));

    // 2. The target assignment.
    const currentTarget = (id: string): TopicPartitions =>
      group.targetAssignment.get(id) ?? (id === memberId && replaced !== undefined ? group.targetAssignment.get(replaced.memberId) : undefined) ?? tps.NO_PARTITIONS;
    let targetEpoch = group.assignmentEpoch;
    let target = currentTarget(memberId);
    if (groupEpoch > group.assignmentEpoch) {
      const members = new Map(group.members);
      if (replaced !== undefined) members.delete(replaced.memberId);
      members.set(memberId, updated);
      const targets = this.#computeTargetAssignment(group, members, metadata, currentTarget);
      for (const [id, tp] of targets) {
        // A replacing static member's record 7 was written by #staticMember with the old target.
        if (!tps.equals(tp, currentTarget(id))) {
          this.#ctx.emit(consumerGroupTargetAssignmentMemberRecord(group.groupId, id, { partitions: tp }));
        }
      }
      this.#ctx.emit(consumerGroupTargetAssignmentMetadataRecord(group.groupId, { assignmentEpoch: groupEpoch }));
      targetEpoch = groupEpoch;
      target = targets.get(memberId) ?? tps.NO_PARTITIONS;
    }

    // 3. Reconciliation.
    const reconciled = isReconciledTo(updated, targetEpoch) ? updated : reconcile(updated, {
      targetEpoch,
      target,
      owned,
      currentPartitionEpoch: (topicId, partition) => {
        const owner = group.partitionOwner(topicId, partition);
        return owner === undefined || owner === memberId || owner === replaced?.memberId ? -1 : group.currentPartitionEpoch(topicId, partition);
      },
    });
    if (!sameAssignment(reconciled, updated) || (isNew && replaced === undefined)) {
      this.#ctx.emit(consumerGroupCurrentMemberAssignmentRecord(group.groupId, memberId, currentAssignmentValue(reconciled)));
      if (reconciled.state === MemberState.UnrevokedPartitions) this.#scheduleRebalanceTimeout(group.groupId, reconciled);
      else this.#ctx.timer.cancel(rebalanceKey(group.groupId, memberId));
    }
    this.#scheduleSessionTimeout(group.groupId, memberId);

    // The assignment goes back on a join, on a full request (a client recovering from an
    // error sends every field) and whenever it changed.
    const fullRequest = p.rebalanceTimeoutMs !== -1 && p.subscribedTopicNames !== null && p.topicPartitions !== null;
    const sendAssignment = joining || fullRequest || !tps.equals(member.assignedPartitions, reconciled.assignedPartitions);
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId,
      memberEpoch: reconciled.memberEpoch,
      heartbeatIntervalMs: cfg.consumerGroupHeartbeatIntervalMs,
      assignment: sendAssignment ? tps.toList(reconciled.assignedPartitions) : null,
    };
  }

  /** The consumer group, a new one when joining (it exists once its records are replayed). */
  #getOrMaybeCreateGroup(groupId: string, joining: boolean): ConsumerGroup {
    const group = this.#groups.get(groupId);
    if (group !== undefined) return group;
    const classic = this.#classic.group(groupId);
    if (classic !== undefined && !classic.is(ClassicGroupState.Dead)) {
      if (!joining || !classic.is(ClassicGroupState.Empty) || classic.size > 0) {
        throw new HeartbeatError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`);
      }
      // An empty classic group (or a simple consumer's) becomes a consumer group; its offsets stay.
      this.#ctx.emit(groupMetadataRecord(groupId, null));
    } else if (!joining) {
      throw new HeartbeatError(ErrorCode.GROUP_ID_NOT_FOUND, `Consumer group ${groupId} not found.`);
    }
    return new ConsumerGroup(groupId);
  }

  #dynamicMember(group: ConsumerGroup, memberId: string, memberEpoch: number, owned: TopicPartitions | null): ConsumerGroupMember {
    const member = group.members.get(memberId);
    if (member === undefined) {
      if (memberEpoch !== JOIN_GROUP_MEMBER_EPOCH) {
        throw new HeartbeatError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${group.groupId}.`);
      }
      return newMember(memberId);
    }
    checkMemberEpoch(member, memberEpoch, owned);
    return member;
  }

  #staticMember(group: ConsumerGroup, memberId: string, memberEpoch: number, instanceId: string, owned: TopicPartitions | null): {
    member: ConsumerGroupMember; replaced: ConsumerGroupMember | undefined;
  } {
    const existing = group.staticMember(instanceId);
    if (memberEpoch !== JOIN_GROUP_MEMBER_EPOCH) {
      if (existing === undefined) throw new HeartbeatError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${instanceId} is unknown.`);
      if (existing.memberId !== memberId) {
        throw new HeartbeatError(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} was fenced by member ${existing.memberId}.`);
      }
      checkMemberEpoch(existing, memberEpoch, owned);
      return { member: existing, replaced: undefined };
    }
    if (existing === undefined) return { member: group.members.get(memberId) ?? newMember(memberId), replaced: undefined };
    if (existing.memberId === memberId) return { member: existing, replaced: undefined };
    if (existing.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      throw new HeartbeatError(ErrorCode.UNRELEASED_INSTANCE_ID,
        `Static member ${memberId} with instance id ${instanceId} cannot join the group because the instance id is owned by member ${existing.memberId}.`);
    }
    // The returning instance takes over the old member: its partitions, target and place.
    const member: ConsumerGroupMember = { ...existing, memberId, memberEpoch: 0, previousMemberEpoch: 0 };
    this.#emitRemoveMember(group.groupId, existing.memberId);
    this.#ctx.emit(consumerGroupMemberMetadataRecord(group.groupId, memberId, memberMetadataValue(member)));
    this.#ctx.emit(consumerGroupTargetAssignmentMemberRecord(group.groupId, memberId, {
      partitions: group.targetAssignment.get(existing.memberId) ?? tps.NO_PARTITIONS,
    }));
    this.#ctx.emit(consumerGroupCurrentMemberAssignmentRecord(group.groupId, memberId, currentAssignmentValue(member)));
    return { member, replaced: existing };
  }

  /** The subscribed topics that exist, by name, with their ids and partition counts now. */
  #subscriptionMetadata(names: Iterable<string>): Map<string, SubscribedTopicMetadata> {
    const out = new Map<string, SubscribedTopicMetadata>();
    for (const name of [...names].sort()) {
      const topic = this.#ctx.topics.topic(name);
      if (topic !== undefined) out.set(name, { topicId: topic.topicId, name, numPartitions: topic.numPartitions });
    }
    return out;
  }

  #computeTargetAssignment(
    group: ConsumerGroup,
    members: ReadonlyMap<string, ConsumerGroupMember>,
    metadata: ReadonlyMap<string, SubscribedTopicMetadata>,
    currentTarget: (memberId: string) => TopicPartitions,
  ): Map<string, TopicPartitions> {
    const assignorName = group.preferredServerAssignor(members.values(), this.#ctx.config.consumerGroupAssignors);
    const assignor = serverAssignors.get(assignorName);
    if (assignor === undefined) throw new HeartbeatError(ErrorCode.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${assignorName} is not supported.`);
    const topics = new Map<Uuid, AssignmentTopic>();
    for (const t of metadata.values()) topics.set(t.topicId, { name: t.name, numPartitions: t.numPartitions });
    const specs = new Map<string, AssignmentMemberSpec>();
    for (const [id, m] of members) {
      const subscribedTopicIds = new Set<Uuid>();
      for (const name of m.subscribedTopicNames) {
        const t = metadata.get(name);
        if (t !== undefined) subscribedTopicIds.add(t.topicId);
      }
      specs.set(id, { instanceId: m.instanceId, subscribedTopicIds, currentTarget: currentTarget(id) });
    }
    const targets = assignor.assign({ members: specs, topics });
    for (const id of members.keys()) if (!targets.has(id)) targets.set(id, tps.NO_PARTITIONS);
    return targets;
  }

  // --- leaving and fencing ---

  #leave(p: ConsumerGroupHeartbeatParams): ConsumerGroupHeartbeatResult {
    const group = this.#groups.get(p.groupId);
    if (group === undefined) throw new HeartbeatError(ErrorCode.GROUP_ID_NOT_FOUND, `Consumer group ${p.groupId} not found.`);
    const response = (memberEpoch: number): ConsumerGroupHeartbeatResult =>
      ({ errorCode: ErrorCode.NONE, errorMessage: null, memberId: p.memberId, memberEpoch, heartbeatIntervalMs: 0, assignment: null });
    if (p.instanceId === null) {
      const member = group.members.get(p.memberId);
      if (member === undefined) throw new HeartbeatError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${p.memberId} is not a member of group ${group.groupId}.`);
      this.#fence(group, member);
      return response(LEAVE_GROUP_MEMBER_EPOCH);
    }
    const member = group.staticMember(p.instanceId);
    if (member === undefined) throw new HeartbeatError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${p.instanceId} is unknown.`);
    if (member.memberId !== p.memberId) {
      throw new HeartbeatError(ErrorCode.FENCED_INSTANCE_ID, `Static member ${p.memberId} with instance id ${p.instanceId} was fenced by member ${member.memberId}.`);
    }
    if (p.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      // A temporary leave: the member keeps its partitions until its session expires.
      this.#ctx.emit(consumerGroupCurrentMemberAssignmentRecord(group.groupId, member.memberId, currentAssignmentValue({
        ...member, memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH, partitionsPendingRevocation: tps.NO_PARTITIONS,
      })));
      this.#ctx.timer.cancel(rebalanceKey(group.groupId, member.memberId));
      return response(LEAVE_GROUP_STATIC_MEMBER_EPOCH);
    }
    this.#fence(group, member);
    return response(LEAVE_GROUP_MEMBER_EPOCH);
  }

  /** Removes a member and bumps the group epoch; its partitions are free once replayed. */
  #fence(group: ConsumerGroup, member: ConsumerGroupMember): void {
    this.#emitRemoveMember(group.groupId, member.memberId);
    const metadata = this.#subscriptionMetadata(group.subscribedTopicNamesWith(member, undefined));
    if (!sameSubscriptionMetadata(metadata, group.subscriptionMetadata)) {
      this.#ctx.emit(consumerGroupPartitionMetadataRecord(group.groupId, { topics: [...metadata.values()] }));
    }
    this.#ctx.emit(consumerGroupMetadataRecord(group.groupId, { epoch: group.groupEpoch + 1, timestampMs: this.#ctx.now() }));
    this.#ctx.timer.cancel(sessionKey(group.groupId, member.memberId));
    this.#ctx.timer.cancel(rebalanceKey(group.groupId, member.memberId));
  }

  /** Tombstones for a member's records, current assignment first (Kafka's order). */
  #emitRemoveMember(groupId: string, memberId: string): void {
    this.#ctx.emit(consumerGroupCurrentMemberAssignmentRecord(groupId, memberId, null));
    this.#ctx.emit(consumerGroupTargetAssignmentMemberRecord(groupId, memberId, null));
    this.#ctx.emit(consumerGroupMemberMetadataRecord(groupId, memberId, null));
  }

  #scheduleSessionTimeout(groupId: string, memberId: string): void {
    this.#ctx.timer.schedule(sessionKey(groupId, memberId), this.#ctx.config.consumerGroupSessionTimeoutMs, () => {
      const group = this.#groups.get(groupId);
      const member = group?.members.get(memberId);
      if (group !== undefined && member !== undefined) this.#fence(group, member);
      return this.#ctx.result(undefined);
    });
  }

  /** A member that has not released its partitions by the time its rebalance timeout ends is fenced. */
  #scheduleRebalanceTimeout(groupId: string, member: ConsumerGroupMember): void {
    const { memberId, memberEpoch } = member;
    this.#ctx.timer.schedule(rebalanceKey(groupId, memberId), Math.max(member.rebalanceTimeoutMs, 0), () => {
      const group = this.#groups.get(groupId);
      const current = group?.members.get(memberId);
      if (group !== undefined && current !== undefined && current.memberEpoch === memberEpoch && current.state === MemberState.UnrevokedPartitions) {
        this.#fence(group, current);
      }
      return this.#ctx.result(undefined);
    });
  }

  // --- replay and loading ---

  /** The group a record of `groupId` applies to; a classic group of the same id gives way. */
  #replayGroup(groupId: string): ConsumerGroup {
    let group = this.#groups.get(groupId);
    if (group === undefined) {
      // A valid log tombstones the (empty) classic group first; after compaction an offset
      // commit may have made a simple classic group of this id before this record.
      this.#classic.removeGroup(groupId);
      group = new ConsumerGroup(groupId);
      this.#groups.set(groupId, group);
    }
    return group;
  }

  replayGroupMetadata(groupId: string, value: { epoch: number; timestampMs: number } | null): void {
    if (value === null) {
      this.#removeGroup(groupId);
      return;
    }
    const group = this.#replayGroup(groupId);
    group.groupEpoch = value.epoch;
    group.epochTimestampMs = value.timestampMs;
  }

  replayPartitionMetadata(groupId: string, value: { topics: SubscribedTopicMetadata[] } | null): void {
    if (value === null) {
      const group = this.#groups.get(groupId);
      if (group !== undefined) group.subscriptionMetadata = new Map();
      return;
    }
    this.#replayGroup(groupId).subscriptionMetadata = new Map(value.topics.map((t) => [t.name, t]));
  }

  replayMemberMetadata(groupId: string, memberId: string, value: ConsumerGroupMemberMetadataValue | null): void {
    if (value === null) {
      this.#groups.get(groupId)?.removeMember(memberId);
      return;
    }
    const group = this.#replayGroup(groupId);
    group.setMember({ ...(group.members.get(memberId) ?? newMember(memberId)), ...value, subscribedTopicNames: sortedNames(value.subscribedTopicNames) });
  }

  replayTargetAssignmentMetadata(groupId: string, value: { assignmentEpoch: number } | null): void {
    if (value === null) {
      const group = this.#groups.get(groupId);
      if (group !== undefined) group.assignmentEpoch = 0;
      return;
    }
    this.#replayGroup(groupId).assignmentEpoch = value.assignmentEpoch;
  }

  replayTargetAssignmentMember(groupId: string, memberId: string, value: { partitions: TopicPartitions } | null): void {
    if (value === null) {
      this.#groups.get(groupId)?.targetAssignment.delete(memberId);
      return;
    }
    this.#replayGroup(groupId).targetAssignment.set(memberId, value.partitions);
  }

  replayCurrentMemberAssignment(groupId: string, memberId: string, value: ConsumerGroupCurrentMemberAssignmentValue | null): void {
    if (value === null) {
      const group = this.#groups.get(groupId);
      const member = group?.members.get(memberId);
      if (group === undefined || member === undefined) return;
      group.setMember({
        ...member, memberEpoch: LEAVE_GROUP_MEMBER_EPOCH, previousMemberEpoch: LEAVE_GROUP_MEMBER_EPOCH, state: MemberState.Stable,
        assignedPartitions: tps.NO_PARTITIONS, partitionsPendingRevocation: tps.NO_PARTITIONS,
      });
      return;
    }
    const group = this.#replayGroup(groupId);
    group.setMember({ ...(group.members.get(memberId) ?? newMember(memberId)), ...value });
  }

  /** After loading: every member must heartbeat within the session timeout, revoke within its rebalance timeout. */
  onLoaded(): void {
    for (const group of this.#groups.values()) {
      for (const member of group.members.values()) {
        this.#scheduleSessionTimeout(group.groupId, member.memberId);
        if (member.state === MemberState.UnrevokedPartitions) this.#scheduleRebalanceTimeout(group.groupId, member);
      }
    }
  }

  #removeGroup(groupId: string): void {
    const group = this.#groups.get(groupId);
    if (group === undefined) return;
    for (const memberId of group.members.keys()) {
      this.#ctx.timer.cancel(sessionKey(groupId, memberId));
      this.#ctx.timer.cancel(rebalanceKey(groupId, memberId));
    }
    this.#groups.delete(groupId);
  }

  // --- what others need of consumer groups ---

  /**
   * A JoinGroup for this id: INCONSISTENT_GROUP_PROTOCOL while the consumer group has
   * members; an empty one is deleted (tombstones emitted, and dropped from memory now, as
   * the classic path does not replay) so a classic group can take the id. NONE otherwise.
   */
  yieldToClassicJoin(groupId: string): number {
    const group = this.#groups.get(groupId);
    if (group === undefined) return ErrorCode.NONE;
    if (!group.isEmpty()) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    this.emitDeleteGroup(groupId);
    this.#removeGroup(groupId);
    return ErrorCode.NONE;
  }

  /** DeleteGroups' check: undefined when the id is not a consumer group's, else NON_EMPTY_GROUP or NONE. */
  validateDeleteGroup(groupId: string): number | undefined {
    const group = this.#groups.get(groupId);
    if (group === undefined) return undefined;
    return group.isEmpty() ? ErrorCode.NONE : ErrorCode.NON_EMPTY_GROUP;
  }

  /** Tombstones for every record of a group (Kafka's createGroupTombstoneRecords). */
  emitDeleteGroup(groupId: string): void {
    const group = this.#groups.get(groupId);
    if (group === undefined) return;
    for (const memberId of new Set([...group.members.keys(), ...group.targetAssignment.keys()])) this.#emitRemoveMember(groupId, memberId);
    this.#ctx.emit(consumerGroupTargetAssignmentMetadataRecord(groupId, null));
    this.#ctx.emit(consumerGroupPartitionMetadataRecord(groupId, null));
    this.#ctx.emit(consumerGroupMetadataRecord(groupId, null));
  }

  /**
   * The error for an OffsetCommit to this group, or NONE (Kafka's ConsumerGroup.validateOffsetCommit):
   * epoch -1 commits only to an empty group; members commit with OffsetCommit v9+ and their current epoch.
   */
  validateOffsetCommit(group: ConsumerGroup, memberId: string, memberEpoch: number, apiVersion: number): number {
    if (memberEpoch < 0 && group.isEmpty()) return ErrorCode.NONE;
    const member = group.members.get(memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (apiVersion < 9) return ErrorCode.UNSUPPORTED_VERSION;
    return memberEpoch === member.memberEpoch ? ErrorCode.NONE : ErrorCode.STALE_MEMBER_EPOCH;
  }

  /**
   * The error for a TxnOffsetCommit to this group, or NONE: as for OffsetCommit, but any
   * version may be used and a stale epoch is ILLEGAL_GENERATION (Kafka maps
   * STALE_MEMBER_EPOCH so that transactional producers, which know only the classic
   * errors, abort the transaction).
   */
  validateTxnOffsetCommit(group: ConsumerGroup, memberId: string, memberEpoch: number): number {
    if (memberEpoch < 0 && group.isEmpty()) return ErrorCode.NONE;
    const member = group.members.get(memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    return memberEpoch === member.memberEpoch ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
  }

  /** The error for an OffsetFetch naming a member (v9+), or NONE (Kafka's validateOffsetFetch). */
  validateOffsetFetch(group: ConsumerGroup, memberId: string | null, memberEpoch: number): number {
    if (memberId === null && memberEpoch < 0) return ErrorCode.NONE;
    const member = memberId === null ? undefined : group.members.get(memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    return memberEpoch === member.memberEpoch ? ErrorCode.NONE : ErrorCode.STALE_MEMBER_EPOCH;
  }

  // --- admin ---

  describe(groupId: string): DescribedConsumerGroup {
    const group = this.#groups.get(groupId);
    if (group === undefined) {
      const classic = this.#classic.group(groupId);
      const message = classic !== undefined && !classic.is(ClassicGroupState.Dead) ? `Group ${groupId} is not a consumer group.` : `Group ${groupId} not found.`;
      return {
        groupId, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: message, groupState: '', groupEpoch: 0, assignmentEpoch: 0,
        assignorName: '', members: [],
      };
    }
    const names = new Map<Uuid, string>();
    for (const t of group.subscriptionMetadata.values()) names.set(t.topicId, t.name);
    const describe = (tp: TopicPartitions): DescribedTopicPartitions[] => tps.toList(tp).map(({ topicId, partitions }) => ({
      topicId, topicName: names.get(topicId) ?? this.#ctx.topics.topicById(topicId)?.name ?? '', partitions,
    }));
    return {
      groupId,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      groupState: group.state,
      groupEpoch: group.groupEpoch,
      assignmentEpoch: group.assignmentEpoch,
      assignorName: group.preferredServerAssignor(group.members.values(), this.#ctx.config.consumerGroupAssignors),
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId, instanceId: m.instanceId, rackId: m.rackId, memberEpoch: m.memberEpoch, clientId: m.clientId,
        clientHost: m.clientHost, subscribedTopicNames: [...m.subscribedTopicNames], assignment: describe(m.assignedPartitions),
        targetAssignment: describe(group.targetAssignment.get(m.memberId) ?? tps.NO_PARTITIONS),
      })),
    };
  }

  listGroups(): Array<{ groupId: string; protocolType: string; groupState: string; groupType: string }> {
    return [...this.#groups.values()].map((g) => ({ groupId: g.groupId, protocolType: 'consumer', groupState: g.state, groupType: 'consumer' }));
  }
}

/** Kafka's epoch check for a known member (epoch 0 is a rejoin and always passes). */
function checkMemberEpoch(member: ConsumerGroupMember, received: number, owned: TopicPartitions | null): void {
  if (received === JOIN_GROUP_MEMBER_EPOCH) return;
  if (received > member.memberEpoch) {
    throw new HeartbeatError(ErrorCode.FENCED_MEMBER_EPOCH,
      `The consumer group member has a greater member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
  }
  if (received < member.memberEpoch
    && (received !== member.previousMemberEpoch || owned === null || !tps.isSubset(owned, member.assignedPartitions))) {
    throw new HeartbeatError(ErrorCode.FENCED_MEMBER_EPOCH,
      `The consumer group member has a smaller member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
  }
}

function sameSubscriptionMetadata(a: ReadonlyMap<string, SubscribedTopicMetadata>, b: ReadonlyMap<string, SubscribedTopicMetadata>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, t] of a) {
    const o = b.get(name);
    if (o === undefined || o.topicId !== t.topicId || o.numPartitions !== t.numPartitions) return false;
  }
  return true;
}

function memberMetadataValue(m: ConsumerGroupMember): ConsumerGroupMemberMetadataValue {
  return {
    instanceId: m.instanceId, rackId: m.rackId, clientId: m.clientId, clientHost: m.clientHost,
    rebalanceTimeoutMs: m.rebalanceTimeoutMs, serverAssignor: m.serverAssignor, subscribedTopicNames: [...m.subscribedTopicNames],
  };
}

function currentAssignmentValue(m: ConsumerGroupMember): ConsumerGroupCurrentMemberAssignmentValue {
  return {
    memberEpoch: m.memberEpoch, previousMemberEpoch: m.previousMemberEpoch, state: m.state,
    assignedPartitions: m.assignedPartitions, partitionsPendingRevocation: m.partitionsPendingRevocation,
  };
}
