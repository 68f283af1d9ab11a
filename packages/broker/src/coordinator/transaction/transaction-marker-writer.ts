/**
 * Where the transaction coordinator writes COMMIT and ABORT markers: the seam between the
 * coordinator (no storage, no network) and the partitions of a transaction. The broker
 * implements it in cluster/transaction-marker-writer.ts (data partitions through the
 * replica manager, `__consumer_offsets` partitions through the group coordinator); tests
 * record the markers and fail them at will.
 */
import type { TransactionMarker } from '../coordinator-runtime.ts';

export type { TransactionMarker };

export interface TransactionMarkerWriter {
  /** Writes the marker to one partition; resolves to a Kafka error code (NONE when written). */
  writeMarker(topic: string, partition: number, marker: TransactionMarker): Promise<number>;
}
