import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LogManager } from '../../src/storage/log-manager.ts';
import { readAllBatches } from './helpers/batches.ts';
import { CRASH_PRODUCER_ID, firstSeqOf, recordsIn } from './helpers/idempotent-crash-child.ts';

/**
 * kill -9 of a real child process that writes as an idempotent producer to a real
 * directory with small segments (so rolls, snapshot writes and recovery all get hit),
 * at random moments including during startup recovery. Each restart resends up to five
 * batches the log already holds (a producer whose acknowledgements were lost) and then
 * goes on. After every kill: each batch is in the log exactly once, in order, at the
 * offset its sequence says; every answer, new or retry, named that offset.
 */

const CHILD = join(import.meta.dirname, 'helpers', 'idempotent-crash-child.ts');

interface Round { ready: boolean; acks: Array<{ batch: number; offset: number; dup: boolean }>; errors: string[] }

function runAndKill(dir: string, from: number, delayMs: number, beforeReady: boolean): Promise<Round> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'samsa-node-compile-cache') };
    const child = spawn(process.execPath, [CHILD, dir, String(from)], { stdio: ['ignore', 'pipe', 'pipe'], env });
    const round: Round = { ready: false, acks: [], errors: [] };
    let buf = '';
    let stderr = '';
    const kill = () => child.kill('SIGKILL');
    if (beforeReady) setTimeout(kill, delayMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const [kind, a, b, c] = buf.slice(0, nl).split(' ');
        buf = buf.slice(nl + 1);
        if (kind === 'ack') round.acks.push({ batch: Number(a), offset: Number(b), dup: c === 'dup' });
        else if (kind === 'error') round.errors.push(`batch ${a}: ${[b, c].join(' ')}`);
        else if (kind === 'ready' && !round.ready) {
          round.ready = true;
          if (!beforeReady) setTimeout(kill, delayMs);
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited ${code} ${signal}: ${stderr}`));
      else resolve(round);
    });
  });
}

/**
 * Opens the log as a restarted broker would and checks it; returns how many batches it
 * holds. Headers are checked for every batch, record values from `decodeFrom` on.
 */
async function verify(dir: string, mustHave: number, clean: boolean, decodeFrom: number): Promise<number> {
  const manager = await LogManager.start({ logDirs: [dir], startBackgroundTasks: false });
  try {
    const log = manager.getLog('idem', 0);
    if (log === undefined) {
      assert.equal(mustHave, 0, 'log missing');
      return 0;
    }
    const batches = await readAllBatches(log, 256 * 1024);
    batches.forEach((b, i) => {
      assert.equal(Number(b.baseOffset), firstSeqOf(i), `batch ${i} offset`);
      assert.equal(b.baseSequence, firstSeqOf(i), `batch ${i} sequence`);
      assert.equal(b.producerId, CRASH_PRODUCER_ID);
      assert.equal(b.lastOffsetDelta + 1, recordsIn(i));
      if (i >= decodeFrom) assert.equal(b.toArray()[0]!.value!.toString().replace(/\.+$/, ''), `${i}:0`, `batch ${i} is batch ${i}, once`);
    });
    assert.ok(batches.length >= mustHave, `${batches.length} batches, ${mustHave} acknowledged`);
    assert.equal(log.producerState.lastEntry(Number(CRASH_PRODUCER_ID))?.lastSeq ?? -1, firstSeqOf(batches.length) - 1, 'state matches the log');
    return batches.length;
  } finally {
    if (clean) await manager.shutdown();
    else for (const log of manager.allLogs()) await log.close();
  }
}

describe('crash: kill -9 under an idempotent producer', () => {
  it('never stores a batch twice and answers retries with their first offsets', { timeout: 90_000 }, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'samsa-idem-crash-'));
    try {
      const seed = Number(process.env.SAMSA_CRASH_SEED ?? 20261122);
      let s = seed;
      const random = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
      const started = Date.now();
      let inLog = 0;
      let acked = 0;
      let kills = 0;
      let duplicates = 0;
      while (kills < 20 && Date.now() - started < 40_000) {
        // Resend up to five batches the log holds: their acknowledgements were "lost".
        const from = Math.max(0, inLog - Math.floor(random() * 6));
        const beforeReady = random() < 0.15;
        const round = await runAndKill(dir, from, beforeReady ? 40 + random() * 150 : random() * 150, beforeReady);
        kills++;
        assert.deepEqual(round.errors, [], `seed ${seed}, kill ${kills}`);
        for (const a of round.acks) {
          assert.equal(a.offset, firstSeqOf(a.batch), `seed ${seed}, kill ${kills}: batch ${a.batch} answered at ${a.offset} (${a.dup ? 'retry' : 'new'})`);
          assert.equal(a.dup, a.batch < inLog, `batch ${a.batch} is a retry exactly when the log already held it (${inLog} batches)`);
          if (a.dup) duplicates++;
          acked = Math.max(acked, a.batch + 1);
        }
        inLog = await verify(dir, acked, kills % 5 === 0, Math.max(0, inLog - 8));
      }
      t.diagnostic(`seed ${seed}: ${kills} kills, ${inLog} batches, ${duplicates} retries answered as duplicates`);
      assert.ok(kills >= 8, `only ${kills} kills`);
      assert.ok(duplicates > 0, 'some retries were answered from producer state');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
