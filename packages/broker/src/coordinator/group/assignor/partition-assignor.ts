/**
 * Server-side assignors of KIP-848 consumer groups (Kafka's ConsumerGroupPartitionAssignor):
 * given the members' subscriptions (as topic ids) and the subscribed topics' partition
 * counts, a target assignment for every member. Assignors are pure functions of their
 * input, so a reload that replays the same records reaches the same targets without
 * running them again (the targets themselves are records).
 */
import type { Uuid } from '@samsa/protocol';
import type { TopicPartitions } from '../topic-partitions.ts';

export interface AssignmentMemberSpec {
  instanceId: string | null;
  /** The topics the member subscribes to that exist. */
  subscribedTopicIds: ReadonlySet<Uuid>;
  /** Its current target, which sticky assignors try to keep. */
  currentTarget: TopicPartitions;
}

export interface AssignmentTopic {
  name: string;
  numPartitions: number;
}

export interface AssignmentSpec {
  /** member id → what the assignor knows of it. */
  members: ReadonlyMap<string, AssignmentMemberSpec>;
  topics: ReadonlyMap<Uuid, AssignmentTopic>;
}

export interface PartitionAssignor {
  /** The name members ask for in ConsumerGroupHeartbeat's ServerAssignor. */
  readonly name: string;
  /** A target for every member of the spec (an empty one when it gets nothing). */
  assign(spec: AssignmentSpec): Map<string, TopicPartitions>;
}

/** A member's topic ids in a stable order (by topic name, then id), for deterministic output. */
export function sortedTopicIds(topics: ReadonlyMap<Uuid, AssignmentTopic>, ids: Iterable<Uuid>): Uuid[] {
  return [...ids].filter((id) => topics.has(id))
    .sort((a, b) => topics.get(a)!.name.localeCompare(topics.get(b)!.name) || a.localeCompare(b));
}
