/**
 * CreatePartitions (key 37), v0-3: grows a topic to `count` partitions, optionally with a
 * manual assignment; validate_only checks without changing anything.
 */
import { ApiKey, CreatePartitionsRequest, CreatePartitionsResponse } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function createPartitionsHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.CreatePartitions,
    request: CreatePartitionsRequest,
    response: CreatePartitionsResponse,
    minVersion: 0,
    maxVersion: 3,
    async handle(req) {
      const results = [];
      for (const t of req.topics) {
        const r = await s.topics.createPartitions(t.name, t.count, t.assignments?.map((a) => a.brokerIds) ?? null, req.validateOnly);
        results.push({ name: t.name, errorCode: r.errorCode, errorMessage: r.errorMessage });
      }
      return { throttleTimeMs: 0, results };
    },
  });
}
