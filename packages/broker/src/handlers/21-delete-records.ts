/**
 * DeleteRecords (key 21), v0-2: moves each partition's log start offset up to the given
 * offset (-1: the high watermark); segments wholly below it are deleted.
 */
import { ApiKey, DeleteRecordsRequest, DeleteRecordsResponse } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function deleteRecordsHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.DeleteRecords,
    request: DeleteRecordsRequest,
    response: DeleteRecordsResponse,
    minVersion: 0,
    maxVersion: 2,
    async handle(req) {
      const topics = [];
      for (const t of req.topics) {
        const partitions = [];
        for (const p of t.partitions) {
          const r = await s.replicas.deleteRecords(t.name, p.partitionIndex, p.offset);
          partitions.push({ partitionIndex: p.partitionIndex, lowWatermark: r.lowWatermark, errorCode: r.errorCode });
        }
        topics.push({ name: t.name, partitions });
      }
      return { throttleTimeMs: 0, topics };
    },
  });
}
