/**
 * ConsumerGroupDescribe (key 69), v0 (KIP-848): state, group and assignment epochs, the
 * assignor in use, and each member with its subscription, current assignment (topic ids
 * and names) and target assignment. An unknown id, or a classic group's, is
 * GROUP_ID_NOT_FOUND (classic groups are described by DescribeGroups).
 * Gaps: authorized operations are "not requested" (no ACLs yet); regex subscriptions do
 * not exist yet, so SubscribedTopicRegex is always null.
 */
import { ApiKey, ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

const NOT_REQUESTED = -2147483648;

export function consumerGroupDescribeHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.ConsumerGroupDescribe,
    request: ConsumerGroupDescribeRequest,
    response: ConsumerGroupDescribeResponse,
    minVersion: 0,
    maxVersion: 0,
    handle(req) {
      return {
        throttleTimeMs: 0,
        groups: req.groupIds.map((id) => {
          const g = s.groups.consumerGroupDescribe(id);
          return {
            ...g,
            members: g.members.map((m) => ({
              ...m,
              subscribedTopicRegex: null,
              assignment: { topicPartitions: m.assignment },
              targetAssignment: { topicPartitions: m.targetAssignment },
            })),
            authorizedOperations: NOT_REQUESTED,
          };
        }),
      };
    },
  });
}
