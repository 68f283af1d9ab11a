/**
 * ConsumerGroupHeartbeat (key 68), v0: the next-generation consumer group protocol
 * (KIP-848). One request both joins and keeps a member alive: epoch 0 joins (the
 * coordinator generates the member id in v0), -1 leaves, -2 is a static member's
 * temporary leave, any other value is the member's current epoch. The answer carries the
 * member's epoch, the heartbeat interval and, when it changed (or on a join or a full
 * request), the partitions it may use; the coordinator's server-side assignor (`uniform`
 * by default, or `range`) decides, and partitions move revoke-before-assign.
 * Gaps: v1 (KIP-1082, member ids made by the client) is not served, as the 3.8 schema set
 * has v0 only (@platformatic/kafka negotiates down to v0); rack ids are stored but no
 * assignor is rack-aware; no online migration between classic and consumer groups (an
 * empty group of either kind is taken over, a non-empty classic one is GROUP_ID_NOT_FOUND).
 */
import { ApiKey, ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function consumerGroupHeartbeatHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.ConsumerGroupHeartbeat,
    request: ConsumerGroupHeartbeatRequest,
    response: ConsumerGroupHeartbeatResponse,
    minVersion: 0,
    maxVersion: 0,
    async handle(req, ctx) {
      const r = await s.groups.consumerGroupHeartbeat({
        groupId: req.groupId,
        memberId: req.memberId,
        memberEpoch: req.memberEpoch,
        instanceId: req.instanceId,
        rackId: req.rackId,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        subscribedTopicNames: req.subscribedTopicNames,
        serverAssignor: req.serverAssignor,
        topicPartitions: req.topicPartitions === null ? null : req.topicPartitions.map((t) => ({ topicId: t.topicId, partitions: t.partitions })),
        clientId: ctx.clientId,
        clientHost: `/${ctx.clientAddress.slice(0, ctx.clientAddress.lastIndexOf(':'))}`,
      });
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        memberId: r.memberId,
        memberEpoch: r.memberEpoch,
        heartbeatIntervalMs: r.heartbeatIntervalMs,
        assignment: r.assignment === null ? null : { topicPartitions: r.assignment },
      };
    },
  });
}
