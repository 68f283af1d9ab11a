/**
 * LeaveGroup (key 13), v0-5. v0-2 name one member; v3+ a batch of members, each by member
 * id or group.instance.id (KIP-345), each with its own error. v5 adds a reason, which is
 * only logged by Kafka and ignored here.
 */
import { ApiKey, LeaveGroupRequest, LeaveGroupResponse } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function leaveGroupHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.LeaveGroup,
    request: LeaveGroupRequest,
    response: LeaveGroupResponse,
    minVersion: 0,
    maxVersion: 5,
    async handle(req, ctx) {
      const batched = ctx.apiVersion >= 3;
      const members = batched
        ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId }))
        : [{ memberId: req.memberId, groupInstanceId: null }];
      const r = await s.groups.leaveGroup({ groupId: req.groupId, members });
      if (!batched) return { throttleTimeMs: 0, errorCode: r.errorCode === 0 ? r.members[0]!.errorCode : r.errorCode };
      return { throttleTimeMs: 0, errorCode: r.errorCode, members: r.members };
    },
  });
}
