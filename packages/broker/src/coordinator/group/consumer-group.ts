/**
 * A group of the next-generation consumer protocol (KIP-848), Kafka's ConsumerGroup: its
 * epochs, members, target assignment and the subscription metadata of the last epoch bump.
 * Only replay changes it (through `setMember`, `removeMember` and the plain fields); the
 * manager reads it to decide what records to write.
 *
 * Epochs: the group epoch moves on every change of membership or subscriptions (or of the
 * subscribed topics' partitions); the assignment epoch is the group epoch the target
 * assignment was computed for; each member's epoch is the assignment epoch it has
 * reconciled to. The state follows from them:
 *   Empty        no members
 *   Assigning    group epoch > assignment epoch (the next heartbeat computes a new target)
 *   Reconciling  some member is not yet at the assignment epoch, or still waits
 *   Stable       every member is at the assignment epoch with its target assignment
 *
 * Invariant kept by the manager and checked nowhere else: a partition is owned (assigned
 * or pending revocation) by at most one member; `currentPartitionEpoch` tells whom.
 */
import type { Uuid } from '@samsa/protocol';
import { MemberState, type SubscribedTopicMetadata } from './group-records.ts';
import { NO_PARTITIONS, type TopicPartitions } from './topic-partitions.ts';

export const ConsumerGroupState = {
  Empty: 'Empty',
  Assigning: 'Assigning',
  Reconciling: 'Reconciling',
  Stable: 'Stable',
  Dead: 'Dead',
} as const;
export type ConsumerGroupState = (typeof ConsumerGroupState)[keyof typeof ConsumerGroupState];

/** KIP-848's special member epochs in ConsumerGroupHeartbeat. */
export const JOIN_GROUP_MEMBER_EPOCH = 0;
export const LEAVE_GROUP_MEMBER_EPOCH = -1;
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;

/** A member, immutable: changes build a new one (`{ ...member, ... }`). */
export interface ConsumerGroupMember {
  readonly memberId: string;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly serverAssignor: string | null;
  /** Sorted, without duplicates. */
  readonly subscribedTopicNames: readonly string[];
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  readonly state: MemberState;
  /** What the member may use now. */
  readonly assignedPartitions: TopicPartitions;
  /** What it still holds but must give up before it moves to the next epoch. */
  readonly partitionsPendingRevocation: TopicPartitions;
}

export function newMember(memberId: string): ConsumerGroupMember {
  return {
    memberId, instanceId: null, rackId: null, clientId: '', clientHost: '', rebalanceTimeoutMs: -1, serverAssignor: null,
    subscribedTopicNames: [], memberEpoch: 0, previousMemberEpoch: 0, state: MemberState.Stable,
    assignedPartitions: NO_PARTITIONS, partitionsPendingRevocation: NO_PARTITIONS,
  };
}

/** Whether the member is at `epoch` with nothing left to revoke or to wait for. */
export function isReconciledTo(member: ConsumerGroupMember, epoch: number): boolean {
  return member.state === MemberState.Stable && member.memberEpoch === epoch;
}

export function sameMetadata(a: ConsumerGroupMember, b: ConsumerGroupMember): boolean {
  return a.instanceId === b.instanceId && a.rackId === b.rackId && a.clientId === b.clientId && a.clientHost === b.clientHost
    && a.rebalanceTimeoutMs === b.rebalanceTimeoutMs && a.serverAssignor === b.serverAssignor
    && sameNames(a.subscribedTopicNames, b.subscribedTopicNames);
}

export function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

interface PartitionOwner {
  memberId: string;
  epoch: number;
}

export class ConsumerGroup {
  readonly groupId: string;
  groupEpoch = 0;
  /** When the group epoch last moved; for an empty group, when its last member left. */
  epochTimestampMs = 0;
  assignmentEpoch = 0;
  /** The subscribed topics as of the last group epoch bump, by name. */
  subscriptionMetadata: ReadonlyMap<string, SubscribedTopicMetadata> = new Map();
  readonly members = new Map<string, ConsumerGroupMember>();
  /** instance id → member id, for static members. */
  readonly staticMembers = new Map<string, string>();
  /** member id → its target assignment. */
  readonly targetAssignment = new Map<string, TopicPartitions>();
  /** topic id → partition → who owns it now (assigned or pending revocation) and at which epoch. */
  readonly #owners = new Map<Uuid, Map<number, PartitionOwner>>();
  /** topic name → how many members subscribe to it. */
  readonly #subscribedTopics = new Map<string, number>();

  constructor(groupId: string) {
    this.groupId = groupId;
  }

