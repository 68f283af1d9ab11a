import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCrashLoop } from './helpers/crash-harness.ts';

/**
 * kill -9 of a real child process appending to a real directory, at random moments
 * (including during startup recovery), then restart and check: the log is a prefix of
 * what was written, no batch is half there, every acknowledged batch is there. Bounded
 * here; scripts/storage-crash-soak.ts runs the same loop for as long as asked.
 */
describe('crash: kill -9 while appending', { concurrency: false }, () => {
  for (const mode of ['flush', 'noflush'] as const) {
    it(`keeps a valid prefix with every acknowledged batch (${mode})`, { timeout: 120_000 }, async (t) => {
      const dir = await mkdtemp(join(tmpdir(), `samsa-crash-${mode}-`));
      try {
        const seed = Number(process.env.SAMSA_CRASH_SEED ?? 20261121);
        let s = seed;
        const random = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
        // Bounded by count first and time second: on a loaded 2-core CI machine a restart can
        // take a second, so the time bound is generous and the minimum modest.
        const result = await runCrashLoop({ dir, iterations: 25, durationMs: 40_000, mode, random });
        t.diagnostic(`seed ${seed}: ${result.kills} kills (${result.killedBeforeReady} during startup), ${result.batches} batches, ${result.maxAcked + 1} acknowledged`);
        assert.ok(result.kills >= 10, `only ${result.kills} kills (seed ${seed})`);
        assert.ok(result.batches > 0);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
