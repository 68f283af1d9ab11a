/**
 * OffsetForLeaderEpoch (key 23), v0-4: the end offset of a leader epoch, which consumers
 * use to detect log truncation after a leader change (KIP-320) and followers use before
 * fetching. See ReplicaManager.endOffsetForEpoch for the single-node answer.
 */
import { ApiKey, OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function offsetForLeaderEpochHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.OffsetForLeaderEpoch,
    request: OffsetForLeaderEpochRequest,
    response: OffsetForLeaderEpochResponse,
    minVersion: 0,
    maxVersion: 4,
    handle(req) {
      return {
        throttleTimeMs: 0,
        topics: req.topics.map((t) => ({
          topic: t.topic,
          partitions: t.partitions.map((p) => ({
            partition: p.partition, ...s.replicas.endOffsetForEpoch(t.topic, p.partition, p.currentLeaderEpoch, p.leaderEpoch),
          })),
        })),
      };
    },
  });
}
