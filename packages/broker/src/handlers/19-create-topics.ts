/**
 * CreateTopics (key 19), v0-7. num_partitions and replication_factor may be -1 (broker
 * defaults, v4+) or replaced by a manual assignment; configs are validated against the
 * topic config table; validate_only (v1+) checks without creating. v5+ answers with the
 * topic's partitions, replication factor and configs; v7 with its topic id.
 * Gaps: the configs in the v5+ answer are the overrides given, not the full effective set.
 */
import { ApiKey, CreateTopicsRequest, CreateTopicsResponse, ErrorCode, ZERO_UUID } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function createTopicsHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.CreateTopics,
    request: CreateTopicsRequest,
    response: CreateTopicsResponse,
    minVersion: 0,
    maxVersion: 7,
    async handle(req) {
      const seen = new Map<string, number>();
      for (const t of req.topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
      const topics = [];
      for (const t of req.topics) {
        if (seen.get(t.name)! > 1) {
          topics.push({ name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Create topics request from client contains a duplicate topic name.' });
          continue;
        }
        const configs: Record<string, string> = {};
        for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
        const r = await s.topics.createTopic({
          name: t.name, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor,
          assignments: t.assignments.map((a) => ({ partitionIndex: a.partitionIndex, brokerIds: a.brokerIds })), configs,
        }, req.validateOnly);
        const topic = r.topic;
        topics.push({
          name: t.name, topicId: topic?.topicId ?? ZERO_UUID, errorCode: r.errorCode, errorMessage: r.errorMessage,
          numPartitions: topic?.partitions.length ?? -1, replicationFactor: topic ? topic.partitions[0]!.replicas.length : -1,
          configs: topic ? Object.entries(topic.configs).map(([name, value]) => ({ name, value, readOnly: false, configSource: 1, isSensitive: false })) : null,
        });
      }
      return { throttleTimeMs: 0, topics };
    },
  });
}
