/**
 * The process the producer-state crash test kills -9: an idempotent producer writing
 * straight into a real log. Batch `b` holds 1 + b % 4 records (values `<b>:<j>`) at
 * sequence `firstSeqOf(b)`; at most five appends are in flight, as with a real producer.
 * It starts at batch `<from>` (everything the test has not seen acknowledged, so the
 * first few may be retries of batches already in the log) and prints
 * `ack <batch> <baseOffset> <dup|new>` for each answer.
 *
 * Usage: node idempotent-crash-child.ts <log.dir> <from>
 */
import { buildRecordBatch } from '@samsa/protocol';
import { LogManager } from '../../../src/storage/log-manager.ts';

export const CRASH_PRODUCER_ID = 77n;

export function recordsIn(batch: number): number {
  return 1 + (batch % 4);
}

/** Sequence (and, as every batch is stored exactly once, offset) of batch `b`'s first record. */
export function firstSeqOf(batch: number): number {
  let seq = 0;
  for (let b = 0; b < batch; b++) seq += recordsIn(b);
  return seq;
}

export function idempotentCrashBatch(batch: number, seq: number): Buffer {
  const records = Array.from({ length: recordsIn(batch) }, (_, j) => ({ value: `${batch}:${j}`.padEnd(120, '.'), timestamp: 1_700_000_000_000 + batch }));
  return buildRecordBatch(records, { producerId: CRASH_PRODUCER_ID, producerEpoch: 0, baseSequence: seq });
}

async function main(dir: string, from: number): Promise<void> {
  const manager = await LogManager.start({
    logDirs: [dir], defaultConfig: { segmentBytes: 8 * 1024, indexIntervalBytes: 1024 }, checkpointIntervalMs: 50, retentionCheckIntervalMs: 1_000_000,
  });
  const log = await manager.getOrCreateLog('idem', 0);
  process.stdout.write(`ready ${log.logEndOffset}\n`);
  let seq = firstSeqOf(from);
  const inFlight = new Set<Promise<void>>();
  for (let b = from; ; b++) {
    const p: Promise<void> = log.append(idempotentCrashBatch(b, seq)).then((info) => {
      process.stdout.write(`ack ${b} ${info.firstOffset} ${info.duplicate ? 'dup' : 'new'}\n`);
    }, (err: unknown) => {
      process.stdout.write(`error ${b} ${String(err)}\n`);
    }).finally(() => inFlight.delete(p));
    inFlight.add(p);
    seq += recordsIn(b);
    if (inFlight.size >= 5) await Promise.race(inFlight);
  }
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1] && process.argv.length >= 4) {
  main(process.argv[2]!, Number(process.argv[3])).catch((err: unknown) => {
    process.stderr.write(`idempotent-crash-child failed: ${String((err as Error).stack ?? err)}\n`);
    process.exit(1);
  });
}
