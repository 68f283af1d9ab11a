/**
 * The broker's TransactionMarkerWriter: where the transaction coordinator's COMMIT and
 * ABORT markers go (what Kafka's WriteTxnMarkers does on the partition's leader). A
 * `__consumer_offsets` partition gets its marker through the group coordinator, which
 * appends it in the partition's turn and commits or drops the producer's pending offsets;
 * every other partition through the replica manager.
 *
 * The group coordinator's own errors (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE,
 * COORDINATOR_LOAD_IN_PROGRESS) are answered NOT_LEADER_OR_FOLLOWER, as Kafka's
 * WriteTxnMarkers answers them, so the marker is retried.
 */
import { ErrorCode } from '@samsa/protocol';
import type { TransactionMarker } from '../coordinator/coordinator-runtime.ts';
import type { TransactionMarkerWriter } from '../coordinator/transaction/transaction-marker-writer.ts';
import type { ReplicaManager } from './replica-manager.ts';

export interface GroupTransactionCompletion {
  completeTransaction(partition: number, marker: TransactionMarker): Promise<number>;
}

export class BrokerTransactionMarkerWriter implements TransactionMarkerWriter {
  readonly #replicas: Pick<ReplicaManager, 'appendTransactionMarker'>;
  readonly #groups: GroupTransactionCompletion;
  readonly #groupMetadataTopic: string;

  constructor(replicas: Pick<ReplicaManager, 'appendTransactionMarker'>, groups: GroupTransactionCompletion, groupMetadataTopic: string) {
    this.#replicas = replicas;
    this.#groups = groups;
    this.#groupMetadataTopic = groupMetadataTopic;
  }

  async writeMarker(topic: string, partition: number, marker: TransactionMarker): Promise<number> {
    if (topic !== this.#groupMetadataTopic) return this.#replicas.appendTransactionMarker(topic, partition, marker);
    const code = await this.#groups.completeTransaction(partition, marker);
    switch (code) {
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
        return ErrorCode.NOT_LEADER_OR_FOLLOWER;
      default:
        return code;
    }
  }
}
