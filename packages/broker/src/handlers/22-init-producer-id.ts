/**
 * InitProducerId (key 22), v0-4: a producer id and epoch (KIP-98). v2+ is the flexible
 * encoding; v3+ carries the producer's current id and epoch so a producer can have its
 * epoch bumped after an error (KIP-360). An id without an epoch (or the reverse) is
 * INVALID_REQUEST, as in Kafka.
 *
 * - Without a transactional id (an idempotent producer): cluster/producer-id-manager.ts,
 *   which bumps the epoch of the same id where Kafka hands out a new one (see there).
 * - With one: the transaction coordinator (coordinator/transaction/), which fences the
 *   previous producer of the id by bumping the epoch, aborts its ongoing transaction
 *   first (answering CONCURRENT_TRANSACTIONS so the client retries), and refuses a
 *   transaction timeout above transaction.max.timeout.ms (INVALID_TRANSACTION_TIMEOUT).
 *   An empty transactional id is INVALID_REQUEST.
 *
 * Per version: below v4, PRODUCER_FENCED (KIP-588) is answered INVALID_PRODUCER_EPOCH, as
 * Kafka's KafkaApis does for clients that do not know it.
 *
 * Gaps: v5 (KIP-890 part 2: TRANSACTION_ABORTABLE and transactions v2) is not served.
 * Authorization (IDEMPOTENT_WRITE, TRANSACTIONAL_ID WRITE) comes with ACLs.
 */
import { ApiKey, InitProducerIdRequest, InitProducerIdResponse } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import { producerFencedFor } from './producer-fenced.ts';
import type { BrokerServices } from './services.ts';

export function initProducerIdHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.InitProducerId,
    request: InitProducerIdRequest,
    response: InitProducerIdResponse,
    minVersion: 0,
    maxVersion: 4,
    async handle(req, ctx) {
      if (req.transactionalId === null) {
        const r = await s.producerIds.initProducerId(req.producerId, req.producerEpoch);
        return { throttleTimeMs: 0, ...r };
      }
      const r = await s.transactions.initProducerId({
        transactionalId: req.transactionalId, transactionTimeoutMs: req.transactionTimeoutMs,
        producerId: Number(req.producerId), producerEpoch: req.producerEpoch,
      });
      const errorCode = producerFencedFor(r.errorCode, ctx.apiVersion >= 4);
      return { throttleTimeMs: 0, errorCode, producerId: BigInt(r.producerId), producerEpoch: r.producerEpoch };
    },
  });
}
