/**
 * Metadata (key 3), v0-12. Topics by name, or by id from v10. A null topic list means
 * all topics (v1+); v0 uses an empty list for that. Missing topics are created when
 * auto.create.topics.enable is on and the request allows it (always before v4, by the
 * allowAutoTopicCreation flag after), as Kafka does. Kafka answers LEADER_NOT_AVAILABLE
 * while the new topic's leaders are elected; here creation completes before the answer,
 * so the topic comes back ready. Invalid names get INVALID_TOPIC_EXCEPTION.
 * Gaps: authorized operations are reported as "not requested" (no ACLs yet).
 */
import { ApiKey, ErrorCode, MetadataRequest, MetadataResponse, ZERO_UUID, type Input } from '@samsa/protocol';
import { invalidTopicNameReason, type TopicMetadata } from '../cluster/metadata-store.ts';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

const NOT_REQUESTED = -2147483648;

export function metadataHandler(s: BrokerServices) {
  const describe = (t: TopicMetadata): Input<MetadataResponse['topics'][number]> => ({
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.topicId,
    isInternal: t.internal,
    partitions: t.partitions.map((p) => ({
      errorCode: ErrorCode.NONE, partitionIndex: p.partition, leaderId: p.leader, leaderEpoch: p.leaderEpoch,
      replicaNodes: p.replicas, isrNodes: p.isr, offlineReplicas: [],
    })),
    topicAuthorizedOperations: NOT_REQUESTED,
  });

  return defineHandler({
    apiKey: ApiKey.Metadata,
    request: MetadataRequest,
    response: MetadataResponse,
    minVersion: 0,
    maxVersion: 12,
    async handle(req, ctx) {
      const v = ctx.apiVersion;
      const all = req.topics === null || (v === 0 && req.topics.length === 0);
      const topics: Input<MetadataResponse['topics'][number]>[] = [];
      if (all) {
        for (const t of s.metadata.topics()) if (!t.internal || v > 0) topics.push(describe(t));
      } else {
        const allowCreate = (v < 4 || req.allowAutoTopicCreation) && s.topics.autoCreateEnabled;
        for (const rt of req.topics!) {
          if (rt.name === null) {
            const t = s.metadata.topicById(rt.topicId);
            topics.push(t ? describe(t) : { errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId: rt.topicId, topicAuthorizedOperations: NOT_REQUESTED });
            continue;
          }
          let t = s.metadata.topic(rt.name);
          if (t === undefined) {
            if (invalidTopicNameReason(rt.name) !== null) {
              topics.push({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name: rt.name, topicId: ZERO_UUID, topicAuthorizedOperations: NOT_REQUESTED });
              continue;
            }
            if (allowCreate) {
              const created = await s.topics.autoCreate(rt.name);
              t = created.topic ?? s.metadata.topic(rt.name);
            }
          }
          topics.push(t ? describe(t)
            : { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name: rt.name, topicId: ZERO_UUID, topicAuthorizedOperations: NOT_REQUESTED });
        }
      }
      return {
        throttleTimeMs: 0,
        brokers: s.metadata.brokers().map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
        clusterId: s.metadata.clusterId,
        controllerId: s.nodeId,
        topics,
        clusterAuthorizedOperations: NOT_REQUESTED,
      };
    },
  });
}
