/**
 * ListOffsets (key 2), v0-8. Timestamps -2 (earliest), -1 (latest: the high watermark, or
 * the last stable offset under read_committed, v2+), -3 (largest timestamp, v7+, KIP-734),
 * or a time: the first offset whose batch timestamp is at least that. v0 answers in the
 * old style (a list of offsets, at most max_num_offsets, here the one found). From v1 on,
 * a partition named more than once in the request gets INVALID_REQUEST each time (Kafka's
 * duplicatePartitions), before anything is looked up.
 */
import { ApiKey, ErrorCode, ListOffsetsRequest, ListOffsetsResponse } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function listOffsetsHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.ListOffsets,
    request: ListOffsetsRequest,
    response: ListOffsetsResponse,
    minVersion: 0,
    maxVersion: 8,
    async handle(req, ctx) {
      const v = ctx.apiVersion;
      const seen = new Set<string>();
      const duplicates = new Set<string>();
      if (v >= 1) {
        for (const t of req.topics) {
          for (const p of t.partitions) {
            const key = `${p.partitionIndex} ${t.name}`;
            if (seen.has(key)) duplicates.add(key);
            seen.add(key);
          }
        }
      }
      const topics = [];
      for (const t of req.topics) {
        const partitions = [];
        for (const p of t.partitions) {
          if (duplicates.has(`${p.partitionIndex} ${t.name}`)) {
            partitions.push({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.INVALID_REQUEST });
            continue;
          }
          if (p.timestamp === -3n && v < 7) {
            partitions.push({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNSUPPORTED_VERSION });
            continue;
          }
          const r = await s.replicas.listOffset(t.name, p.partitionIndex, p.timestamp, v >= 2 ? req.isolationLevel : 0);
          partitions.push(v === 0
            ? { partitionIndex: p.partitionIndex, errorCode: r.errorCode, oldStyleOffsets: r.offset >= 0n && p.maxNumOffsets > 0 ? [r.offset] : [] }
            : { partitionIndex: p.partitionIndex, errorCode: r.errorCode, timestamp: r.timestamp, offset: r.offset, ...(v >= 4 ? { leaderEpoch: r.leaderEpoch } : {}) });
        }
        topics.push({ name: t.name, partitions });
      }
      return { throttleTimeMs: 0, topics };
    },
  });
}
