/**
 * DescribeGroups (key 15), v0-5. State, protocol type, the selected protocol and the
 * members; member metadata and assignments only while the group is Stable, as Kafka. An
 * unknown group is described as Dead with no error (v0-5).
 * The id of a KIP-848 consumer group is answered as Dead with no error, as Kafka 3.8 does
 * for v0-5 (such groups are described by ConsumerGroupDescribe).
 * Gaps: authorized operations are "not requested" (no ACLs yet).
 */
import { ApiKey, DescribeGroupsRequest, DescribeGroupsResponse } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

const NOT_REQUESTED = -2147483648;

export function describeGroupsHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.DescribeGroups,
    request: DescribeGroupsRequest,
    response: DescribeGroupsResponse,
    minVersion: 0,
    maxVersion: 5,
    handle(req, ctx) {
      return {
        throttleTimeMs: 0,
        groups: req.groups.map((id) => {
          const g = s.groups.describeGroup(id);
          return {
            ...g,
            members: g.members.map((m) => ({ ...m, groupInstanceId: ctx.apiVersion >= 4 ? m.groupInstanceId : null })),
            authorizedOperations: NOT_REQUESTED,
          };
        }),
      };
    },
  });
}
