/**
 * The coordinators' window on an internal topic (`__consumer_offsets`): appends go through
 * the replica manager like any produce (validation, offsets, high watermark, waking
 * fetchers), and loading reads the partition's stored batches from its log start.
 */
import { buildRecordBatch, ErrorCode, RecordBatch, BatchOffsets, LOG_OVERHEAD } from '@samsa/protocol';
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
    if (transaction !== undefined) throw new CoordinatorAppendError(ErrorCode.UNKNOWN_SERVER_ERROR, 'transactional coordinator appends are not implemented yet');
    const batch = buildRecordBatch(records.map((r) => ({ key: r.key, value: r.value, timestamp: timestampMs })));
    const [result] = await this.#replicas.appendRecords([{ topic: this.#topic, partition, records: batch }]);
    if (result!.errorCode !== ErrorCode.NONE) {
      throw new CoordinatorAppendError(result!.errorCode, `append to ${this.#topic}-${partition} failed: ${result!.errorMessage ?? result!.errorCode}`);
    }
  }

  appendEndTransactionMarker(partition: number, marker: TransactionMarker): Promise<void> {
    return Promise.reject(new CoordinatorAppendError(ErrorCode.UNKNOWN_SERVER_ERROR,
      `transaction markers are not implemented yet (${this.#topic}-${partition}, producer ${marker.producerId})`));
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
        if (batch.isControl) continue;
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
