/**
 * The coordinators' window on an internal topic (`__consumer_offsets`,
 * `__transaction_state`): appends go through the replica manager with the coordinator
 * origin (Kafka's AppendOrigin.COORDINATOR: validation, offsets, high watermark, waking
 * fetchers; producer epochs checked, sequences not), transactional appends are one
 * transactional batch of the given producer (TxnOffsetCommit), markers go through
 * ReplicaManager.appendTransactionMarker, and loading reads the partition's stored
 * batches from its log start, markers included.
 */
import { buildRecordBatch, ErrorCode, RecordBatch, BatchOffsets, LOG_OVERHEAD, readEndTransactionMarker, ControlRecordType } from '@samsa/protocol';
import {
  CoordinatorAppendError, type CoordinatorLog, type CoordinatorRecord, type LoadedMarker, type LoadedRecord, type TransactionMarker,
} from '../coordinator/coordinator-runtime.ts';
import type { ReplicaManager } from './replica-manager.ts';

const LOAD_CHUNK_BYTES = 1024 * 1024;

export class CoordinatorPartitionLog implements CoordinatorLog {
  readonly #topic: string;
  readonly #replicas: ReplicaManager;

  constructor(topic: string, replicas: ReplicaManager) {
    this.#topic = topic;
    this.#replicas = replicas;
  }

  async append(partition: number, records: readonly CoordinatorRecord[], timestampMs: number,
    transaction?: { producerId: number; producerEpoch: number }): Promise<void> {
    const batch = buildRecordBatch(records.map((r) => ({ key: r.key, value: r.value, timestamp: timestampMs })),
      transaction === undefined ? {} : {
        transactional: true, producerId: BigInt(transaction.producerId), producerEpoch: transaction.producerEpoch,
        // Coordinator writes carry no sequence: only their epoch is checked (Kafka's TxnOffsetCommit).
        baseSequence: -1,
      });
    const result = await this.#replicas.appendCoordinatorRecords(this.#topic, partition, batch);
    if (result.errorCode !== ErrorCode.NONE) {
      throw new CoordinatorAppendError(result.errorCode, `append to ${this.#topic}-${partition} failed: ${result.errorMessage ?? result.errorCode}`);
    }
  }

  async appendEndTransactionMarker(partition: number, marker: TransactionMarker): Promise<void> {
    const code = await this.#replicas.appendTransactionMarker(this.#topic, partition, marker);
    if (code !== ErrorCode.NONE) {
      throw new CoordinatorAppendError(code, `transaction marker for producer ${marker.producerId} on ${this.#topic}-${partition} failed: ${code}`);
    }
  }

  async *read(partition: number): AsyncIterable<LoadedRecord | LoadedMarker> {
    const p = this.#replicas.getPartition(this.#topic, partition);
    if (p === undefined) throw new CoordinatorAppendError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${this.#topic}-${partition} is not hosted here`);
    let offset = p.log.logStartOffset;
    for (;;) {
      const data = await p.log.read(offset, { maxBytes: LOAD_CHUNK_BYTES, isolation: 'high_watermark', minOneMessage: true });
      if (data.records.length === 0) return;
      let pos = 0;
      while (pos + LOG_OVERHEAD <= data.records.length) {
        const size = data.records.readInt32BE(pos + BatchOffsets.batchLength) + LOG_OVERHEAD;
        const batch = new RecordBatch(data.records.subarray(pos, pos + size));
        pos += size;
        if (batch.isControl) {
          const m = batch.recordCount > 0 && batch.baseOffset >= BigInt(offset) ? readEndTransactionMarker(batch) : null;
          if (m !== null) {
            yield {
              offset: Number(batch.baseOffset),
              marker: {
                producerId: Number(batch.producerId), producerEpoch: batch.producerEpoch, coordinatorEpoch: m.coordinatorEpoch,
                committed: m.type === ControlRecordType.COMMIT,
              },
            };
          }
          continue;
        }
        for (const r of batch.records()) {
          if (r.key === null || r.offset < BigInt(offset)) continue;
          yield {
            offset: Number(r.offset), producerId: Number(batch.producerId), producerEpoch: batch.producerEpoch, transactional: batch.isTransactional,
            record: { key: r.key, value: r.value },
          };
        }
      }
      offset = data.nextOffset;
    }
  }
}
