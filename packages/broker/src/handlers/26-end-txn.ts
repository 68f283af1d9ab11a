/**
 * EndTxn (key 26), v0-3: a transactional producer commits or aborts its transaction
 * (KIP-98). The answer comes once the PrepareCommit/PrepareAbort record is written; the
 * COMMIT/ABORT markers then go to every partition of the transaction and the
 * CompleteCommit/CompleteAbort record follows (coordinator/transaction/). A retry of an
 * EndTxn that already completed with the same result is answered NONE; one still writing
 * its markers CONCURRENT_TRANSACTIONS.
 *
 * Per version: below v2, PRODUCER_FENCED is answered INVALID_PRODUCER_EPOCH (Kafka's
 * KafkaApis).
 *
 * Gaps: v4 (TRANSACTION_ABORTABLE) and v5 (KIP-890 part 2, the epoch bumped on every
 * EndTxn) are not served. Authorization (TRANSACTIONAL_ID WRITE) comes with ACLs.
 */
import { ApiKey, EndTxnRequest, EndTxnResponse } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import { producerFencedFor } from './producer-fenced.ts';
import type { BrokerServices } from './services.ts';

export function endTxnHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.EndTxn,
    request: EndTxnRequest,
    response: EndTxnResponse,
    minVersion: 0,
    maxVersion: 3,
    async handle(req, ctx) {
      const errorCode = await s.transactions.endTxn({
        transactionalId: req.transactionalId, producerId: Number(req.producerId), producerEpoch: req.producerEpoch, committed: req.committed,
      });
      return { throttleTimeMs: 0, errorCode: producerFencedFor(errorCode, ctx.apiVersion >= 2) };
    },
  });
}
