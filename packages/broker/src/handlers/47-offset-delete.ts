/**
 * OffsetDelete (key 47), v0 (KIP-496). Deletes a group's committed offsets for partitions
 * of topics its members do not subscribe to (GROUP_SUBSCRIBED_TO_TOPIC otherwise); an
 * unknown group is GROUP_ID_NOT_FOUND.
 */
import { ApiKey, OffsetDeleteRequest, OffsetDeleteResponse } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function offsetDeleteHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.OffsetDelete,
    request: OffsetDeleteRequest,
    response: OffsetDeleteResponse,
    minVersion: 0,
    maxVersion: 0,
    async handle(req) {
      const r = await s.groups.deleteOffsets(req.groupId, req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })));
      return { throttleTimeMs: 0, errorCode: r.errorCode, topics: r.topics };
    },
  });
}
