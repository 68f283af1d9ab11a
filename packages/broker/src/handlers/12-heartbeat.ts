/**
 * Heartbeat (key 12), v0-4. Keeps a classic group member's session alive; answers
 * REBALANCE_IN_PROGRESS while the group rebalances, so the member rejoins. v3+ carry
 * group.instance.id.
 */
import { ApiKey, HeartbeatRequest, HeartbeatResponse } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function heartbeatHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.Heartbeat,
    request: HeartbeatRequest,
    response: HeartbeatResponse,
    minVersion: 0,
    maxVersion: 4,
    async handle(req, ctx) {
      const errorCode = await s.groups.heartbeat({
        groupId: req.groupId,
        generationId: req.generationId,
        memberId: req.memberId,
        groupInstanceId: ctx.apiVersion >= 3 ? req.groupInstanceId : null,
      });
      return { throttleTimeMs: 0, errorCode };
    },
  });
}
