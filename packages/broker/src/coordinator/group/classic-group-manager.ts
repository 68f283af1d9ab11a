/**
 * The classic group protocol (Kafka's GroupMetadataManager, classic half): JoinGroup,
 * SyncGroup, Heartbeat, LeaveGroup, DescribeGroups, ListGroups and DeleteGroups, with the
 * session, rebalance and pending-member timers.
 *
 * As in Kafka, the rebalance itself is in-memory state changed by the handlers; a
 * GroupMetadata record is written when a generation's assignment is settled (the leader's
 * SyncGroup) or when the group empties, and a reload rebuilds the group from it. So these
 * operations return their records with `replayRecords: false`.
 *
 * Non-obvious rules kept from Kafka:
 * - JoinGroup v4+ without a member id gets MEMBER_ID_REQUIRED and a member id to rejoin
 *   with (KIP-394); v0-3 clients (kafka-python sends v2) join in one step.
 * - The first rebalance of an empty group waits group.initial.rebalance.delay.ms, longer
 *   while members keep arriving, up to the rebalance timeout (KIP-134).
 * - A static member (KIP-345) that rejoins under a new member id while the group is Stable
 *   and its protocols are unchanged takes its old place: no rebalance, the same assignment,
 *   and the old member id is fenced (FENCED_INSTANCE_ID).
 * - Members waiting in a rebalance do not expire by session timeout; the rebalance timeout
 *   bounds them instead. Members that never completed a generation expire after
 *   newMemberJoinTimeoutMs.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@samsa/protocol';
import type { CoordinatorResult } from '../coordinator-runtime.ts';
import {
  ClassicGroup, ClassicGroupState, type ClassicGroupMember, type GroupProtocol, type JoinResult, type SyncResult,
} from './classic-group.ts';
import { groupMetadataRecord } from './group-records.ts';
import type { ShardContext } from './shard-context.ts';

export interface JoinGroupParams {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: GroupProtocol[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  clientId: string;
  clientHost: string;
  /** JoinGroup version: v4+ requires a known member id (KIP-394). */
  apiVersion: number;
}

export interface SyncGroupParams {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: Array<{ memberId: string; assignment: Buffer }>;
}

export interface HeartbeatParams {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeaveGroupParams {
  groupId: string;
  members: Array<{ memberId: string; groupInstanceId: string | null }>;
}

export interface LeaveGroupResult {
  errorCode: number;
  members: Array<{ memberId: string; groupInstanceId: string | null; errorCode: number }>;
}

export interface DescribedGroup {
  groupId: string;
  errorCode: number;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: Array<{
    memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string;
    memberMetadata: Buffer; memberAssignment: Buffer;
  }>;
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: string;
  groupType: string;
}

const EMPTY = Buffer.alloc(0);
const heartbeatKey = (groupId: string, memberId: string): string => `heartbeat-${groupId}-${memberId}`;
const joinKey = (groupId: string): string => `join-${groupId}`;
const syncKey = (groupId: string): string => `sync-${groupId}`;

/** A promise and the function that resolves it (Promise.withResolvers, which our TS lib lacks). */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

function joinError(memberId: string, errorCode: number): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
}

function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY };
}

export class ClassicGroupManager {
  readonly #ctx: ShardContext;
  readonly #groups = new Map<string, ClassicGroup>();
  /** Groups whose current rebalance is in its initial delay (KIP-134). */
  readonly #initialDelay = new Set<string>();

  /** Whether offsets (committed, or pending in a transaction) keep a group in existence. */
  readonly #holdsOffsets: (groupId: string) => boolean;

  constructor(ctx: ShardContext, holdsOffsets: (groupId: string) => boolean = () => false) {
    this.#ctx = ctx;
    this.#holdsOffsets = holdsOffsets;
  }

  group(groupId: string): ClassicGroup | undefined {
    return this.#groups.get(groupId);
  }

  groups(): IterableIterator<ClassicGroup> {
    return this.#groups.values();
  }

