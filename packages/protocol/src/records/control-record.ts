import { CorruptRecordError } from '../errors.ts';
import { buildRecordBatch } from './record-batch-builder.ts';
import type { RecordBatch, RecordReadOptions } from './record-batch.ts';

/**
 * Control record types: the key of a control batch's single record is
 * `version int16, type int16`. ABORT and COMMIT are transaction markers (KIP-98); the
 * rest belong to KRaft's metadata log.
 */
export const ControlRecordType = {
  ABORT: 0,
  COMMIT: 1,
  LEADER_CHANGE: 2,
  SNAPSHOT_HEADER: 3,
  SNAPSHOT_FOOTER: 4,
  KRAFT_VERSION: 5,
  KRAFT_VOTERS: 6,
} as const;
export type ControlRecordType = (typeof ControlRecordType)[keyof typeof ControlRecordType];

export interface ControlRecordKey {
  version: number;
  /** A ControlRecordType, or an unknown type from a newer Kafka. */
  type: number;
}

export const CURRENT_CONTROL_RECORD_KEY_VERSION = 0;
export const CURRENT_END_TXN_MARKER_VERSION = 0;

export function encodeControlRecordKey(type: number, version = CURRENT_CONTROL_RECORD_KEY_VERSION): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt16BE(version, 0);
  b.writeInt16BE(type, 2);
  return b;
}

/** Reads a control record key; like Kafka, a longer key from a newer version is accepted. */
export function decodeControlRecordKey(key: Buffer | null): ControlRecordKey {
  if (key === null || key.length < 4) throw new CorruptRecordError(`control record key of ${key?.length ?? 'null'} bytes, needs 4`);
  const version = key.readInt16BE(0);
  if (version < 0) throw new CorruptRecordError(`control record key version ${version}`);
  return { version, type: key.readInt16BE(2) };
}

export interface EndTransactionMarker {
  type: typeof ControlRecordType.ABORT | typeof ControlRecordType.COMMIT;
  coordinatorEpoch: number;
  version: number;
}

export function encodeEndTransactionMarkerValue(coordinatorEpoch: number, version = CURRENT_END_TXN_MARKER_VERSION): Buffer {
  const b = Buffer.allocUnsafe(6);
  b.writeInt16BE(version, 0);
  b.writeInt32BE(coordinatorEpoch, 2);
  return b;
}

export function decodeEndTransactionMarkerValue(value: Buffer | null): { version: number; coordinatorEpoch: number } {
  if (value === null || value.length < 6) throw new CorruptRecordError(`transaction marker value of ${value?.length ?? 'null'} bytes, needs 6`);
  const version = value.readInt16BE(0);
  if (version < 0) throw new CorruptRecordError(`transaction marker version ${version}`);
  return { version, coordinatorEpoch: value.readInt32BE(2) };
}

export interface EndTransactionMarkerBatchOptions {
  type: typeof ControlRecordType.ABORT | typeof ControlRecordType.COMMIT;
  producerId: bigint;
  producerEpoch: number;
  coordinatorEpoch: number;
  timestamp: number | bigint;
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
}

/** Builds the control batch a transaction coordinator's WriteTxnMarkers appends. */
export function buildEndTransactionMarkerBatch(o: EndTransactionMarkerBatchOptions): Buffer {
  return buildRecordBatch([{
    key: encodeControlRecordKey(o.type),
    value: encodeEndTransactionMarkerValue(o.coordinatorEpoch),
    timestamp: o.timestamp,
  }], {
    baseOffset: o.baseOffset ?? 0n,
    partitionLeaderEpoch: o.partitionLeaderEpoch ?? -1,
    control: true,
    transactional: true,
    producerId: o.producerId,
    producerEpoch: o.producerEpoch,
    // Markers carry no sequence: they are not part of the producer's idempotent stream.
    baseSequence: -1,
  });
}

/**
 * The transaction marker a control batch holds, or null when the batch is not a control
 * batch or holds another control type.
 */
export function readEndTransactionMarker(batch: RecordBatch, options?: RecordReadOptions): EndTransactionMarker | null {
  if (!batch.isControl) return null;
  for (const r of batch.records(options)) {
    const key = decodeControlRecordKey(r.key);
    if (key.type !== ControlRecordType.ABORT && key.type !== ControlRecordType.COMMIT) return null;
    const { version, coordinatorEpoch } = decodeEndTransactionMarkerValue(r.value);
    return { type: key.type, coordinatorEpoch, version };
  }
  throw new CorruptRecordError('control batch holds no record');
}

/** The control type of a control batch's record, without reading the value. */
export function readControlRecordType(batch: RecordBatch, options?: RecordReadOptions): number | null {
  if (!batch.isControl) return null;
  for (const r of batch.records(options)) return decodeControlRecordKey(r.key).type;
  throw new CorruptRecordError('control batch holds no record');
}
