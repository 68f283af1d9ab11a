import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordBatch } from '@samsa/protocol';
import { LogManager } from '../../../src/storage/log-manager.ts';
import { readAllBatches } from './batches.ts';
import { recordsInBatch } from './crash-child.ts';

export interface CrashLoopOptions {
  dir: string;
  /** Stop after this many kills... */
  iterations: number;
  /** ...or once this much time has passed. */
  durationMs: number;
  mode: 'flush' | 'noflush';
  random: () => number;
  /** Largest random delay between the child saying ready and kill -9. */
  maxKillDelayMs?: number;
  onIteration?: (i: number, batches: number, acked: number) => void;
}

export interface CrashLoopResult {
  kills: number;
  batches: number;
  maxAcked: number;
  killedBeforeReady: number;
}

const CHILD = join(import.meta.dirname, 'crash-child.ts');

function runAndKill(dir: string, mode: string, killAfterMs: number, killBeforeReady: boolean): Promise<{ maxAcked: number; ready: boolean }> {
  return new Promise((resolve, reject) => {
    // The compile cache keeps each restart at ~0.15 s instead of ~0.9 s of type stripping.
    const env = { ...process.env, NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'samsa-node-compile-cache') };
    const child = spawn(process.execPath, [CHILD, dir, mode], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let maxAcked = -1;
    let ready = false;
    let buf = '';
    let stderr = '';
    const kill = () => child.kill('SIGKILL');
    if (killBeforeReady) setTimeout(kill, killAfterMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('ack ')) maxAcked = Math.max(maxAcked, Number(line.slice(4)));
        else if (line.startsWith('ready') && !ready) {
          ready = true;
          if (!killBeforeReady) setTimeout(kill, killAfterMs);
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited ${code} ${signal}: ${stderr}`));
      else resolve({ maxAcked, ready });
    });
  });
}

/**
 * Checks the log in `dir` the way a restarted broker would see it: every batch whole and
 * valid, batch i is exactly batch seq i (a prefix of what was written), and at least
 * `mustHave` batches. Returns the number of batches.
 */
export async function verifyCrashLog(dir: string, mustHave: number, cleanShutdown: boolean, decodeFrom = 0): Promise<number> {
  const manager = await LogManager.start({ logDirs: [dir], startBackgroundTasks: false });
  try {
    const log = manager.getLog('crash', 0);
    if (log === undefined) {
      if (mustHave > 0) throw new Error(`log missing but ${mustHave} batches were acknowledged`);
      return 0;
    }
    const batches: RecordBatch[] = await readAllBatches(log, 256 * 1024);
    let offset = 0;
    batches.forEach((b, seq) => {
      if (Number(b.baseOffset) !== offset) throw new Error(`batch ${seq} at offset ${b.baseOffset}, expected ${offset}`);
      offset += recordsInBatch(seq);
      // Offsets and CRCs (checked by readAllBatches) cover every batch; record values are
      // decoded for the batches not verified by an earlier round, to keep rounds fast.
      if (seq < decodeFrom) return;
      const values = b.toArray().map((r) => r.value!.toString().replace(/\.+$/, ''));
      const want = Array.from({ length: recordsInBatch(seq) }, (_, j) => `${seq}:${j}`);
      if (values.join(',') !== want.join(',')) throw new Error(`batch ${seq} holds ${values.join(',')}, expected ${want.join(',')}`);
    });
    if (offset !== log.logEndOffset) throw new Error(`log end offset ${log.logEndOffset} but batches end at ${offset}`);
    if (batches.length < mustHave) throw new Error(`${batches.length} batches survived, ${mustHave} were acknowledged`);
    return batches.length;
  } finally {
    if (cleanShutdown) await manager.shutdown();
    else for (const log of manager.allLogs()) await log.close();
  }
}

export async function runCrashLoop(o: CrashLoopOptions): Promise<CrashLoopResult> {
  const started = Date.now();
  const dir = o.dir;
  let maxAcked = -1;
  let kills = 0;
  let batches = 0;
  let killedBeforeReady = 0;
  while (kills < o.iterations && Date.now() - started < o.durationMs) {
    const beforeReady = o.random() < 0.15;
    const delay = beforeReady ? 60 + o.random() * 150 : o.random() * (o.maxKillDelayMs ?? 120);
    const r = await runAndKill(dir, o.mode, delay, beforeReady);
    if (!r.ready) killedBeforeReady++;
    kills++;
    maxAcked = Math.max(maxAcked, r.maxAcked);
    batches = await verifyCrashLog(dir, maxAcked + 1, kills % 7 === 0, Math.max(0, batches - 64));
    o.onIteration?.(kills, batches, maxAcked + 1);
  }
  return { kills, batches, maxAcked, killedBeforeReady };
}
