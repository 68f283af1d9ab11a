/**
 * JoinGroup (key 11), v0-9. The answer waits until the group's rebalance completes (or
 * fails). v4+ joins without a member id get MEMBER_ID_REQUIRED and an id to rejoin with
 * (KIP-394); v0-3 (kafka-python uses v2) join in one step. v5+ carry group.instance.id
 * (static membership, KIP-345); v7+ answer with the protocol type; v9 tells a rejoining
 * static leader to skip the assignment (KIP-814). v0 has no rebalance timeout: it is the
 * session timeout, as in Kafka. The id of a KIP-848 consumer group with members is
 * refused with INCONSISTENT_GROUP_PROTOCOL (no online migration); an empty one gives way.
 */
import { ApiKey, JoinGroupRequest, JoinGroupResponse } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function joinGroupHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.JoinGroup,
    request: JoinGroupRequest,
    response: JoinGroupResponse,
    minVersion: 0,
    maxVersion: 9,
    async handle(req, ctx) {
      const v = ctx.apiVersion;
      const r = await s.groups.joinGroup({
        groupId: req.groupId,
        memberId: req.memberId,
        groupInstanceId: v >= 5 ? req.groupInstanceId : null,
        protocolType: req.protocolType,
        protocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: v >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
        clientId: ctx.clientId,
        clientHost: `/${ctx.clientAddress.slice(0, ctx.clientAddress.lastIndexOf(':'))}`,
        apiVersion: v,
      });
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        generationId: r.generationId,
        protocolType: v >= 7 ? r.protocolType : null,
        // Before v7 the protocol name is not nullable.
        protocolName: v >= 7 ? r.protocolName : r.protocolName ?? '',
        leader: r.leader,
        skipAssignment: v >= 9 && r.skipAssignment,
        memberId: r.memberId,
        members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: v >= 5 ? m.groupInstanceId : null, metadata: m.metadata })),
      };
    },
  });
}
