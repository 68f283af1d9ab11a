/**
 * `uniform` (Kafka's UniformAssignor, the default): spreads the partitions of all
 * subscribed topics so that member partition counts differ by at most one wherever the
 * subscriptions allow it, and moves as few partitions as it can (sticky):
 *
 * 1. every member keeps the partitions of its current target that it still subscribes to;
 * 2. each partition nobody kept goes to the subscribed member with the fewest partitions;
 * 3. while a member has two or more partitions more than a member that could take one of
 *    them, one moves (the most recently listed of the fuller member's). Each move lowers
 *    the sum of squared counts, so this ends.
 *
 * Ties go to the member that sorts first by member id, so the same input always gives the
 * same output.
 */
import type { Uuid } from '@samsa/protocol';
import type { TopicPartitions } from '../topic-partitions.ts';
import { sortedTopicIds, type AssignmentSpec, type PartitionAssignor } from './partition-assignor.ts';

interface Slot {
  topicId: Uuid;
  partition: number;
}

export const UniformAssignor: PartitionAssignor = {
  name: 'uniform',
  assign(spec: AssignmentSpec): Map<string, TopicPartitions> {
    const memberIds = [...spec.members.keys()].sort();
    const owned = new Map<string, Slot[]>(memberIds.map((id) => [id, []]));
    const taken = new Map<Uuid, Set<number>>();
    const subscribes = (memberId: string, topicId: Uuid): boolean => spec.members.get(memberId)!.subscribedTopicIds.has(topicId);
    const take = (memberId: string, slot: Slot): void => {
      owned.get(memberId)!.push(slot);
      let set = taken.get(slot.topicId);
      if (set === undefined) {
        set = new Set();
        taken.set(slot.topicId, set);
      }
      set.add(slot.partition);
    };

    // 1. Stickiness.
    for (const memberId of memberIds) {
      const { currentTarget } = spec.members.get(memberId)!;
      for (const topicId of sortedTopicIds(spec.topics, currentTarget.keys())) {
        if (!subscribes(memberId, topicId)) continue;
        const numPartitions = spec.topics.get(topicId)!.numPartitions;
        for (const p of [...currentTarget.get(topicId)!].sort((a, b) => a - b)) {
          if (p < numPartitions && !(taken.get(topicId)?.has(p) ?? false)) take(memberId, { topicId, partition: p });
        }
      }
    }

    // 2. Hand out what is left.
    const leastLoaded = (topicId: Uuid): string | undefined => {
      let best: string | undefined;
      for (const id of memberIds) {
        if (subscribes(id, topicId) && (best === undefined || owned.get(id)!.length < owned.get(best)!.length)) best = id;
      }
      return best;
    };
    for (const topicId of sortedTopicIds(spec.topics, spec.topics.keys())) {
      const numPartitions = spec.topics.get(topicId)!.numPartitions;
      for (let p = 0; p < numPartitions; p++) {
        if (taken.get(topicId)?.has(p) ?? false) continue;
        const to = leastLoaded(topicId);
        if (to !== undefined) take(to, { topicId, partition: p });
      }
    }

    // 3. Balance.
    for (;;) {
      let moved = false;
      const fullestFirst = [...memberIds].sort((a, b) => owned.get(b)!.length - owned.get(a)!.length);
      for (const from of fullestFirst) {
        const slots = owned.get(from)!;
        for (let i = slots.length - 1; i >= 0 && !moved; i--) {
          const slot = slots[i]!;
          const to = leastLoaded(slot.topicId);
          if (to === undefined || owned.get(to)!.length + 1 >= slots.length) continue;
          slots.splice(i, 1);
          owned.get(to)!.push(slot);
          moved = true;
        }
        if (moved) break;
      }
      if (!moved) break;
    }

    const out = new Map<string, TopicPartitions>();
    for (const [memberId, slots] of owned) {
      const tp = new Map<Uuid, Set<number>>();
      for (const { topicId, partition } of slots) {
        let set = tp.get(topicId);
        if (set === undefined) {
          set = new Set();
          tp.set(topicId, set);
        }
        set.add(partition);
      }
      out.set(memberId, tp);
    }
    return out;
  },
};
