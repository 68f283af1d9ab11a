/**
 * The records of `__transaction_state`, in Kafka's byte layout (TransactionLogKey and
 * TransactionLogValue) so Kafka's tools can read the topic:
 *
 *   key    int16 version (0), transactionalId: int16-length string
 *   value  int16 version (0), producerId: int64, producerEpoch: int16,
 *          transactionTimeoutMs: int32, transactionStatus: int8,
 *          transactionPartitions: nullable [topic: string, partitionIds: [int32]],
 *          transactionLastUpdateTimestampMs: int64, transactionStartTimestampMs: int64
 *
 * Version 1 of the value (Kafka 4's first flexible version: compact strings and arrays,
 * tagged fields) is read, never written. A null value is a tombstone: the transactional
 * id expired. Status numbers are Kafka's TransactionState ids (see `TxnState`).
 */
import { Reader, Writer } from '@samsa/protocol';
import type { CoordinatorRecord } from '../coordinator-runtime.ts';

/** Kafka's TransactionState, with the ids the log stores. */
export const TxnState = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
} as const;
export type TxnState = (typeof TxnState)[keyof typeof TxnState];

const stateNames: readonly string[] = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'];

/** The name DescribeTransactions and ListTransactions use (Kafka's TransactionState.name). */
export function txnStateName(state: TxnState): string {
  return stateNames[state]!;
}

/** The state of a name, as ListTransactions filters give it (case-sensitive, as Kafka's fromName). */
export function txnStateFromName(name: string): TxnState | undefined {
  const i = stateNames.indexOf(name);
  return i < 0 ? undefined : (i as TxnState);
}

export interface TopicPartitionIds {
  topic: string;
  partitionIds: number[];
}

export interface TransactionLogValue {
  producerId: number;
  producerEpoch: number;
  transactionTimeoutMs: number;
  state: TxnState;
  partitions: TopicPartitionIds[];
  lastUpdateTimestampMs: number;
  startTimestampMs: number;
}

export function transactionLogKey(transactionalId: string): Buffer {
  return new Writer(4 + transactionalId.length * 3).int16(0).string(transactionalId).toBuffer();
}

/** The transactional id of a key, or null for a key version this release does not know (skipped, as Kafka does). */
export function readTransactionLogKey(key: Buffer): string | null {
  const r = new Reader(key);
  const version = r.int16();
  if (version !== 0) return null;
  return r.string();
}

export function transactionLogValue(v: TransactionLogValue): Buffer {
  const w = new Writer(64);
  w.int16(0).int64(BigInt(v.producerId)).int16(v.producerEpoch).int32(v.transactionTimeoutMs).int8(v.state);
  w.int32(v.partitions.length);
  for (const p of v.partitions) {
    w.string(p.topic).int32(p.partitionIds.length);
    for (const id of p.partitionIds) w.int32(id);
  }
  w.int64(BigInt(v.lastUpdateTimestampMs)).int64(BigInt(v.startTimestampMs));
  return w.toBuffer();
}

export function readTransactionLogValue(value: Buffer): TransactionLogValue {
  const r = new Reader(value);
  const version = r.int16();
  if (version !== 0 && version !== 1) throw new Error(`unknown TransactionLogValue version ${version}`);
  const flexible = version >= 1;
  const producerId = Number(r.int64());
  const producerEpoch = r.int16();
  const transactionTimeoutMs = r.int32();
  const status = r.int8();
  if (status < 0 || status >= stateNames.length) throw new Error(`unknown transaction status ${status}`);
  const count = flexible ? r.compactArrayLength(2) : r.arrayLength(6);
  const partitions: TopicPartitionIds[] = [];
  for (let i = 0; i < count; i++) {
    const topic = flexible ? r.compactString() : r.string();
    const n = flexible ? r.compactArrayLength(4) : r.arrayLength(4);
    const partitionIds: number[] = [];
    for (let j = 0; j < n; j++) partitionIds.push(r.int32());
    if (flexible) skipTaggedFields(r);
    partitions.push({ topic, partitionIds });
  }
  const lastUpdateTimestampMs = Number(r.int64());
  const startTimestampMs = Number(r.int64());
  return { producerId, producerEpoch, transactionTimeoutMs, state: status as TxnState, partitions, lastUpdateTimestampMs, startTimestampMs };
}

function skipTaggedFields(r: Reader): void {
  const n = r.uvarint();
  for (let i = 0; i < n; i++) {
    r.uvarint();
    r.raw(r.uvarint());
  }
}

export const transactionRecord = (transactionalId: string, value: TransactionLogValue | null): CoordinatorRecord =>
  ({ key: transactionLogKey(transactionalId), value: value === null ? null : transactionLogValue(value) });
