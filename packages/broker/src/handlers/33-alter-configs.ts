/**
 * AlterConfigs (key 33), v0-2: replaces a resource's dynamic config as a whole (keys not
 * given return to their defaults), as Kafka's legacy API does. validate_only checks
 * without changing anything. IncrementalAlterConfigs is the API to prefer.
 */
import { AlterConfigsRequest, AlterConfigsResponse, ApiKey, ErrorCode } from '@samsa/protocol';
import { awaitPersisted, resolveResource } from './config-resources.ts';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function alterConfigsHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.AlterConfigs,
    request: AlterConfigsRequest,
    response: AlterConfigsResponse,
    minVersion: 0,
    maxVersion: 2,
    async handle(req) {
      const responses = [];
      for (const res of req.resources) {
        const base = { resourceType: res.resourceType, resourceName: res.resourceName };
        const r = resolveResource(s, res.resourceType, res.resourceName);
        if (r.kind === 'error') {
          responses.push({ ...base, errorCode: r.errorCode, errorMessage: r.errorMessage });
        } else if (r.kind === 'broker') {
          const result = await awaitPersisted(s,
            s.config.alter(res.configs.map((c) => ({ name: c.name, value: c.value })), { level: r.level, validateOnly: req.validateOnly }));
          responses.push({ ...base, errorCode: result.errorCode, errorMessage: result.errorMessage });
        } else {
          const configs: Record<string, string> = {};
          for (const c of res.configs) if (c.value !== null) configs[c.name] = c.value;
          const result = await s.topics.setTopicConfigs(r.name, configs, req.validateOnly);
          responses.push({ ...base, errorCode: result.errorCode, errorMessage: result.errorCode === ErrorCode.NONE ? null : result.errorMessage });
        }
      }
      return { throttleTimeMs: 0, responses };
    },
  });
}
