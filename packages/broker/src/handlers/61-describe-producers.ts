/**
 * DescribeProducers (key 61), v0 (KIP-664): per partition, the producers the partition's
 * producer state holds: epoch, last sequence, last timestamp, the coordinator epoch of
 * their last marker and the first offset of their open transaction (-1: none), which is
 * what `kafka-transactions.sh find-hanging` and `describe-producers` read.
 * Errors as Kafka's: UNKNOWN_TOPIC_OR_PARTITION for a topic or partition this broker does
 * not know. Gaps: authorization (TOPIC_AUTHORIZATION_FAILED), NOT_LEADER_OR_FOLLOWER
 * (a single node leads every partition it hosts).
 */
import { ApiKey, DescribeProducersRequest, DescribeProducersResponse, ErrorCode } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function describeProducersHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.DescribeProducers,
    request: DescribeProducersRequest,
    response: DescribeProducersResponse,
    minVersion: 0,
    maxVersion: 0,
    handle(req) {
      const topics = req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => {
          const r = s.replicas.describeProducers(t.name, partitionIndex);
          return {
            partitionIndex,
            errorCode: r.errorCode,
            errorMessage: r.errorCode === ErrorCode.NONE ? null : `${t.name}-${partitionIndex} is not hosted on this broker`,
            activeProducers: r.activeProducers.map((p) => ({
              producerId: BigInt(p.producerId),
              producerEpoch: p.producerEpoch,
              lastSequence: p.lastSequence,
              lastTimestamp: BigInt(p.lastTimestamp),
              coordinatorEpoch: p.coordinatorEpoch,
              currentTxnStartOffset: BigInt(p.currentTxnStartOffset),
            })),
          };
        }),
      }));
      return { throttleTimeMs: 0, topics };
    },
  });
}
