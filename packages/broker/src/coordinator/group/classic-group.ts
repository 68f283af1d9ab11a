/**
 * A group of the classic protocol (JoinGroup/SyncGroup/Heartbeat), Kafka's ClassicGroup:
 * members, their supported protocols, the generation, the leader and the state.
 *
 *   Empty ──join──▶ PreparingRebalance ──all joined / timeout──▶ CompletingRebalance
 *     ▲                   ▲      ▲                                     │ leader's SyncGroup
 *     └─last member gone──┘      └──member joins, leaves or times out──┴─▶ Stable
 *
 * Dead: deleted (DeleteGroups, or all offsets expired from an empty group).
 *
 * The member callbacks (`awaitingJoin`, `awaitingSync`) are the deferred JoinGroup and
 * SyncGroup answers; they live only in memory, as in Kafka. What a reload needs (the
 * generation, protocol, leader, members and their assignments) is written as a
 * GroupMetadata record when a generation completes, and rebuilt from it by `fromRecord`.
 */
import { ConsumerProtocolSubscription, Reader } from '@samsa/protocol';
import type { GroupMetadataValue } from './group-records.ts';

export const ClassicGroupState = {
  Empty: 'Empty',
  PreparingRebalance: 'PreparingRebalance',
  CompletingRebalance: 'CompletingRebalance',
  Stable: 'Stable',
  Dead: 'Dead',
} as const;
export type ClassicGroupState = (typeof ClassicGroupState)[keyof typeof ClassicGroupState];

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>;
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface GroupProtocol {
  name: string;
  metadata: Buffer;
}

export interface ClassicGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: GroupProtocol[];
  assignment: Buffer;
  awaitingJoin: ((r: JoinResult) => void) | null;
  awaitingSync: ((r: SyncResult) => void) | null;
  /** Joined during the current rebalance and not yet through a generation. */
  isNew: boolean;
}

const EMPTY = Buffer.alloc(0);

export class ClassicGroup {
  readonly groupId: string;
  state: ClassicGroupState;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** Insertion-ordered: the first member is the leader's successor. */
  readonly members = new Map<string, ClassicGroupMember>();
  /** group.instance.id → member id, for static members. */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED (JoinGroup v4+) and not yet used. */
  readonly pendingMembers = new Set<string>();
  /** Members of the new generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  /** When the group entered its current state (for offset expiry of empty groups). */
  currentStateTimestamp: number;
  /** Whether a member joined during the initial rebalance delay (KIP-134). */
  newMemberAdded = false;

  constructor(groupId: string, now: number, state: ClassicGroupState = ClassicGroupState.Empty) {
    this.groupId = groupId;
    this.state = state;
    this.currentStateTimestamp = now;
  }

  static fromRecord(groupId: string, value: GroupMetadataValue, now: number): ClassicGroup {
    const group = new ClassicGroup(groupId, value.currentStateTimestamp >= 0n ? Number(value.currentStateTimestamp) : now,
      value.members.length === 0 ? ClassicGroupState.Empty : ClassicGroupState.Stable);
    group.generationId = value.generation;
    group.protocolType = value.protocolType === '' ? null : value.protocolType;
    group.protocolName = value.protocol;
    group.leaderId = value.leader;
    for (const m of value.members) {
      group.add({
        memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeout, sessionTimeoutMs: m.sessionTimeout, protocolType: value.protocolType,
        protocols: [{ name: value.protocol ?? '', metadata: m.subscription }], assignment: m.assignment,
        awaitingJoin: null, awaitingSync: null, isNew: false,
      });
    }
    return group;
  }