  /** The group for an offset commit of a simple consumer (generation -1): created empty. */
  getOrCreateSimpleGroup(groupId: string): ClassicGroup {
    let group = this.#groups.get(groupId);
    if (group === undefined) {
      group = new ClassicGroup(groupId, this.#ctx.now());
      this.#groups.set(groupId, group);
    }
    return group;
  }

  // --- replay and loading ---

  replayGroupMetadata(groupId: string, value: ReturnType<ClassicGroup['toRecord']> | null): void {
    if (value === null) {
      this.removeGroup(groupId);
      return;
    }
    this.#groups.set(groupId, ClassicGroup.fromRecord(groupId, value, this.#ctx.now()));
  }

  /** After loading: loaded members must heartbeat within their session timeout. */
  onLoaded(): void {
    for (const group of this.#groups.values()) {
      for (const member of group.members.values()) this.#scheduleHeartbeat(group, member);
    }
  }

  removeGroup(groupId: string): void {
    const group = this.#groups.get(groupId);
    if (group === undefined) return;
    for (const memberId of group.members.keys()) this.#ctx.timer.cancel(heartbeatKey(groupId, memberId));
    for (const memberId of group.pendingMembers) this.#ctx.timer.cancel(heartbeatKey(groupId, memberId));
    this.#ctx.timer.cancel(joinKey(groupId));
    this.#ctx.timer.cancel(syncKey(groupId));
    this.#initialDelay.delete(groupId);
    group.transitionTo(ClassicGroupState.Dead, this.#ctx.now());
    this.#groups.delete(groupId);
  }

  // --- JoinGroup ---

  joinGroup(p: JoinGroupParams): CoordinatorResult<Promise<JoinResult>> {
    const { promise, resolve } = deferred<JoinResult>();
    const fail = (errorCode: number): CoordinatorResult<Promise<JoinResult>> => {
      resolve(joinError(p.memberId, errorCode));
      return this.#finish(promise);
    };
    const cfg = this.#ctx.config;
    if (p.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    if (p.sessionTimeoutMs < cfg.minSessionTimeoutMs || p.sessionTimeoutMs > cfg.maxSessionTimeoutMs) {
      return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    const isUnknownMember = p.memberId === '';
    let group = this.#groups.get(p.groupId);
    if (group === undefined) {
      if (!isUnknownMember) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      group = new ClassicGroup(p.groupId, this.#ctx.now());
      if (!group.supportsProtocols(p.protocolType, p.protocols)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
      this.#groups.set(p.groupId, group);
    }
    if (group.is(ClassicGroupState.Dead)) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const known = group.members.has(p.memberId) || group.pendingMembers.has(p.memberId) || group.staticMemberId(p.groupInstanceId) !== undefined;
    if (!group.supportsProtocols(p.protocolType, p.protocols)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    if (!known && group.size + group.pendingMembers.size >= cfg.maxSize) return fail(ErrorCode.GROUP_MAX_SIZE_REACHED);

    if (isUnknownMember) this.#unknownMemberJoin(group, p, resolve);
    else this.#knownMemberJoin(group, p, resolve);
    return this.#finish(promise);
  }

  #unknownMemberJoin(group: ClassicGroup, p: JoinGroupParams, resolve: (r: JoinResult) => void): void {
    const newMemberId = `${p.groupInstanceId ?? p.clientId}-${randomUUID()}`;
    if (p.groupInstanceId !== null) {
      const existing = group.staticMemberId(p.groupInstanceId);
      if (existing !== undefined) {
        this.#replaceStaticMember(group, existing, newMemberId, p, resolve);
        return;
      }
    } else if (p.apiVersion >= 4) {
      // KIP-394: hand out the id and expect the client to rejoin with it.
      group.pendingMembers.add(newMemberId);
      this.#ctx.timer.schedule(heartbeatKey(group.groupId, newMemberId), p.sessionTimeoutMs,
        () => this.#expirePendingMember(group.groupId, newMemberId));
      resolve(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
      return;
    }
    this.#addMemberAndRebalance(group, newMemberId, p, resolve);
  }

  #knownMemberJoin(group: ClassicGroup, p: JoinGroupParams, resolve: (r: JoinResult) => void): void {
    if (group.pendingMembers.has(p.memberId)) {
      this.#addMemberAndRebalance(group, p.memberId, p, resolve);
      return;
    }
    const error = this.#validateMember(group, p.memberId, p.groupInstanceId);
    if (error !== ErrorCode.NONE) {
      resolve(joinError(p.memberId, error));
      return;
    }
    const member = group.members.get(p.memberId)!;
    switch (group.state) {
      case ClassicGroupState.PreparingRebalance:
        this.#updateMemberAndRebalance(group, member, p, resolve);
        return;
      case ClassicGroupState.CompletingRebalance:
        if (ClassicGroup.sameProtocols(member.protocols, p.protocols)) {
          // A retried join of this generation: answer as the join did.
          resolve(this.#joinResult(group, member));
        } else {
          this.#updateMemberAndRebalance(group, member, p, resolve);
        }
        return;
      case ClassicGroupState.Stable:
        if (group.isLeader(member.memberId) || !ClassicGroup.sameProtocols(member.protocols, p.protocols)) {
          // The leader rejoining (e.g. its metadata changed) or new protocols: rebalance.
          this.#updateMemberAndRebalance(group, member, p, resolve);
        } else {
          resolve({ ...this.#joinResult(group, member), members: [] });
        }
        return;
      default:
        resolve(joinError(p.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  /** UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID or NONE for a request naming a member. */
  #validateMember(group: ClassicGroup, memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId === null) return group.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
    const staticId = group.staticMemberId(groupInstanceId);
    if (staticId === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    return staticId === memberId ? ErrorCode.NONE : ErrorCode.FENCED_INSTANCE_ID;
  }

  #addMemberAndRebalance(group: ClassicGroup, memberId: string, p: JoinGroupParams, resolve: (r: JoinResult) => void): void {
    const member: ClassicGroupMember = {
      memberId, groupInstanceId: p.groupInstanceId, clientId: p.clientId, clientHost: p.clientHost,
      rebalanceTimeoutMs: p.rebalanceTimeoutMs, sessionTimeoutMs: p.sessionTimeoutMs, protocolType: p.protocolType,
      protocols: p.protocols, assignment: EMPTY, awaitingJoin: resolve, awaitingSync: null, isNew: true,
    };
    group.pendingMembers.delete(memberId);
    if (group.is(ClassicGroupState.PreparingRebalance) && this.#initialDelay.has(group.groupId)) group.newMemberAdded = true;
    group.add(member);
    // A member that never gets through a generation is dropped after newMemberJoinTimeoutMs.
    this.#scheduleHeartbeat(group, member, this.#ctx.config.newMemberJoinTimeoutMs);
    this.#prepareOrCompleteRebalance(group, `member ${memberId} joined`);
  }

  #updateMemberAndRebalance(group: ClassicGroup, member: ClassicGroupMember, p: JoinGroupParams, resolve: (r: JoinResult) => void): void {
    member.protocols = p.protocols;
    member.rebalanceTimeoutMs = p.rebalanceTimeoutMs;
    member.sessionTimeoutMs = p.sessionTimeoutMs;
    member.clientId = p.clientId;
    member.clientHost = p.clientHost;
    const previous = member.awaitingJoin;
    // A client that resends its join while the first waits gets the same answer on both.
    member.awaitingJoin = previous === null ? resolve : (r) => { previous(r); resolve(r); };
    this.#prepareOrCompleteRebalance(group, `member ${member.memberId} rejoined`);
  }

  #replaceStaticMember(group: ClassicGroup, oldMemberId: string, newMemberId: string, p: JoinGroupParams, resolve: (r: JoinResult) => void): void {
    const old = group.members.get(oldMemberId)!;
    // The old instance is fenced: anything it still waits for fails.
    old.awaitingJoin?.(joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
    old.awaitingSync?.(syncError(ErrorCode.FENCED_INSTANCE_ID));
    this.#ctx.timer.cancel(heartbeatKey(group.groupId, oldMemberId));
    const oldProtocols = old.protocols;
    const member = group.replaceStaticMember(p.groupInstanceId!, oldMemberId, newMemberId);
    member.protocols = p.protocols;
    member.rebalanceTimeoutMs = p.rebalanceTimeoutMs;
    member.sessionTimeoutMs = p.sessionTimeoutMs;
    member.clientId = p.clientId;
    member.clientHost = p.clientHost;
    switch (group.state) {
      case ClassicGroupState.Stable: {
        if (group.selectProtocol() !== group.protocolName) {
          member.awaitingJoin = resolve;
          this.#prepareOrCompleteRebalance(group, `static member ${p.groupInstanceId} rejoined with other protocols`);
          return;
        }
        // Same protocol: persist the new member id and hand back the current generation.
        this.#scheduleHeartbeat(group, member);
        this.#ctx.emit(groupMetadataRecord(group.groupId, group.toRecord()));
        const isLeader = group.isLeader(newMemberId);
        this.#pendingAppend = (error) => {
          if (error !== null) {
            // Could not persist: put the old member back, as Kafka does.
            group.replaceStaticMember(p.groupInstanceId!, newMemberId, oldMemberId).protocols = oldProtocols;
            resolve(joinError(newMemberId, ErrorCode.UNKNOWN_SERVER_ERROR));
            return;
          }
          // KIP-814: a rejoining static leader gets the members but must not reassign.
          resolve({
            ...this.#joinResult(group, member),
            members: isLeader ? this.#memberList(group) : [],
            skipAssignment: isLeader,
          });
        };
        return;
      }
      case ClassicGroupState.CompletingRebalance:
        // The leader may already be assigning to the old member id: rebalance.
        member.awaitingJoin = resolve;
        this.#prepareOrCompleteRebalance(group, `static member ${p.groupInstanceId} rejoined during CompletingRebalance`);
        return;
      case ClassicGroupState.PreparingRebalance:
        member.awaitingJoin = resolve;
        this.#scheduleHeartbeat(group, member, this.#ctx.config.newMemberJoinTimeoutMs);
        this.#maybeCompleteJoin(group);
        return;
      default:
        resolve(joinError(newMemberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    }
  }

  /**
   * Set by an operation that must react to its records being written; taken by
   * `#finish`. Only one operation runs at a time, so one slot is enough.
   */
  #pendingAppend: ((error: Error | null) => void) | null = null;

  /** Ends a classic operation: its records are written but not replayed. */
  #finish<T>(response: T): CoordinatorResult<T> {
    const onAppended = this.#pendingAppend;
    this.#pendingAppend = null;
    return this.#ctx.result(response, onAppended === null ? { replayRecords: false } : { replayRecords: false, onAppended });
  }

  #memberList(group: ClassicGroup): JoinResult['members'] {
    return [...group.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: group.metadataOf(m) }));
  }

  #joinResult(group: ClassicGroup, member: ClassicGroupMember): JoinResult {
    const isLeader = group.isLeader(member.memberId);
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment: false,
      memberId: member.memberId,
      members: isLeader ? this.#memberList(group) : [],
    };
  }

  // --- rebalancing ---

  /** Starts a rebalance when the group is settled; otherwise sees whether the current one can complete. */
  #prepareOrCompleteRebalance(group: ClassicGroup, reason: string): void {
    if (group.is(ClassicGroupState.Stable) || group.is(ClassicGroupState.CompletingRebalance) || group.is(ClassicGroupState.Empty)) {
      this.#prepareRebalance(group, reason);
    }
    this.#maybeCompleteJoin(group);
  }

  #prepareRebalance(group: ClassicGroup, _reason: string): void {
    if (group.is(ClassicGroupState.CompletingRebalance)) {
      // The assignment being computed is void: the members must rejoin.
      for (const m of group.members.values()) {
        m.assignment = EMPTY;
        const waiting = m.awaitingSync;
        m.awaitingSync = null;
        waiting?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      }
    }
    this.#ctx.timer.cancel(syncKey(group.groupId));
    group.pendingSyncMembers.clear();
    const initial = group.is(ClassicGroupState.Empty);
    group.transitionTo(ClassicGroupState.PreparingRebalance, this.#ctx.now());
    const rebalanceTimeout = group.rebalanceTimeoutMs();
    const initialDelay = this.#ctx.config.initialRebalanceDelayMs;
    if (initial && initialDelay > 0) {
      this.#initialDelay.add(group.groupId);
      group.newMemberAdded = false;
      this.#scheduleInitialDelay(group, Math.min(initialDelay, rebalanceTimeout), Math.max(rebalanceTimeout - initialDelay, 0));
    } else {
      this.#initialDelay.delete(group.groupId);
      this.#ctx.timer.schedule(joinKey(group.groupId), rebalanceTimeout, () => {
        this.#onRebalanceTimeout(group.groupId);
        return this.#finish(undefined);
      });
    }
  }

  #scheduleInitialDelay(group: ClassicGroup, delayMs: number, remainingMs: number): void {
    this.#ctx.timer.schedule(joinKey(group.groupId), delayMs, () => {
      if (group.newMemberAdded && remainingMs > 0) {
        group.newMemberAdded = false;
        const next = Math.min(this.#ctx.config.initialRebalanceDelayMs, remainingMs);
        this.#scheduleInitialDelay(group, next, Math.max(remainingMs - next, 0));
      } else {
        this.#initialDelay.delete(group.groupId);
        this.#completeJoin(group);
      }
      return this.#finish(undefined);
    });
  }

  #onRebalanceTimeout(groupId: string): void {
    const group = this.#groups.get(groupId);
    if (group === undefined || !group.is(ClassicGroupState.PreparingRebalance)) return;
    this.#completeJoin(group);
  }

  #maybeCompleteJoin(group: ClassicGroup): void {
    if (!group.is(ClassicGroupState.PreparingRebalance) || this.#initialDelay.has(group.groupId)) return;
    if (group.hasAllMembersJoined()) {
      this.#ctx.timer.cancel(joinKey(group.groupId));
      this.#completeJoin(group);
    }
  }

  #completeJoin(group: ClassicGroup): void {
    if (!group.is(ClassicGroupState.PreparingRebalance)) return;
    this.#ctx.timer.cancel(joinKey(group.groupId));
    // Dynamic members that did not rejoin in time are gone; static ones keep their place
    // until their session times out.
    for (const m of [...group.members.values()]) {
      if (m.awaitingJoin === null && m.groupInstanceId === null) {
        group.remove(m.memberId);
        this.#ctx.timer.cancel(heartbeatKey(group.groupId, m.memberId));
      }
    }
    const now = this.#ctx.now();
    if (group.size === 0) {
      group.generationId++;
      group.protocolName = null;
      group.transitionTo(ClassicGroupState.Empty, now);
      this.#ctx.emit(groupMetadataRecord(group.groupId, group.toRecord()));
      return;
    }
    // The leader must be among those who rejoined, or it would never learn it leads.
    const leader = group.leaderId === null ? undefined : group.members.get(group.leaderId);
    if (leader === undefined || leader.awaitingJoin === null) {
      const joined = [...group.members.values()].find((m) => m.awaitingJoin !== null);
      if (joined === undefined) {
        // Only static members that have not rejoined: wait another rebalance timeout.
        this.#ctx.timer.schedule(joinKey(group.groupId), group.rebalanceTimeoutMs(), () => {
          this.#onRebalanceTimeout(group.groupId);
          return this.#finish(undefined);
        });
        return;
      }
      group.leaderId = joined.memberId;
    }
    group.generationId++;
    group.protocolName = group.selectProtocol();
    group.transitionTo(ClassicGroupState.CompletingRebalance, now);
    for (const m of group.members.values()) {
      const waiting = m.awaitingJoin;
      m.awaitingJoin = null;
      m.isNew = false;
      waiting?.(this.#joinResult(group, m));
      this.#scheduleHeartbeat(group, m);
      group.pendingSyncMembers.add(m.memberId);
    }
    // Members that do not send SyncGroup within the rebalance timeout are dropped.
    const generation = group.generationId;
    this.#ctx.timer.schedule(syncKey(group.groupId), group.rebalanceTimeoutMs(), () => {
      this.#onSyncTimeout(group.groupId, generation);
      return this.#finish(undefined);
    });
  }

  #onSyncTimeout(groupId: string, generation: number): void {
    const group = this.#groups.get(groupId);
    if (group === undefined || group.generationId !== generation || group.pendingSyncMembers.size === 0) return;
    if (!group.is(ClassicGroupState.CompletingRebalance) && !group.is(ClassicGroupState.Stable)) return;
    for (const memberId of [...group.pendingSyncMembers]) {
      group.remove(memberId);
      this.#ctx.timer.cancel(heartbeatKey(groupId, memberId));
    }
    this.#prepareOrCompleteRebalance(group, 'members did not send SyncGroup in time');
  }

  // --- SyncGroup ---

  syncGroup(p: SyncGroupParams): CoordinatorResult<Promise<SyncResult>> {
    const { promise, resolve } = deferred<SyncResult>();
    const fail = (errorCode: number): CoordinatorResult<Promise<SyncResult>> => {
      resolve(syncError(errorCode));
      return this.#finish(promise);
    };
    if (p.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    const group = this.#groups.get(p.groupId);
    if (group === undefined || group.is(ClassicGroupState.Dead)) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    const error = this.#validateMember(group, p.memberId, p.groupInstanceId);
    if (error !== ErrorCode.NONE) return fail(error);
    if (p.generationId !== group.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
    if ((p.protocolType !== null && p.protocolType !== group.protocolType) || (p.protocolName !== null && p.protocolName !== group.protocolName)) {
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    const member = group.members.get(p.memberId)!;
    switch (group.state) {
      case ClassicGroupState.PreparingRebalance:
        return fail(ErrorCode.REBALANCE_IN_PROGRESS);
      case ClassicGroupState.Stable:
        this.#scheduleHeartbeat(group, member);
        group.pendingSyncMembers.delete(member.memberId);
        resolve(this.#syncResult(group, member));
        return this.#finish(promise);
      case ClassicGroupState.CompletingRebalance:
        break;
      default:
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    }
    const previous = member.awaitingSync;
    member.awaitingSync = previous === null ? resolve : (r) => { previous(r); resolve(r); };
    this.#scheduleHeartbeat(group, member);
    group.pendingSyncMembers.delete(member.memberId);
    if (group.pendingSyncMembers.size === 0) this.#ctx.timer.cancel(syncKey(group.groupId));
    if (group.isLeader(member.memberId)) {
      const assignments = new Map(p.assignments.map((a) => [a.memberId, a.assignment]));
      const record = group.toRecord();
      for (const m of record.members) m.assignment = assignments.get(m.memberId) ?? EMPTY;
      this.#ctx.emit(groupMetadataRecord(group.groupId, record));
      const generation = group.generationId;
      this.#pendingAppend = (appendError) => {
        if (group.generationId !== generation || !group.is(ClassicGroupState.CompletingRebalance)) return;
        if (appendError !== null) {
          this.#prepareOrCompleteRebalance(group, 'failed to persist the assignment');
          return;
        }
        for (const m of group.members.values()) m.assignment = assignments.get(m.memberId) ?? EMPTY;
        group.transitionTo(ClassicGroupState.Stable, this.#ctx.now());
        for (const m of group.members.values()) {
          const waiting = m.awaitingSync;
          m.awaitingSync = null;
          waiting?.(this.#syncResult(group, m));
        }
      };
    }
    return this.#finish(promise);
  }

  #syncResult(group: ClassicGroup, member: ClassicGroupMember): SyncResult {
    return { errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment };
  }

  // --- Heartbeat ---

  heartbeat(p: HeartbeatParams): CoordinatorResult<number> {
    const group = this.#groups.get(p.groupId);
    if (p.groupId === '') return this.#finish(ErrorCode.INVALID_GROUP_ID);
    if (group === undefined || group.is(ClassicGroupState.Dead)) return this.#finish(ErrorCode.UNKNOWN_MEMBER_ID);
    const error = this.#validateMember(group, p.memberId, p.groupInstanceId);
    if (error !== ErrorCode.NONE) return this.#finish(error);
    if (group.is(ClassicGroupState.Empty)) return this.#finish(ErrorCode.UNKNOWN_MEMBER_ID);
    if (p.generationId !== group.generationId && !group.is(ClassicGroupState.PreparingRebalance)) {
      return this.#finish(ErrorCode.ILLEGAL_GENERATION);
    }
    this.#scheduleHeartbeat(group, group.members.get(p.memberId)!);
    return this.#finish(group.is(ClassicGroupState.PreparingRebalance) ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE);
  }

  #scheduleHeartbeat(group: ClassicGroup, member: ClassicGroupMember, timeoutMs = member.sessionTimeoutMs): void {
    const { groupId } = group;
    const { memberId } = member;
    this.#ctx.timer.schedule(heartbeatKey(groupId, memberId), timeoutMs, () => {
      this.#onHeartbeatExpired(groupId, memberId);
      return this.#finish(undefined);
    });
  }

  #onHeartbeatExpired(groupId: string, memberId: string): void {
    const group = this.#groups.get(groupId);
    const member = group?.members.get(memberId);
    if (group === undefined || member === undefined) return;
    // Members waiting in a rebalance are accounted for by its timeout, unless they are new.
    if (!member.isNew && (member.awaitingJoin !== null || member.awaitingSync !== null)) return;
    this.#removeMemberAndUpdateGroup(group, member, 'session timeout expired');
  }

  #expirePendingMember(groupId: string, memberId: string): CoordinatorResult<void> {
    const group = this.#groups.get(groupId);
    if (group !== undefined && group.pendingMembers.delete(memberId)) {
      this.#maybeCompleteJoin(group);
      this.#maybeDropEmptyNewGroup(group);
    }
    return this.#finish(undefined);
  }

  /**
   * A group created by a join that never got a member is forgotten again, unless it is a
   * simple group with offsets: those keep it, to be deleted or expired with them.
   */
  #maybeDropEmptyNewGroup(group: ClassicGroup): void {
    if (group.is(ClassicGroupState.Empty) && group.size === 0 && group.pendingMembers.size === 0 && group.generationId === 0 && group.protocolType === null
      && !this.#holdsOffsets(group.groupId)) {
      this.removeGroup(group.groupId);
    }
  }

  #removeMemberAndUpdateGroup(group: ClassicGroup, member: ClassicGroupMember, _reason: string): void {
    member.awaitingJoin?.(joinError(member.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    member.awaitingSync?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    member.awaitingJoin = null;
    member.awaitingSync = null;
    group.remove(member.memberId);
    this.#ctx.timer.cancel(heartbeatKey(group.groupId, member.memberId));
    switch (group.state) {
      case ClassicGroupState.Stable:
      case ClassicGroupState.CompletingRebalance:
        this.#prepareOrCompleteRebalance(group, `member ${member.memberId} left`);
        break;
      case ClassicGroupState.PreparingRebalance:
        this.#maybeCompleteJoin(group);
        break;
      default:
    }
  }

  // --- LeaveGroup ---

  leaveGroup(p: LeaveGroupParams): CoordinatorResult<LeaveGroupResult> {
    const group = this.#groups.get(p.groupId);
    if (group === undefined || group.is(ClassicGroupState.Dead)) {
      return this.#finish({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, members: p.members.map((m) => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) });
    }
    const results: LeaveGroupResult['members'] = [];
    for (const identity of p.members) {
      results.push({ ...identity, errorCode: this.#leaveOne(group, identity.memberId, identity.groupInstanceId) });
    }
    return this.#finish({ errorCode: ErrorCode.NONE, members: results });
  }

  #leaveOne(group: ClassicGroup, memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId === null && group.pendingMembers.delete(memberId)) {
      this.#ctx.timer.cancel(heartbeatKey(group.groupId, memberId));
      this.#maybeCompleteJoin(group);
      return ErrorCode.NONE;
    }
    let target = memberId;
    if (groupInstanceId !== null) {
      const staticId = group.staticMemberId(groupInstanceId);
      if (staticId === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      // A static member may leave by instance id alone (KIP-345's admin removal).
      if (memberId !== '' && memberId !== staticId) return ErrorCode.FENCED_INSTANCE_ID;
      target = staticId;
    }
    const member = group.members.get(target);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.#removeMemberAndUpdateGroup(group, member, 'left the group');
    return ErrorCode.NONE;
  }

  // --- admin ---

  describeGroup(groupId: string): DescribedGroup {
    const group = this.#groups.get(groupId);
    if (group === undefined) {
      return { groupId, errorCode: ErrorCode.NONE, groupState: ClassicGroupState.Dead, protocolType: '', protocolData: '', members: [] };
    }
    const stable = group.is(ClassicGroupState.Stable);
    return {
      groupId,
      errorCode: ErrorCode.NONE,
      groupState: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? group.protocolName ?? '' : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
        memberMetadata: stable ? group.metadataOf(m) : EMPTY, memberAssignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  listGroups(): ListedGroup[] {
    return [...this.#groups.values()]
      .filter((g) => !g.is(ClassicGroupState.Dead))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state, groupType: 'classic' }));
  }

  /** DeleteGroups' check: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP or NONE. */
  validateDeleteGroup(groupId: string): number {
    const group = this.#groups.get(groupId);
    if (group === undefined || group.is(ClassicGroupState.Dead)) return ErrorCode.GROUP_ID_NOT_FOUND;
    return group.is(ClassicGroupState.Empty) ? ErrorCode.NONE : ErrorCode.NON_EMPTY_GROUP;
  }

  /** The error for an OffsetCommit by a member of this group, or NONE (Kafka's validateOffsetCommit). */
  validateOffsetCommit(group: ClassicGroup, memberId: string, groupInstanceId: string | null, generationId: number): number {
    if (group.is(ClassicGroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    // A simple consumer (no group management) commits with generation -1 to an empty group.
    if (generationId < 0 && group.is(ClassicGroupState.Empty)) return ErrorCode.NONE;
    if (groupInstanceId !== null) {
      const error = this.#validateMember(group, memberId, groupInstanceId);
      if (error !== ErrorCode.NONE) return error;
    }
    if (group.is(ClassicGroupState.CompletingRebalance)) return ErrorCode.REBALANCE_IN_PROGRESS;
    if (!group.members.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    return ErrorCode.NONE;
  }

  /**
   * The error for a TxnOffsetCommit to this group, or NONE (Kafka's validateOffsetCommit
   * for a transactional commit): a request that names a member (v3+, KIP-447) must be of
   * a member of the current generation; one that names none (v0-2, or a producer outside
   * the group) is accepted whatever the state. A rebalance does not hold it back.
   */
  validateTxnOffsetCommit(group: ClassicGroup, memberId: string, groupInstanceId: string | null, generationId: number): number {
    if (group.is(ClassicGroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (generationId < 0 && group.is(ClassicGroupState.Empty)) return ErrorCode.NONE;
    if (generationId < 0 && memberId === '' && groupInstanceId === null) return ErrorCode.NONE;
    const error = this.#validateMember(group, memberId, groupInstanceId);
    if (error !== ErrorCode.NONE) return error;
    return generationId === group.generationId ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
  }
}
