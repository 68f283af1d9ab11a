/**
 * DescribeConfigs (key 32), v0-4: a topic's effective config (its overrides, else the
 * broker's values, else Kafka's defaults) or the broker's. v0 reports is_default; v1+ the
 * source and, when asked, synonyms; v3+ the type and, when asked, documentation.
 */
import { ApiKey, DescribeConfigsRequest, DescribeConfigsResponse, ErrorCode } from '@samsa/protocol';
import { describeResource, resolveResource } from './config-resources.ts';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function describeConfigsHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.DescribeConfigs,
    request: DescribeConfigsRequest,
    response: DescribeConfigsResponse,
    minVersion: 0,
    maxVersion: 4,
    handle(req, ctx) {
      const v = ctx.apiVersion;
      const results = req.resources.map((res) => {
        const base = { resourceType: res.resourceType, resourceName: res.resourceName };
        const r = resolveResource(s, res.resourceType, res.resourceName);
        if (r.kind === 'error') return { ...base, errorCode: r.errorCode, errorMessage: r.errorMessage, configs: [] };
        const entries = describeResource(s, r, res.configurationKeys);
        return {
          ...base,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          configs: entries.map((e) => ({
            name: e.name,
            value: e.value,
            readOnly: e.readOnly,
            isSensitive: e.isSensitive,
            ...(v === 0 ? { isDefault: e.isDefault } : { configSource: e.source }),
            ...(v >= 1 && req.includeSynonyms ? { synonyms: e.synonyms.map((syn) => ({ name: syn.name, value: syn.value, source: syn.source })) } : {}),
            ...(v >= 3 ? { configType: e.type } : {}),
            ...(v >= 3 && req.includeDocumentation ? { documentation: e.documentation } : {}),
          })),
        };
      });
      return { throttleTimeMs: 0, results };
    },
  });
}
