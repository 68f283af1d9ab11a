/**
 * OffsetFetch (key 9), v0-9. v0-7 ask for one group, v8+ for a batch of groups (KIP-709).
 * A null topic list (v2+) asks for every committed offset of the group. Partitions without
 * a committed offset answer -1. Before v2 there is no group-level error, so a coordinator
 * error is reported on every partition.
 * v7+ carry require_stable (KIP-447): a partition with an offset committed by a
 * transaction that has not ended yet (TxnOffsetCommit) answers UNSTABLE_OFFSET_COMMIT,
 * retriable, instead of its last committed offset, per partition as Kafka does. Without
 * it (and before v7) such a partition answers its last committed offset.
 * v9 carries the member id and epoch of a KIP-848 group member, checked as OffsetCommit
 * checks them (STALE_MEMBER_EPOCH, UNKNOWN_MEMBER_ID); without them (admin clients) the
 * offsets are answered.
 */
import { ApiKey, ErrorCode, OffsetFetchRequest, OffsetFetchResponse } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function offsetFetchHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.OffsetFetch,
    request: OffsetFetchRequest,
    response: OffsetFetchResponse,
    minVersion: 0,
    maxVersion: 9,
    handle(req, ctx) {
      const v = ctx.apiVersion;
      if (v >= 8) {
        return {
          throttleTimeMs: 0,
          groups: req.groups.map((g) => {
            const member = v >= 9 ? { memberId: g.memberId, memberEpoch: g.memberEpoch } : undefined;
            const r = s.groups.fetchOffsets(g.groupId, g.topics, member, req.requireStable);
            return { groupId: g.groupId, errorCode: r.errorCode, topics: r.topics };
          }),
        };
      }
      const r = s.groups.fetchOffsets(req.groupId, req.topics, undefined, v >= 7 && req.requireStable);
      if (v < 2 && r.errorCode !== ErrorCode.NONE) {
        const topics = (req.topics ?? []).map((t) => ({
          name: t.name,
          partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1n, metadata: '', errorCode: r.errorCode })),
        }));
        return { throttleTimeMs: 0, topics };
      }
      const topics = r.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ ...p, committedLeaderEpoch: v >= 5 ? p.committedLeaderEpoch : -1 })),
      }));
      return { throttleTimeMs: 0, errorCode: v >= 2 ? r.errorCode : ErrorCode.NONE, topics };
    },
  });
}
