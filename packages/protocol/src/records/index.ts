export * from './batch-header.ts';
export { crc32c, crc32cImplementation } from './crc32c.ts';
export { DefaultRecord, MIN_RECORD_SIZE } from './record.ts';
export type { RecordHeader, RecordHeaderInput, RecordInput } from './record.ts';
export {
  RecordBatch, NO_PRODUCER_ID, NO_PRODUCER_EPOCH, NO_SEQUENCE, NO_TIMESTAMP, NO_PARTITION_LEADER_EPOCH,
} from './record-batch.ts';
export type { RecordReadOptions } from './record-batch.ts';
export { buildRecordBatch } from './record-batch-builder.ts';
export type { RecordBatchOptions } from './record-batch-builder.ts';
export {
  ControlRecordType, CURRENT_CONTROL_RECORD_KEY_VERSION, CURRENT_END_TXN_MARKER_VERSION,
  encodeControlRecordKey, decodeControlRecordKey, encodeEndTransactionMarkerValue, decodeEndTransactionMarkerValue,
  buildEndTransactionMarkerBatch, readEndTransactionMarker, readControlRecordType,
} from './control-record.ts';
export type { ControlRecordKey, EndTransactionMarker, EndTransactionMarkerBatchOptions } from './control-record.ts';
export {
  LegacyEntry, LegacyOffsets, LEGACY_MESSAGE_OVERHEAD_V0, LEGACY_MESSAGE_OVERHEAD_V1, NO_TIMESTAMP_TYPE,
  readLegacyRecords, buildLegacyMessageSet,
} from './legacy-message-set.ts';
export type { LegacyRecord, LegacyRecordInput, LegacyMessageSetOptions } from './legacy-message-set.ts';
export { walkRecordEntries } from './record-entries.ts';
export type { RecordEntryInfo, WalkOptions } from './record-entries.ts';
export { validateRecordBatches } from './batch-validation.ts';
export type { RecordBatchesInfo, ValidateOptions } from './batch-validation.ts';
