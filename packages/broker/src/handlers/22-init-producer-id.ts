/**
 * InitProducerId (key 22), v0-4: a producer id and epoch for an idempotent producer
 * (KIP-98). v2+ is the flexible encoding; v3+ carries the producer's current id and epoch
 * so an idempotent producer can have its epoch bumped after an error (KIP-360), see
 * cluster/producer-id-manager.ts for how that differs from Kafka. An id without an epoch
 * (or the reverse) is INVALID_REQUEST, as in Kafka.
 *
 * Gaps: transactions. There is no transaction coordinator yet, so a request with a
 * transactional id is answered UNSUPPORTED_VERSION: the error Kafka gives for a feature
 * the broker has but does not serve (a KIP-848 ConsumerGroupHeartbeat when the consumer
 * protocol is off). It is not retriable, so clients fail at once with it instead of
 * retrying COORDINATOR_NOT_AVAILABLE until their timeout. An empty transactional id is
 * INVALID_REQUEST (Kafka's TransactionCoordinator). v5 (KIP-890 transactions v2) is not
 * served. Producer id authorization (IDEMPOTENT_WRITE) comes with ACLs.
 */
import { ApiKey, ErrorCode, InitProducerIdRequest, InitProducerIdResponse } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function initProducerIdHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.InitProducerId,
    request: InitProducerIdRequest,
    response: InitProducerIdResponse,
    minVersion: 0,
    maxVersion: 4,
    async handle(req) {
      const refuse = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 });
      if (req.transactionalId === '') return refuse(ErrorCode.INVALID_REQUEST);
      if (req.transactionalId !== null) return refuse(ErrorCode.UNSUPPORTED_VERSION);
      const r = await s.producerIds.initProducerId(req.producerId, req.producerEpoch);
      return { throttleTimeMs: 0, ...r };
    },
  });
}
