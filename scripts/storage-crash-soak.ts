/**
 * Long crash soak for storage (issue 3): kill -9 a child appending to a real log at random
 * moments, restart, verify prefix / no half batch / every acknowledged batch, repeat.
 *
 *   node scripts/storage-crash-soak.ts --duration 600 [--mode flush|noflush|both] [--seed N] [--dir PATH]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCrashLoop } from '../packages/broker/test/storage/helpers/crash-harness.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '300' },
    mode: { type: 'string', default: 'both' },
    seed: { type: 'string' },
    dir: { type: 'string' },
  },
});
const seconds = Number(values.duration);
const seed = Number(values.seed ?? Date.now() % 100000);
let s = seed;
const random = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
const modes = values.mode === 'both' ? (['flush', 'noflush'] as const) : [values.mode as 'flush' | 'noflush'];
console.log(`storage crash soak: ${seconds}s, modes ${modes.join(',')}, seed ${seed}`);
for (const mode of modes) {
  const dir = values.dir ?? await mkdtemp(join(tmpdir(), `samsa-soak-${mode}-`));
  const result = await runCrashLoop({
    dir, mode, random, iterations: Number.MAX_SAFE_INTEGER, durationMs: (seconds * 1000) / modes.length, maxKillDelayMs: 400,
    onIteration: (i, batches, acked) => {
      if (i % 25 === 0) console.log(`${mode}: ${i} kills, ${batches} batches in the log, ${acked} acknowledged`);
    },
  });
  console.log(`${mode}: OK after ${result.kills} kills (${result.killedBeforeReady} during startup); ${result.batches} batches, ${result.maxAcked + 1} acknowledged`);
  if (values.dir === undefined) await rm(dir, { recursive: true, force: true });
}
