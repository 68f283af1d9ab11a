/**
 * DeleteGroups (key 42), v0-2. A group can be deleted only when it has no members
 * (NON_EMPTY_GROUP otherwise); its committed offsets go with it.
 */
import { ApiKey, DeleteGroupsRequest, DeleteGroupsResponse } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function deleteGroupsHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.DeleteGroups,
    request: DeleteGroupsRequest,
    response: DeleteGroupsResponse,
    minVersion: 0,
    maxVersion: 2,
    async handle(req) {
      return { throttleTimeMs: 0, results: await s.groups.deleteGroups(req.groupsNames) };
    },
  });
}
