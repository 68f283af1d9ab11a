/**
 * DeleteTopics (key 20), v0-6. By name, or by topic id from v6. Deleting removes the
 * topic from the metadata first and then its logs (renamed, removed later by storage).
 */
import { ApiKey, DeleteTopicsRequest, DeleteTopicsResponse, ErrorCode, ZERO_UUID } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function deleteTopicsHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.DeleteTopics,
    request: DeleteTopicsRequest,
    response: DeleteTopicsResponse,
    minVersion: 0,
    maxVersion: 6,
    async handle(req, ctx) {
      const wanted = ctx.apiVersion >= 6
        ? req.topics.map((t) => ({ name: t.name ?? s.metadata.topicById(t.topicId)?.name ?? null, topicId: t.topicId }))
        : req.topicNames.map((name) => ({ name, topicId: s.metadata.topic(name)?.topicId ?? ZERO_UUID }));
      const responses = [];
      for (const w of wanted) {
        if (w.name === null) {
          responses.push({ name: null, topicId: w.topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: 'This server does not host this topic ID.' });
          continue;
        }
        const r = await s.topics.deleteTopic(w.name);
        responses.push({ name: w.name, topicId: r.topic?.topicId ?? w.topicId, errorCode: r.errorCode, errorMessage: r.errorMessage });
      }
      return { throttleTimeMs: 0, responses };
    },
  });
}
