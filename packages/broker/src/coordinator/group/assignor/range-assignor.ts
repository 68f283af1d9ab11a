/**
 * `range` (Kafka's server-side RangeAssignor): topic by topic, the members subscribed to
 * the topic in a fixed order (static members by instance id, then the others by member
 * id) each take a contiguous range of its partitions, the first `partitions % members`
 * one more. Members subscribed to the same topics get the same partition numbers of
 * each, which is what co-partitioned joins need.
 */
import type { Uuid } from '@samsa/protocol';
import type { TopicPartitions } from '../topic-partitions.ts';
import type { AssignmentSpec, PartitionAssignor } from './partition-assignor.ts';

export const RangeAssignor: PartitionAssignor = {
  name: 'range',
  assign(spec: AssignmentSpec): Map<string, TopicPartitions> {
    const out = new Map<string, Map<Uuid, Set<number>>>();
    for (const memberId of spec.members.keys()) out.set(memberId, new Map());
    // Static members keep their place across restarts (their member id changes, their instance id does not).
    const orderKey = (memberId: string): string => {
      const instanceId = spec.members.get(memberId)!.instanceId;
      return instanceId === null ? `1${memberId}` : `0${instanceId}`;
    };
    const ordered = [...spec.members.keys()].sort((a, b) => (orderKey(a) < orderKey(b) ? -1 : orderKey(a) > orderKey(b) ? 1 : 0));
    for (const [topicId, topic] of spec.topics) {
      const subscribers = ordered.filter((id) => spec.members.get(id)!.subscribedTopicIds.has(topicId));
      if (subscribers.length === 0) continue;
      const quota = Math.floor(topic.numPartitions / subscribers.length);
      const extra = topic.numPartitions % subscribers.length;
      let next = 0;
      subscribers.forEach((memberId, i) => {
        const count = quota + (i < extra ? 1 : 0);
        if (count === 0) return;
        const set = new Set<number>();
        for (let p = next; p < next + count; p++) set.add(p);
        next += count;
        out.get(memberId)!.set(topicId, set);
      });
    }
    return out;
  },
};
