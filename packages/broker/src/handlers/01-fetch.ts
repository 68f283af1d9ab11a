/**
 * Fetch (key 1), v4-16. Long polling with max_wait_ms and min_bytes; max_bytes and
 * partition_max_bytes with KIP-74 (the first partition with data always returns a whole
 * batch); stored batches returned untouched. Topics by id from v13. read_committed
 * (isolation level 1) reads up to the last stable offset and lists the aborted
 * transactions overlapping the returned batches (the consumer drops their records);
 * read_uncommitted answers a null list, as Kafka does.
 * Fetch sessions (KIP-227) are declined: the answer always carries session id 0, so
 * clients keep sending full fetch requests; an incremental request for a session we never
 * created gets FETCH_SESSION_ID_NOT_FOUND.
 * Gaps: v0-3 (would need down-conversion to magic 0/1), follower fetching, preferred read
 * replicas.
 */
import { ApiKey, EMPTY_BUFFER, ErrorCode, FetchRequest, FetchResponse, type Input, type Uuid } from '@samsa/protocol';
import type { FetchInput } from '../cluster/replica-manager.ts';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

type PartitionData = Input<FetchResponse['responses'][number]['partitions'][number]>;

export function fetchHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.Fetch,
    request: FetchRequest,
    response: FetchResponse,
    minVersion: 4,
    maxVersion: 16,
    async handle(req, ctx) {
      const v = ctx.apiVersion;
      if (v >= 7 && req.sessionId !== 0) {
        return { errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
      }
      const inputs: FetchInput[] = [];
      const unknown: Array<{ topic: string; topicId: Uuid; partitions: PartitionData[] }> = [];
      const names = new Map<string, Uuid>();
      for (const t of req.topics) {
        const name = v >= 13 ? s.metadata.topicById(t.topicId)?.name : t.topic;
        if (name === undefined) {
          unknown.push({
            topic: '', topicId: t.topicId,
            partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, highWatermark: -1n })),
          });
          continue;
        }
        names.set(name, t.topicId);
        for (const p of t.partitions) {
          inputs.push({ topic: name, partition: p.partition, fetchOffset: p.fetchOffset, partitionMaxBytes: p.partitionMaxBytes });
        }
      }
      const results = await s.replicas.fetchMessages(inputs, {
        maxWaitMs: Math.max(0, req.maxWaitMs), minBytes: Math.max(0, req.minBytes),
        maxBytes: v >= 3 ? Math.max(0, req.maxBytes) : 0x7fffffff, isolationLevel: req.isolationLevel, signal: ctx.signal,
      });
      const byTopic = new Map<string, PartitionData[]>();
      for (const r of results) {
        let list = byTopic.get(r.topic);
        if (!list) byTopic.set(r.topic, list = []);
        list.push({
          partitionIndex: r.partition, errorCode: r.errorCode, highWatermark: r.highWatermark,
          lastStableOffset: r.lastStableOffset, logStartOffset: r.logStartOffset,
          // Kafka sends empty record sets, never null: librdkafka cannot parse a null one.
          abortedTransactions: r.abortedTransactions === null ? (req.isolationLevel === 1 ? [] : null)
            : r.abortedTransactions.map((t) => ({ producerId: BigInt(t.producerId), firstOffset: BigInt(t.firstOffset) })),
          records: r.records ?? EMPTY_BUFFER,
        });
      }
      const responses = [...byTopic].map(([topic, partitions]) => ({ topic, topicId: names.get(topic)!, partitions }));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses: [...responses, ...unknown] };
    },
  });
}
