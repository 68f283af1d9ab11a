/**
 * Sets of partitions keyed by topic id, as KIP-848 assignments are: a member's assigned
 * partitions, those pending revocation, its target. Values are treated as immutable: the
 * helpers build new maps and never change their arguments, so a member record can share
 * them safely. Empty topics are never stored (an absent topic and an empty set mean the
 * same, and equality relies on that).
 */
import type { Uuid } from '@samsa/protocol';

export type TopicPartitions = ReadonlyMap<Uuid, ReadonlySet<number>>;

export const NO_PARTITIONS: TopicPartitions = new Map();

/** From the wire's list form; duplicates collapse, empty topics are dropped. */
export function fromList(list: ReadonlyArray<{ topicId: Uuid; partitions: readonly number[] }>): TopicPartitions {
  const out = new Map<Uuid, Set<number>>();
  for (const { topicId, partitions } of list) {
    if (partitions.length === 0) continue;
    let set = out.get(topicId);
    if (set === undefined) {
      set = new Set();
      out.set(topicId, set);
    }
    for (const p of partitions) set.add(p);
  }
  return out;
}

/** To the wire's list form, topics and partitions in ascending order (stable output). */
export function toList(tp: TopicPartitions): Array<{ topicId: Uuid; partitions: number[] }> {
  return [...tp.keys()].sort().map((topicId) => ({ topicId, partitions: [...tp.get(topicId)!].sort((a, b) => a - b) }));
}

export function isEmpty(tp: TopicPartitions): boolean {
  return tp.size === 0;
}

export function size(tp: TopicPartitions): number {
  let n = 0;
  for (const set of tp.values()) n += set.size;
  return n;
}

export function has(tp: TopicPartitions, topicId: Uuid, partition: number): boolean {
  return tp.get(topicId)?.has(partition) ?? false;
}

export function equals(a: TopicPartitions, b: TopicPartitions): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [topicId, set] of a) {
    const other = b.get(topicId);
    if (other === undefined || other.size !== set.size) return false;
    for (const p of set) if (!other.has(p)) return false;
  }
  return true;
}

/** a ∩ b */
export function intersect(a: TopicPartitions, b: TopicPartitions): TopicPartitions {
  const out = new Map<Uuid, Set<number>>();
  for (const [topicId, set] of a) {
    const other = b.get(topicId);
    if (other === undefined) continue;
    const kept = new Set([...set].filter((p) => other.has(p)));
    if (kept.size > 0) out.set(topicId, kept);
  }
  return out;
}

/** a − b */
export function minus(a: TopicPartitions, b: TopicPartitions): TopicPartitions {
  const out = new Map<Uuid, Set<number>>();
  for (const [topicId, set] of a) {
    const other = b.get(topicId);
    const kept = other === undefined ? new Set(set) : new Set([...set].filter((p) => !other.has(p)));
    if (kept.size > 0) out.set(topicId, kept);
  }
  return out;
}

/** a ∪ b */
export function union(a: TopicPartitions, b: TopicPartitions): TopicPartitions {
  const out = new Map<Uuid, Set<number>>();
  for (const tp of [a, b]) {
    for (const [topicId, set] of tp) {
      if (set.size === 0) continue;
      const existing = out.get(topicId);
      if (existing === undefined) out.set(topicId, new Set(set));
      else for (const p of set) existing.add(p);
    }
  }
  return out;
}

/** Whether any partition of a is in b. */
export function overlaps(a: TopicPartitions, b: TopicPartitions): boolean {
  for (const [topicId, set] of a) {
    const other = b.get(topicId);
    if (other === undefined) continue;
    for (const p of set) if (other.has(p)) return true;
  }
  return false;
}

/** Whether every partition of a is in b. */
export function isSubset(a: TopicPartitions, b: TopicPartitions): boolean {
  for (const [topicId, set] of a) {
    const other = b.get(topicId);
    if (other === undefined) return false;
    for (const p of set) if (!other.has(p)) return false;
  }
  return true;
}
