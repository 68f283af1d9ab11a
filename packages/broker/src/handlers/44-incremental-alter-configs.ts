/**
 * IncrementalAlterConfigs (key 44), v0-1 (KIP-339): SET, DELETE, APPEND and SUBTRACT on
 * single keys of a topic or the broker (an empty broker name: the cluster-wide default).
 */
import { ApiKey, ErrorCode, IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '@samsa/protocol';
import { incrementalAlterTopicConfig } from '../config/index.ts';
import { awaitPersisted, resolveResource } from './config-resources.ts';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function incrementalAlterConfigsHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.IncrementalAlterConfigs,
    request: IncrementalAlterConfigsRequest,
    response: IncrementalAlterConfigsResponse,
    minVersion: 0,
    maxVersion: 1,
    async handle(req) {
      const responses = [];
      for (const res of req.resources) {
        const base = { resourceType: res.resourceType, resourceName: res.resourceName };
        const ops = res.configs.map((c) => ({ name: c.name, op: c.configOperation, value: c.value }));
        const r = resolveResource(s, res.resourceType, res.resourceName);
        if (r.kind === 'error') {
          responses.push({ ...base, errorCode: r.errorCode, errorMessage: r.errorMessage });
        } else if (r.kind === 'broker') {
          const result = await awaitPersisted(s, s.config.incrementalAlter(ops, { level: r.level, validateOnly: req.validateOnly }));
          responses.push({ ...base, errorCode: result.errorCode, errorMessage: result.errorMessage });
        } else {
          const current = s.metadata.topic(r.name)?.configs ?? {};
          const next = incrementalAlterTopicConfig(current, ops, s.config);
          if (!next.ok) {
            responses.push({ ...base, errorCode: next.errorCode, errorMessage: next.errorMessage });
            continue;
          }
          const texts: Record<string, string> = {};
          for (const [k, v] of Object.entries(next.texts)) if (v !== undefined) texts[k] = v;
          const result = await s.topics.setTopicConfigs(r.name, texts, req.validateOnly);
          responses.push({ ...base, errorCode: result.errorCode, errorMessage: result.errorCode === ErrorCode.NONE ? null : result.errorMessage });
        }
      }
      return { throttleTimeMs: 0, responses };
    },
  });
}
