/**
 * ListGroups (key 16), v0-5. Every group this broker coordinates, classic and KIP-848
 * consumer groups (protocol type `consumer`; states Empty, Assigning, Reconciling,
 * Stable); v4+ filter by state (case-insensitive, KIP-518) and report it, v5+ filter by
 * type (`classic` or `consumer`, KIP-848) and report it.
 */
import { ApiKey, ListGroupsRequest, ListGroupsResponse } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function listGroupsHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.ListGroups,
    request: ListGroupsRequest,
    response: ListGroupsResponse,
    minVersion: 0,
    maxVersion: 5,
    handle(req, ctx) {
      const v = ctx.apiVersion;
      const states = new Set((v >= 4 ? req.statesFilter : []).map((x) => x.toLowerCase()));
      const types = new Set((v >= 5 ? req.typesFilter : []).map((x) => x.toLowerCase()));
      const { errorCode, groups } = s.groups.listGroups();
      return {
        throttleTimeMs: 0,
        errorCode,
        groups: groups
          .filter((g) => (states.size === 0 || states.has(g.groupState.toLowerCase())) && (types.size === 0 || types.has(g.groupType)))
          .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: v >= 4 ? g.groupState : '', groupType: v >= 5 ? g.groupType : '' })),
      };
    },
  });
}