  get state(): ConsumerGroupState {
    if (this.members.size === 0) return ConsumerGroupState.Empty;
    if (this.groupEpoch > this.assignmentEpoch) return ConsumerGroupState.Assigning;
    for (const m of this.members.values()) if (!isReconciledTo(m, this.assignmentEpoch)) return ConsumerGroupState.Reconciling;
    return ConsumerGroupState.Stable;
  }

  isEmpty(): boolean {
    return this.members.size === 0;
  }

  staticMember(instanceId: string | null): ConsumerGroupMember | undefined {
    if (instanceId === null) return undefined;
    const memberId = this.staticMembers.get(instanceId);
    return memberId === undefined ? undefined : this.members.get(memberId);
  }

  /** The epoch of the member owning a partition, or -1 when nobody does (Kafka's currentPartitionEpoch). */
  currentPartitionEpoch(topicId: Uuid, partition: number): number {
    return this.#owners.get(topicId)?.get(partition)?.epoch ?? -1;
  }

  /** The member owning a partition now, if any. */
  partitionOwner(topicId: Uuid, partition: number): string | undefined {
    return this.#owners.get(topicId)?.get(partition)?.memberId;
  }

  /** The topic names the members subscribe to. */
  subscribedTopicNames(): ReadonlySet<string> {
    return new Set(this.#subscribedTopics.keys());
  }

  isSubscribedTo(topic: string): boolean {
    return this.#subscribedTopics.has(topic);
  }

  /** The subscribed topic names if `oldMember` were replaced by `newMember` (either may be absent). */
  subscribedTopicNamesWith(oldMember: ConsumerGroupMember | undefined, newMember: ConsumerGroupMember | undefined): Set<string> {
    const counts = new Map(this.#subscribedTopics);
    for (const name of oldMember?.subscribedTopicNames ?? []) {
      const n = (counts.get(name) ?? 0) - 1;
      if (n <= 0) counts.delete(name);
      else counts.set(name, n);
    }
    for (const name of newMember?.subscribedTopicNames ?? []) counts.set(name, (counts.get(name) ?? 0) + 1);
    return new Set(counts.keys());
  }

  /**
   * The server assignor the members ask for most (ties: the first in `known`), or the
   * default when none asks (Kafka's computePreferredServerAssignor).
   */
  preferredServerAssignor(members: Iterable<ConsumerGroupMember>, known: readonly string[]): string {
    const votes = new Map<string, number>();
    for (const m of members) if (m.serverAssignor !== null) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
    let best: string | undefined;
    let bestVotes = 0;
    for (const name of known) {
      const n = votes.get(name) ?? 0;
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    return best ?? known[0]!;
  }

  // --- changed by replay only ---

  setMember(member: ConsumerGroupMember): void {
    const old = this.members.get(member.memberId);
    if (old !== undefined) this.#forget(old);
    this.members.set(member.memberId, member);
    if (member.instanceId !== null) this.staticMembers.set(member.instanceId, member.memberId);
    for (const name of member.subscribedTopicNames) this.#subscribedTopics.set(name, (this.#subscribedTopics.get(name) ?? 0) + 1);
    this.#own(member, member.assignedPartitions);
    this.#own(member, member.partitionsPendingRevocation);
  }

  removeMember(memberId: string): void {
    const old = this.members.get(memberId);
    if (old === undefined) return;
    this.#forget(old);
    this.members.delete(memberId);
  }

  #forget(member: ConsumerGroupMember): void {
    if (member.instanceId !== null && this.staticMembers.get(member.instanceId) === member.memberId) {
      this.staticMembers.delete(member.instanceId);
    }
    for (const name of member.subscribedTopicNames) {
      const n = (this.#subscribedTopics.get(name) ?? 0) - 1;
      if (n <= 0) this.#subscribedTopics.delete(name);
      else this.#subscribedTopics.set(name, n);
    }
    for (const tp of [member.assignedPartitions, member.partitionsPendingRevocation]) {
      for (const [topicId, partitions] of tp) {
        const owners = this.#owners.get(topicId);
        if (owners === undefined) continue;
        for (const p of partitions) if (owners.get(p)?.memberId === member.memberId) owners.delete(p);
        if (owners.size === 0) this.#owners.delete(topicId);
      }
    }
  }

  #own(member: ConsumerGroupMember, tp: TopicPartitions): void {
    for (const [topicId, partitions] of tp) {
      let owners = this.#owners.get(topicId);
      if (owners === undefined) {
        owners = new Map();
        this.#owners.set(topicId, owners);
      }
      for (const p of partitions) owners.set(p, { memberId: member.memberId, epoch: member.memberEpoch });
    }
  }
}
