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
import { ApiKey, OffsetCommitRequest, OffsetCommitResponse } from '@samsa/protocol';
import { commitPartitions } from './commit-partitions.ts';
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
      const { known, answer } = commitPartitions(s.metadata, req.topics, (p) => ({
        partitionIndex: p.partitionIndex,
        committedOffset: p.committedOffset,
        committedLeaderEpoch: v >= 6 ? p.committedLeaderEpoch : -1,
        committedMetadata: p.committedMetadata,
      }));
      const results = known.length === 0 ? [] : await s.groups.commitOffsets({
        groupId: req.groupId,
        memberId: v >= 1 ? req.memberId : '',
        groupInstanceId: v >= 7 ? req.groupInstanceId : null,
        generationId: v >= 1 ? req.generationIdOrMemberEpoch : -1,
        apiVersion: v,
        topics: known,
      });
      return { throttleTimeMs: 0, topics: answer(results) };
    },
  });
}
