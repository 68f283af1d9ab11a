/**
 * AddOffsetsToTxn (key 25), v0-3: a transactional producer about to commit a consumer
 * group's offsets (TxnOffsetCommit) adds the group's `__consumer_offsets` partition to its
 * transaction, so the transaction's marker reaches the group coordinator (KIP-98).
 *
 * Per version: below v2, PRODUCER_FENCED is answered INVALID_PRODUCER_EPOCH (Kafka's
 * KafkaApis).
 *
 * Gaps: v4 (TRANSACTION_ABORTABLE, KIP-890 part 2) is not served. Authorization
 * (TRANSACTIONAL_ID WRITE, GROUP READ) comes with ACLs.
 */
import { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse, ApiKey } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import { producerFencedFor } from './producer-fenced.ts';
import type { BrokerServices } from './services.ts';

export function addOffsetsToTxnHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.AddOffsetsToTxn,
    request: AddOffsetsToTxnRequest,
    response: AddOffsetsToTxnResponse,
    minVersion: 0,
    maxVersion: 3,
    async handle(req, ctx) {
      const errorCode = await s.transactions.addOffsetsToTxn({
        transactionalId: req.transactionalId, producerId: Number(req.producerId), producerEpoch: req.producerEpoch, groupId: req.groupId,
      });
      return { throttleTimeMs: 0, errorCode: producerFencedFor(errorCode, ctx.apiVersion >= 2) };
    },
  });
}
