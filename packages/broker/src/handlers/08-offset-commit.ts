/**
 * OffsetCommit (key 8), v0-9. Members of a classic group commit with their generation and
 * member id; consumers without group management commit with generation -1 to an empty (or
 * new) group. Members of a KIP-848 consumer group commit with v9+ and their member epoch
 * in the same field (STALE_MEMBER_EPOCH for another epoch, UNKNOWN_MEMBER_ID for a
 * stranger, UNSUPPORTED_VERSION below v9). Partitions of unknown topics get
 * UNKNOWN_TOPIC_OR_PARTITION, as Kafka's request handler answers before the coordinator
 * sees them. v7+ carry group.instance.id.
 * Gaps: v2-4 retention_time is ignored (offsets.retention.minutes applies, as since Kafka
 * 2.1 for v5+).
 */
import { ApiKey, ErrorCode, OffsetCommitRequest, OffsetCommitResponse } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function offsetCommitHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.OffsetCommit,
    request: OffsetCommitRequest,
    response: OffsetCommitResponse,
    minVersion: 0,
    maxVersion: 9,
    async handle(req, ctx) {
      const v = ctx.apiVersion;
      const unknown = new Set<string>();
      const known = req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.filter((p) => {
          const exists = (s.metadata.topic(t.name)?.partitions.length ?? 0) > p.partitionIndex && p.partitionIndex >= 0;
          if (!exists) unknown.add(`${t.name}:${p.partitionIndex}`);
          return exists;
        }).map((p) => ({
          partitionIndex: p.partitionIndex,
          committedOffset: p.committedOffset,
          committedLeaderEpoch: v >= 6 ? p.committedLeaderEpoch : -1,
          committedMetadata: p.committedMetadata,
        })),
      })).filter((t) => t.partitions.length > 0);
      const results = known.length === 0 ? [] : await s.groups.commitOffsets({
        groupId: req.groupId,
        memberId: v >= 1 ? req.memberId : '',
        groupInstanceId: v >= 7 ? req.groupInstanceId : null,
        generationId: v >= 1 ? req.generationIdOrMemberEpoch : -1,
        apiVersion: v,
        topics: known,
      });
      const errors = new Map<string, number>();
      for (const t of results) for (const p of t.partitions) errors.set(`${t.name}:${p.partitionIndex}`, p.errorCode);
      return {
        throttleTimeMs: 0,
        topics: req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => {
            const key = `${t.name}:${p.partitionIndex}`;
            return { partitionIndex: p.partitionIndex, errorCode: unknown.has(key) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : errors.get(key) ?? ErrorCode.NONE };
          }),
        })),
      };
    },
  });
}
