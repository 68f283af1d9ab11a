/**
 * SyncGroup (key 14), v0-5. The leader sends the assignment; every member's answer waits
 * until the leader's assignment is written to `__consumer_offsets`. v3+ carry
 * group.instance.id; v5+ name the protocol type and name, which must match the group's
 * (INCONSISTENT_GROUP_PROTOCOL otherwise).
 */
import { ApiKey, SyncGroupRequest, SyncGroupResponse } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function syncGroupHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.SyncGroup,
    request: SyncGroupRequest,
    response: SyncGroupResponse,
    minVersion: 0,
    maxVersion: 5,
    async handle(req, ctx) {
      const v = ctx.apiVersion;
      const r = await s.groups.syncGroup({
        groupId: req.groupId,
        generationId: req.generationId,
        memberId: req.memberId,
        groupInstanceId: v >= 3 ? req.groupInstanceId : null,
        protocolType: v >= 5 ? req.protocolType : null,
        protocolName: v >= 5 ? req.protocolName : null,
        assignments: req.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
      });
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        protocolType: v >= 5 ? r.protocolType : null,
        protocolName: v >= 5 ? r.protocolName : null,
        assignment: r.assignment,
      };
    },
  });
}
