/**
 * Produce (key 0), v3-9, advertised from v0. Versions 0-2 carry legacy message sets and
 * are refused with UNSUPPORTED_VERSION per partition; they are advertised only because
 * librdkafka before 2.11.1 turns off gzip/snappy/lz4 unless the range includes v0
 * (CLIENTS.md §5, as Kafka 4 does under KAFKA-18659).
 * acks 0 (no answer), 1 (after the local append) and -1 (after the high watermark passes
 * the batch: on one node, the same moment); other values get INVALID_REQUIRED_ACKS.
 * Idempotent producers (KIP-98): the log checks producer ids, epochs and sequences, and a
 * retried batch is answered with its first write's base offset.
 * Transactional producers (KIP-98): the request's transactional id goes with the batches;
 * without one every partition gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED (Kafka's answer).
 * A batch that opens a transaction on a partition is first verified with the transaction
 * coordinator (KIP-890 part 1, Kafka 3.6+); a failed verification is answered as Kafka
 * 3.8 answers v3-v10: INVALID_TXN_STATE, or NOT_ENOUGH_REPLICAS for retriable coordinator
 * errors (TRANSACTION_ABORTABLE is v11+, not served).
 * Gaps: quotas, v10-11.
 */
import { ApiKey, ErrorCode, ProduceRequest, ProduceResponse, type Input } from '@samsa/protocol';
import type { ProduceInput, ProduceResult } from '../cluster/replica-manager.ts';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

type TopicResponse = Input<ProduceResponse['responses'][number]>;

export function produceHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.Produce,
    request: ProduceRequest,
    response: ProduceResponse,
    minVersion: 0,
    maxVersion: 9,
    async handle(req, ctx) {
      const errorAll = (errorCode: number): TopicResponse[] => req.topicData.map((t) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p) => ({ index: p.index, errorCode, baseOffset: -1n })),
      }));
      if (ctx.apiVersion < 3) return { responses: errorAll(ErrorCode.UNSUPPORTED_VERSION) };
      if (req.acks !== 0 && req.acks !== 1 && req.acks !== -1) return { responses: errorAll(ErrorCode.INVALID_REQUIRED_ACKS) };
      const inputs: ProduceInput[] = [];
      for (const t of req.topicData) {
        for (const p of t.partitionData) inputs.push({ topic: t.name, partition: p.index, records: p.records, transactionalId: req.transactionalId });
      }
      const results = await s.replicas.appendRecords(inputs);
      if (req.acks === 0) return null;
      return { responses: groupByTopic(results), throttleTimeMs: 0 };
    },
  });
}

function groupByTopic(results: readonly ProduceResult[]): TopicResponse[] {
  const byTopic = new Map<string, Input<ProduceResponse['responses'][number]['partitionResponses'][number]>[]>();
  for (const r of results) {
    let list = byTopic.get(r.topic);
    if (!list) byTopic.set(r.topic, list = []);
    list.push({
      index: r.partition, errorCode: r.errorCode, baseOffset: r.baseOffset, logAppendTimeMs: r.logAppendTimeMs,
      logStartOffset: r.logStartOffset, recordErrors: r.recordErrors, errorMessage: r.errorMessage,
    });
  }
  return [...byTopic].map(([name, partitionResponses]) => ({ name, partitionResponses }));
}