  toRecord(): GroupMetadataValue {
    return {
      protocolType: this.protocolType ?? '',
      generation: this.generationId,
      protocol: this.protocolName,
      leader: this.leaderId,
      currentStateTimestamp: BigInt(this.currentStateTimestamp),
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs, sessionTimeout: m.sessionTimeoutMs,
        subscription: this.metadataOf(m), assignment: m.assignment,
      })),
    };
  }

  is(state: ClassicGroupState): boolean {
    return this.state === state;
  }

  transitionTo(state: ClassicGroupState, now: number): void {
    this.state = state;
    this.currentStateTimestamp = now;
  }

  get size(): number {
    return this.members.size;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  add(member: ClassicGroupMember): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    this.leaderId ??= member.memberId;
  }

  remove(memberId: string): ClassicGroupMember | undefined {
    const member = this.members.get(memberId);
    if (member === undefined) return undefined;
    this.members.delete(memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) {
      this.staticMembers.delete(member.groupInstanceId);
    }
    this.pendingSyncMembers.delete(memberId);
    if (this.isLeader(memberId)) this.leaderId = this.members.keys().next().value ?? null;
    return member;
  }

  /** A static member rejoining under a new member id takes the old one's place (KIP-345). */
  replaceStaticMember(instanceId: string, oldMemberId: string, newMemberId: string): ClassicGroupMember {
    const old = this.members.get(oldMemberId)!;
    this.members.delete(oldMemberId);
    const member: ClassicGroupMember = { ...old, memberId: newMemberId, awaitingJoin: null, awaitingSync: null };
    this.members.set(newMemberId, member);
    this.staticMembers.set(instanceId, newMemberId);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    return member;
  }

  staticMemberId(instanceId: string | null): string | undefined {
    return instanceId === null ? undefined : this.staticMembers.get(instanceId);
  }

  /** Whether every member has rejoined and no MEMBER_ID_REQUIRED member is outstanding. */
  hasAllMembersJoined(): boolean {
    for (const m of this.members.values()) if (m.awaitingJoin === null) return false;
    return this.pendingMembers.size === 0;
  }

  /** The longest rebalance timeout of the members: how long a rebalance may take. */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /** The protocols every member supports. */
  #candidates(): Set<string> {
    let common: Set<string> | undefined;
    for (const m of this.members.values()) {
      const names = new Set(m.protocols.map((p) => p.name));
      const previous: Set<string> | undefined = common;
      common = previous === undefined ? names : new Set([...previous].filter((n) => names.has(n)));
    }
    return common ?? new Set<string>();
  }

  /** Whether a member with these protocols may join (INCONSISTENT_GROUP_PROTOCOL otherwise). */
  supportsProtocols(protocolType: string, protocols: readonly GroupProtocol[]): boolean {
    if (protocolType === '' || protocols.length === 0) return false;
    if (this.members.size === 0) return true;
    if (protocolType !== this.protocolType) return false;
    const candidates = this.#candidates();
    return protocols.some((p) => candidates.has(p.name));
  }

  /** Each member votes for its most preferred protocol among those all support. */
  selectProtocol(): string {
    const candidates = this.#candidates();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => candidates.has(p.name));
      if (choice) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    let best = '';
    let bestVotes = -1;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    return best;
  }

  metadataOf(member: ClassicGroupMember): Buffer {
    return member.protocols.find((p) => p.name === this.protocolName)?.metadata ?? EMPTY;
  }

  /** Whether the protocols a rejoining member sends are those it had. */
  static sameProtocols(a: readonly GroupProtocol[], b: readonly GroupProtocol[]): boolean {
    return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata));
  }

  /**
   * The topics the members subscribe to, when the group uses the consumer protocol and
   * every subscription decodes; null when unknown (then every topic counts as subscribed).
   */
  subscribedTopics(): Set<string> | null {
    if (this.protocolType !== 'consumer' || this.protocolName === null) return this.members.size === 0 ? new Set() : null;
    const topics = new Set<string>();
    for (const m of this.members.values()) {
      const metadata = this.metadataOf(m);
      try {
        const version = metadata.readInt16BE(0);
        const sub = ConsumerProtocolSubscription.read(new Reader(metadata, 2), Math.min(version, ConsumerProtocolSubscription.maxVersion));
        for (const t of sub.topics) topics.add(t);
      } catch {
        return null;
      }
    }
    return topics;
  }
}
