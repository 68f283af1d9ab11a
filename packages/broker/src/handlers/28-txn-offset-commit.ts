/**
 * TxnOffsetCommit (key 28), v0-4: a transactional producer commits a consumer group's
 * offsets inside its transaction (KIP-98). The offsets are written to the group's
 * `__consumer_offsets` partition in a transactional batch of the producer and stay pending
 * (invisible to OffsetFetch, UNSTABLE_OFFSET_COMMIT with require_stable) until the
 * transaction's marker commits or aborts them; see coordinator/group/offset-manager.ts.
 * v2+ carry the committed leader epoch. v3+ carry the consumer's generation, member id and
 * group.instance.id (KIP-447), checked against the group: ILLEGAL_GENERATION,
 * UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID; v0-2 commit without them, whatever the group's
 * state. Partitions of unknown topics get UNKNOWN_TOPIC_OR_PARTITION, as Kafka's request
 * handler answers before the coordinator sees them.
 *
 * Per-version answers, as Kafka's KafkaApis gives them:
 * - v0-1: COORDINATOR_LOAD_IN_PROGRESS becomes COORDINATOR_NOT_AVAILABLE (producers before
 *   Kafka 2.0 treat the former as fatal, KAFKA-7296).
 * - v0-3: TRANSACTION_ABORTABLE (KIP-890, known from v4) becomes INVALID_TXN_STATE.
 * - PRODUCER_FENCED (KIP-588) is not in this API's version history at all: a fenced epoch
 *   is answered INVALID_PRODUCER_EPOCH, the code Kafka's append check gives, which every
 *   client version treats as fenced.
 *
 * KIP-890 part 1: the group's `__consumer_offsets` partition must be in the producer's
 * ongoing transaction (AddOffsetsToTxn) or every partition gets the transaction
 * coordinator's answer (INVALID_TXN_STATE, INVALID_PRODUCER_EPOCH, ...). Unlike Kafka, no
 * verification guard travels with the append, so an abort landing between the check and
 * the write could still leave these offsets pending until the producer's next marker.
 * Gaps: v5 (KIP-890 part 2, the partition added implicitly) is not served. Authorization comes with ACLs.
 */
import { ApiKey, ErrorCode, TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '@samsa/protocol';
import { GROUP_METADATA_TOPIC } from '../coordinator/group/group-coordinator.ts';
import { commitPartitions } from './commit-partitions.ts';
import { defineHandler } from './handler.ts';
import { producerFencedFor } from './producer-fenced.ts';
import type { BrokerServices } from './services.ts';

/** The error code a client of this version understands for `errorCode`. */
export function txnOffsetCommitErrorForVersion(errorCode: number, version: number): number {
  if (version < 2 && errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (version < 4 && errorCode === ErrorCode.TRANSACTION_ABORTABLE) return ErrorCode.INVALID_TXN_STATE;
  return producerFencedFor(errorCode, false);
}

export function txnOffsetCommitHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.TxnOffsetCommit,
    request: TxnOffsetCommitRequest,
    response: TxnOffsetCommitResponse,
    minVersion: 0,
    maxVersion: 4,
    async handle(req, ctx) {
      const v = ctx.apiVersion;
      const { known, answer } = commitPartitions(s.metadata, req.topics, (p) => ({
        partitionIndex: p.partitionIndex,
        committedOffset: p.committedOffset,
        committedLeaderEpoch: v >= 2 ? p.committedLeaderEpoch : -1,
        committedMetadata: p.committedMetadata,
      }));
      // KIP-890: the group's partition must be in the producer's ongoing transaction
      // (AddOffsetsToTxn came first), or the offsets could open a transaction nobody ends.
      const verified = known.length === 0 ? ErrorCode.NONE : await s.transactions.verifyTransaction(req.transactionalId,
        Number(req.producerId), req.producerEpoch, GROUP_METADATA_TOPIC, s.groups.partitionFor(req.groupId));
      const results = known.length === 0 || verified !== ErrorCode.NONE ? [] : await s.groups.txnOffsetCommit({
        transactionalId: req.transactionalId,
        groupId: req.groupId,
        producerId: Number(req.producerId),
        producerEpoch: req.producerEpoch,
        generationId: v >= 3 ? req.generationId : -1,
        memberId: v >= 3 ? req.memberId : '',
        groupInstanceId: v >= 3 ? req.groupInstanceId : null,
        topics: known,
      });
      const topics = answer(results, verified).map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: txnOffsetCommitErrorForVersion(p.errorCode, v) })),
      }));
      return { throttleTimeMs: 0, topics };
    },
  });
}
