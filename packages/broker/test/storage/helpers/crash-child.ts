/**
 * The process the crash tests kill -9: appends numbered batches to a real log as fast as
 * it can (8 in flight) and prints `ack <seq>` once each append is acknowledged. Batch
 * `seq` holds 1 + seq % 4 records whose values are `<seq>:<j>`, so any reader can tell
 * what a prefix should look like from offsets alone.
 *
 * Usage: node crash-child.ts <log.dir> <flush|noflush>
 */
import { buildRecordBatch } from '@samsa/protocol';
import { LogManager } from '../../../src/storage/log-manager.ts';

export function recordsInBatch(seq: number): number {
  return 1 + (seq % 4);
}

export function crashBatch(seq: number): Buffer {
  const n = recordsInBatch(seq);
  const records = Array.from({ length: n }, (_, j) => ({ key: `k${seq % 97}`, value: `${seq}:${j}`.padEnd(200, '.'), timestamp: 1_700_000_000_000 + seq }));
  return buildRecordBatch(records, { baseTimestamp: 1_700_000_000_000 + seq });
}

/** The seq of the batch that starts at `offset` (offsets are the running sum of record counts). */
export function seqAtOffset(offset: number): number {
  let seq = 0;
  let at = 0;
  while (at < offset) at += recordsInBatch(seq++);
  if (at !== offset) throw new Error(`offset ${offset} is inside a batch`);
  return seq;
}

async function main(dir: string, mode: string): Promise<void> {
  const manager = await LogManager.start({
    logDirs: [dir],
    defaultConfig: {
      segmentBytes: 48 * 1024,
      indexIntervalBytes: 1024,
      ...(mode === 'flush' ? { flushMessages: 1 } : {}),
    },
    checkpointIntervalMs: 50,
    retentionCheckIntervalMs: 1_000_000,
  });
  const log = await manager.getOrCreateLog('crash', 0);
  let seq = seqAtOffset(log.logEndOffset);
  process.stdout.write(`ready ${seq}\n`);
  const inFlight = new Set<Promise<void>>();
  for (;;) {
    const mine = seq++;
    const p: Promise<void> = log.append(crashBatch(mine)).then(() => {
      process.stdout.write(`ack ${mine}\n`);
    }).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 8) await Promise.race(inFlight);
  }
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1] && process.argv.length >= 4) {
  main(process.argv[2]!, process.argv[3]!).catch((err: unknown) => {
    process.stderr.write(`crash-child failed: ${String((err as Error).stack ?? err)}\n`);
    process.exit(1);
  });
}
