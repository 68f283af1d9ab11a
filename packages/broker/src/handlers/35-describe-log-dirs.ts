/**
 * DescribeLogDirs (key 35), v0-4: each log dir with the partitions in it and their sizes;
 * v4 adds the file system's total and usable bytes. A null topic list means all.
 */
import { statfs } from 'node:fs/promises';
import { ApiKey, DescribeLogDirsRequest, DescribeLogDirsResponse, ErrorCode } from '@samsa/protocol';
import { resolve, sep } from 'node:path';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function describeLogDirsHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.DescribeLogDirs,
    request: DescribeLogDirsRequest,
    response: DescribeLogDirsResponse,
    minVersion: 0,
    maxVersion: 4,
    async handle(req) {
      const wanted = req.topics === null ? null : new Map(req.topics.map((t) => [t.topic, new Set(t.partitions)]));
      const sizes = s.replicas.partitionSizes().filter((p) => wanted === null || wanted.get(p.topic)?.has(p.partition));
      const results = [];
      for (const dir of s.logDirs) {
        const root = resolve(dir) + sep;
        const byTopic = new Map<string, Array<{ partitionIndex: number; partitionSize: bigint; offsetLag: bigint; isFutureKey: boolean }>>();
        for (const p of sizes) {
          if (!resolve(p.dir).startsWith(root)) continue;
          let list = byTopic.get(p.topic);
          if (!list) byTopic.set(p.topic, list = []);
          list.push({ partitionIndex: p.partition, partitionSize: BigInt(p.size), offsetLag: 0n, isFutureKey: false });
        }
        let totalBytes = -1n;
        let usableBytes = -1n;
        try {
          const st = await statfs(dir, { bigint: true });
          totalBytes = st.blocks * st.bsize;
          usableBytes = st.bavail * st.bsize;
        } catch {
          // Sizes stay -1 (unknown), as Kafka reports them when it cannot tell.
        }
        results.push({
          errorCode: ErrorCode.NONE, logDir: resolve(dir), totalBytes, usableBytes,
          topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
        });
      }
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, results };
    },
  });
}
