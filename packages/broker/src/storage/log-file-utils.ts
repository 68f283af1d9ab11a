/**
 * File names of a partition's log directory, in one place (Kafka's LogFileUtils).
 *
 * Layout of `<log.dir>/<topic>-<partition>/`:
 *   00000000000000000000.log        record batches, exactly as served
 *   00000000000000000000.index      sparse offset index (OffsetIndex)
 *   00000000000000000000.timeindex  sparse time index (TimeIndex)
 *   00000000000000000000.txnindex   aborted transactions whose markers are in the segment (TransactionIndex; only when there are any)
 *   *.cleaned                       a LogCleaner output being written; deleted at startup
 *   *.swap                          a finished cleaner output; completes its swap at startup
 *   *.deleted                       a segment removed by retention; unlinked after file.delete.delay.ms
 *   00000000000000000000.snapshot   producer state as of that offset (ProducerStateManager)
 *   leader-epoch-checkpoint         (later: replication)
 * and in each log.dir: recovery-point-offset-checkpoint, log-start-offset-checkpoint,
 * cleaner-offset-checkpoint and the clean-shutdown marker.
 */

export const LOG_FILE_SUFFIX = '.log';
export const INDEX_FILE_SUFFIX = '.index';
export const TIME_INDEX_FILE_SUFFIX = '.timeindex';
export const TXN_INDEX_FILE_SUFFIX = '.txnindex';
export const CLEANED_FILE_SUFFIX = '.cleaned';
export const SWAP_FILE_SUFFIX = '.swap';
export const DELETED_FILE_SUFFIX = '.deleted';
export const TMP_FILE_SUFFIX = '.tmp';
export const PRODUCER_SNAPSHOT_FILE_SUFFIX = '.snapshot';

export const RECOVERY_POINT_CHECKPOINT_FILE = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT_FILE = 'log-start-offset-checkpoint';
export const CLEANER_OFFSET_CHECKPOINT_FILE = 'cleaner-offset-checkpoint';
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';

const OFFSET_DIGITS = 20;

/** `42` → `00000000000000000042`: zero padding keeps `ls` order equal to offset order. */
export function filenamePrefixFromOffset(offset: number): string {
  return String(offset).padStart(OFFSET_DIGITS, '0');
}

export function logFileName(baseOffset: number): string {
  return filenamePrefixFromOffset(baseOffset) + LOG_FILE_SUFFIX;
}

export function indexFileName(baseOffset: number): string {
  return filenamePrefixFromOffset(baseOffset) + INDEX_FILE_SUFFIX;
}

export function timeIndexFileName(baseOffset: number): string {
  return filenamePrefixFromOffset(baseOffset) + TIME_INDEX_FILE_SUFFIX;
}

export function transactionIndexFileName(baseOffset: number): string {
  return filenamePrefixFromOffset(baseOffset) + TXN_INDEX_FILE_SUFFIX;
}

/** `<offset>.snapshot`: the producer state after every batch below `offset`. */
export function producerSnapshotFileName(offset: number): string {
  return filenamePrefixFromOffset(offset) + PRODUCER_SNAPSHOT_FILE_SUFFIX;
}

/** The base offset of `00000000000000000042.log[.swap]`, or null if the name is not a segment file. */
export function offsetFromFileName(name: string): number | null {
  const m = /^(\d{20})\./.exec(name);
  if (m === null) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : null;
}

/** Directory name of a partition: `topic-partition` (Kafka's). */
export function logDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Inverse of logDirName; topics may contain '-', so the partition is after the last one. */
export function parseLogDirName(name: string): { topic: string; partition: number } | null {
  const i = name.lastIndexOf('-');
  if (i <= 0) return null;
  const partition = Number(name.slice(i + 1));
  if (!Number.isInteger(partition) || partition < 0 || name.slice(i + 1) === '') return null;
  return { topic: name.slice(0, i), partition };
}
