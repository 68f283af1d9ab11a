/**
 * ApiVersions (key 18), v0-3. The broker's supported ranges come from the handler
 * registry. v3 carries the client's software name and version (KIP-511), which the
 * connection keeps for logs. A version above 3 is answered by the connection itself in
 * the v0 layout with UNSUPPORTED_VERSION (KIP-511), before this handler is reached.
 * Gaps: no supported/finalized features (KIP-584) are reported.
 */
import { ApiKey, ApiVersionsRequest, ApiVersionsResponse, ErrorCode } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { HandlerRegistry } from './registry.ts';

const VALID_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export function apiVersionsHandler(registry: HandlerRegistry) {
  return defineHandler({
    apiKey: ApiKey.ApiVersions,
    request: ApiVersionsRequest,
    response: ApiVersionsResponse,
    minVersion: 0,
    maxVersion: 3,
    handle(req, ctx) {
      // Kafka rejects v3+ requests whose software name/version are not of the allowed form.
      const invalid = ctx.apiVersion >= 3 && (!VALID_NAME.test(req.clientSoftwareName) || !VALID_NAME.test(req.clientSoftwareVersion));
      return {
        errorCode: invalid ? ErrorCode.INVALID_REQUEST : ErrorCode.NONE,
        apiKeys: registry.apiVersionsEntries(),
        throttleTimeMs: 0,
      };
    },
  });
}
