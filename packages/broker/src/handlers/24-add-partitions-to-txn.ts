/**
 * AddPartitionsToTxn (key 24), v0-4: a transactional producer adds partitions to its
 * ongoing transaction before it writes to them (KIP-98); the first one starts the
 * transaction. v0-3 come from clients and carry one transaction; v4 (KIP-890 part 1)
 * comes from brokers and carries a batch, each possibly `verifyOnly`: is the partition
 * already in the transaction? (Samsa's own produce path asks the coordinator directly,
 * without this request.) A partition that does not exist fails its transaction's request:
 * UNKNOWN_TOPIC_OR_PARTITION for it, OPERATION_NOT_ATTEMPTED for the others.
 *
 * Per version: below v2, PRODUCER_FENCED is answered INVALID_PRODUCER_EPOCH (Kafka's
 * KafkaApis); a partition not in the transaction answers verifyOnly with
 * INVALID_TXN_STATE.
 *
 * Gaps: v5 (TRANSACTION_ABORTABLE, KIP-890 part 2) is not served. v4 is not restricted to
 * brokers (Kafka requires CLUSTER_ACTION): that comes with ACLs, as does TOPIC WRITE.
 */
import { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, ApiKey, ErrorCode } from '@samsa/protocol';
import type { AddPartitionsToTxnResults } from '../coordinator/transaction/transaction-coordinator.ts';
import { defineHandler } from './handler.ts';
import { producerFencedFor } from './producer-fenced.ts';
import type { BrokerServices } from './services.ts';

export function addPartitionsToTxnHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.AddPartitionsToTxn,
    request: AddPartitionsToTxnRequest,
    response: AddPartitionsToTxnResponse,
    minVersion: 0,
    maxVersion: 4,
    async handle(req, ctx) {
      const v = ctx.apiVersion;
      if (v < 4) {
        const results = await s.transactions.addPartitionsToTxn({
          transactionalId: req.v3AndBelowTransactionalId, producerId: Number(req.v3AndBelowProducerId),
          producerEpoch: req.v3AndBelowProducerEpoch, verifyOnly: false, topics: req.v3AndBelowTopics,
        });
        return { throttleTimeMs: 0, resultsByTopicV3AndBelow: forVersion(results, v) };
      }
      const resultsByTransaction = await Promise.all(req.transactions.map(async (t) => ({
        transactionalId: t.transactionalId,
        topicResults: await s.transactions.addPartitionsToTxn({
          transactionalId: t.transactionalId, producerId: Number(t.producerId), producerEpoch: t.producerEpoch, verifyOnly: t.verifyOnly, topics: t.topics,
        }),
      })));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction };
    },
  });
}

function forVersion(results: AddPartitionsToTxnResults, v: number): AddPartitionsToTxnResults {
  if (v >= 2) return results;
  return results.map((t) => ({
    name: t.name,
    resultsByPartition: t.resultsByPartition.map((p) => ({
      partitionIndex: p.partitionIndex,
      partitionErrorCode: producerFencedFor(p.partitionErrorCode, false),
    })),
  }));
}
