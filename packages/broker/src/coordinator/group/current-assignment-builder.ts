/**
 * Reconciliation of one member towards its target assignment (KIP-848; Kafka's
 * CurrentAssignmentBuilder): the state machine that makes "revoke before assign" hold.
 *
 *   Stable ──new target──▶ UnrevokedPartitions ──owned partitions show them released──┐
 *     ▲   │  (keeps what stays, epoch unchanged)                                      │
 *     │   └────nothing to revoke──────────────┐                                      ▼
 *     └──────────── all target partitions free ◀── UnreleasedPartitions ◀── some still owned by others
 *
 * - A member first gets its assignment minus the partitions it must give up, at its
 *   current epoch. It moves to the target epoch only once a heartbeat's owned partitions
 *   no longer contain them (or it reports nothing it has to give up).
 * - Partitions of the target that another member still owns (assigned or pending
 *   revocation) are withheld; the member is at the target epoch but UnreleasedPartitions,
 *   and gets them on a later heartbeat once they are free.
 * - A heartbeat without owned partitions (null) counts as still owning everything.
 */
import type { Uuid } from '@samsa/protocol';
import type { ConsumerGroupMember } from './consumer-group.ts';
import { MemberState } from './group-records.ts';
import * as tps from './topic-partitions.ts';
import type { TopicPartitions } from './topic-partitions.ts';

export interface ReconcileInput {
  targetEpoch: number;
  target: TopicPartitions;
  /** The epoch of the member owning a partition now, -1 when free. */
  currentPartitionEpoch: (topicId: Uuid, partition: number) => number;
  /** The partitions the member reported owning in this heartbeat; null when not reported. */
  owned: TopicPartitions | null;
}

/** The member's next state; the same object when nothing can change. */
export function reconcile(member: ConsumerGroupMember, input: ReconcileInput): ConsumerGroupMember {
  const stillOwns = (tp: TopicPartitions): boolean => input.owned === null || tps.overlaps(input.owned, tp);
  switch (member.state) {
    case MemberState.Stable:
      return member.memberEpoch === input.targetEpoch ? member : next(member, input, stillOwns);
    case MemberState.UnrevokedPartitions:
      return stillOwns(member.partitionsPendingRevocation) ? member : next(member, input, stillOwns);
    case MemberState.UnreleasedPartitions:
      return next(member, input, stillOwns);
    default:
      return member;
  }
}

function next(member: ConsumerGroupMember, input: ReconcileInput, stillOwns: (tp: TopicPartitions) => boolean): ConsumerGroupMember {
  const kept = tps.intersect(member.assignedPartitions, input.target);
  const toRevoke = tps.minus(member.assignedPartitions, kept);
  const wanted = tps.minus(input.target, kept);
  const free = new Map<Uuid, Set<number>>();
  let unreleased = false;
  for (const [topicId, partitions] of wanted) {
    for (const p of partitions) {
      // A partition this member itself still has pending revocation is not someone else's.
      if (input.currentPartitionEpoch(topicId, p) === -1 || tps.has(member.partitionsPendingRevocation, topicId, p)) {
        let set = free.get(topicId);
        if (set === undefined) {
          set = new Set();
          free.set(topicId, set);
        }
        set.add(p);
      } else {
        unreleased = true;
      }
    }
  }
  const withEpoch = (epoch: number): Pick<ConsumerGroupMember, 'memberEpoch' | 'previousMemberEpoch'> =>
    epoch === member.memberEpoch
      ? { memberEpoch: member.memberEpoch, previousMemberEpoch: member.previousMemberEpoch }
      : { memberEpoch: epoch, previousMemberEpoch: member.memberEpoch };

  if (!tps.isEmpty(toRevoke) && stillOwns(toRevoke)) {
    return {
      ...member, ...withEpoch(member.memberEpoch), state: MemberState.UnrevokedPartitions,
      assignedPartitions: kept, partitionsPendingRevocation: toRevoke,
    };
  }
  return {
    ...member, ...withEpoch(input.targetEpoch), state: unreleased ? MemberState.UnreleasedPartitions : MemberState.Stable,
    assignedPartitions: tps.union(kept, free), partitionsPendingRevocation: tps.NO_PARTITIONS,
  };
}

/** Whether two states of a member hold the same epochs and partitions (no record to write). */
export function sameAssignment(a: ConsumerGroupMember, b: ConsumerGroupMember): boolean {
  return a.memberEpoch === b.memberEpoch && a.previousMemberEpoch === b.previousMemberEpoch && a.state === b.state
    && tps.equals(a.assignedPartitions, b.assignedPartitions) && tps.equals(a.partitionsPendingRevocation, b.partitionsPendingRevocation);
}
