/**
 * FindCoordinator (key 10), v0-5. v0-3 ask for one key, v4+ for a batch (KIP-699). Key
 * type 0 is a consumer group: its coordinator is the leader of the `__consumer_offsets`
 * partition the group id hashes to, which on one node is this broker; the topic is created
 * and loaded on the first request, as Kafka does. v0 is kept for librdkafka before 2.11.1,
 * whose consumer groups depend on seeing it advertised (CLIENTS.md §5).
 * Key type 1 is a transactional id: its coordinator is the leader of the
 * `__transaction_state` partition the id hashes to, created and loaded on first request
 * the same way (coordinator/transaction/).
 * Gaps: key type 2 (share groups) is INVALID_REQUEST.
 */
import { ApiKey, ErrorCode, FindCoordinatorRequest, FindCoordinatorResponse, kafkaErrors } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

const GROUP = 0;
const TRANSACTION = 1;

export function findCoordinatorHandler(s: BrokerServices) {
  const find = async (key: string, keyType: number) => {
    let errorCode: number = ErrorCode.NONE;
    let errorMessage: string | null = null;
    if (keyType === GROUP) {
      errorCode = await s.groups.findCoordinator(key);
    } else if (keyType === TRANSACTION) {
      errorCode = await s.transactions.findCoordinator(key);
    } else {
      errorCode = ErrorCode.INVALID_REQUEST;
      errorMessage = `Unknown coordinator type ${keyType}.`;
    }
    const self = s.metadata.brokers().find((b) => b.nodeId === s.nodeId);
    if (errorCode !== ErrorCode.NONE || self === undefined) {
      const code = self === undefined ? ErrorCode.COORDINATOR_NOT_AVAILABLE : errorCode;
      return { key, nodeId: -1, host: '', port: -1, errorCode: code, errorMessage: errorMessage ?? kafkaErrors.get(code)?.description ?? null };
    }
    return { key, nodeId: self.nodeId, host: self.host, port: self.port, errorCode, errorMessage: null };
  };

  return defineHandler({
    apiKey: ApiKey.FindCoordinator,
    request: FindCoordinatorRequest,
    response: FindCoordinatorResponse,
    minVersion: 0,
    maxVersion: 5,
    async handle(req, ctx) {
      if (ctx.apiVersion >= 4) {
        const coordinators = await Promise.all(req.coordinatorKeys.map((k) => find(k, req.keyType)));
        return { throttleTimeMs: 0, coordinators };
      }
      const c = await find(req.key, req.keyType);
      return {
        throttleTimeMs: 0, errorCode: c.errorCode, errorMessage: ctx.apiVersion >= 1 ? c.errorMessage : null,
        nodeId: c.nodeId, host: c.host, port: c.port,
      };
    },
  });
}
