/**
 * What OffsetCommit and TxnOffsetCommit share: partitions of topics that do not exist are
 * answered UNKNOWN_TOPIC_OR_PARTITION by the handler, as Kafka's request handler answers
 * them before the coordinator sees the request; the rest go to the group coordinator and
 * every partition of the request is answered in the request's order.
 */
import { ErrorCode } from '@samsa/protocol';
import type { MetadataStore } from '../cluster/metadata-store.ts';

interface RequestTopic<P extends { partitionIndex: number }> {
  name: string;
  partitions: P[];
}

export interface CommitPartitions<C> {
  /** The partitions of existing topics, as `toCommit` maps them; topics left empty are dropped. */
  known: Array<{ name: string; partitions: C[] }>;
  /** Answers a partition of the request: UNKNOWN_TOPIC_OR_PARTITION, the coordinator's code, or `otherwise`. */
  answer(results: ReadonlyArray<{ name: string; partitions: ReadonlyArray<{ partitionIndex: number; errorCode: number }> }>, otherwise?: number):
  Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>;
}

export function commitPartitions<P extends { partitionIndex: number }, C>(metadata: MetadataStore, topics: ReadonlyArray<RequestTopic<P>>,
  toCommit: (p: P) => C): CommitPartitions<C> {
  const unknown = new Set<string>();
  const known = topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.filter((p) => {
      const exists = (metadata.topic(t.name)?.partitions.length ?? 0) > p.partitionIndex && p.partitionIndex >= 0;
      if (!exists) unknown.add(`${t.name}:${p.partitionIndex}`);
      return exists;
    }).map(toCommit),
  })).filter((t) => t.partitions.length > 0);
  return {
    known,
    answer(results, otherwise = ErrorCode.NONE) {
      const errors = new Map<string, number>();
      for (const t of results) for (const p of t.partitions) errors.set(`${t.name}:${p.partitionIndex}`, p.errorCode);
      return topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const key = `${t.name}:${p.partitionIndex}`;
          return { partitionIndex: p.partitionIndex, errorCode: unknown.has(key) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : errors.get(key) ?? otherwise };
        }),
      }));
    },
  };
}
