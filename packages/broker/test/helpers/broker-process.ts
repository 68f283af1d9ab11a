/**
 * Runs the real `samsa broker` command as a child process on a free port with a fresh
 * data directory, the way a user starts it, for tests that need a separate process
 * (kill -9, restarts, clients in other processes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';

const repoRoot = resolve(import.meta.dirname, '../../../..');
const samsaBin = join(repoRoot, 'packages/cli/bin/samsa.js');

export interface BrokerProcess {
  readonly bootstrap: string;
  readonly port: number;
  readonly dataDir: string;
  readonly child: ChildProcess;
  /** Everything the broker wrote to stderr (its JSON log lines). */
  readonly stderr: () => string;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

export interface StartOptions {
  dataDir?: string;
  port?: number;
  overrides?: Record<string, string | number>;
  timeoutMs?: number;
}

export async function startBrokerProcess(options: StartOptions = {}): Promise<BrokerProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'samsa-test-'));
  const args = [samsaBin, 'broker', '--override', `log.dirs=${dataDir}`, '--override', `listeners=PLAINTEXT://127.0.0.1:${options.port ?? 0}`];
  for (const [k, v] of Object.entries(options.overrides ?? {})) args.push('--override', `${k}=${v}`);
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  // stdout and stderr are separate pipes, read in no fixed order: the startup log lines written
  // before "listening" may still be on their way. Wait for the last of them too (when logged at
  // this level), so stderr() holds every startup line once this resolves.
  const startupLogged = /^(warn|error|fatal|silent)$/.test(process.env['SAMSA_LOG_LEVEL'] ?? 'info')
    ? () => true
    : () => stderr.includes('"msg":"Samsa broker started"');
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not start within ${options.timeoutMs ?? 15000} ms:\n${stderr}`)),
      options.timeoutMs ?? 15000);
    const check = (): void => {
      const m = /listening on PLAINTEXT:\/\/[^:]+:(\d+)/.exec(stdout);
      if (m && startupLogged()) {
        clearTimeout(timer);
        resolvePort(Number(m[1]));
      }
    };
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      check();
    });
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited with ${code} before listening:\n${stderr}`));
    });
  });
  const exited = once(child, 'exit');
  return {
    bootstrap: `127.0.0.1:${port}`,
    port,
    dataDir,
    child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = await exited as [number | null];
      return code;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
