/**
 * Runs the real `samsa` command in a child process, the way a user does, and collects
 * what it printed and its exit code. Every run has a deadline so a hung tool fails the
 * test instead of stalling it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../../../..');
export const samsaBin = resolve(repoRoot, 'packages/cli/bin/samsa.js');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to stdin, which is then closed. Without it stdin is closed at once. */
  input?: string | Buffer;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export async function samsa(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const p = startSamsa(args, options);
  p.child.stdin!.end(options.input ?? '');
  return p.exited(options.timeoutMs ?? 20_000);
}

export interface RunningSamsa {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with everything printed so far once it matches `pattern`; rejects on exit or after `timeoutMs`. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<string>;
  /** Resolves when the process exits; SIGKILLs it and rejects after `timeoutMs`. */
  exited(timeoutMs?: number): Promise<RunResult>;
}

/** Starts `samsa` with stdin, stdout and stderr piped; output is collected from the start. */
export function startSamsa(args: readonly string[], options: RunOptions = {}): RunningSamsa {
  const child = spawn(process.execPath, [samsaBin, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return watch(child, `samsa ${args.join(' ')}`);
}

/** Collects a child's output from now on (see RunningSamsa). */
export function watch(child: ChildProcess, what: string): RunningSamsa {
  const text = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { text.stdout += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { text.stderr += d; });
  let isClosed = false;
  const closed = new Promise<RunResult>((resolveRun, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      isClosed = true;
      resolveRun({ code, signal, stdout: text.stdout, stderr: text.stderr });
    });
  });
  return {
    child,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    waitFor(pattern, stream = 'stdout', timeoutMs = 15_000) {
      const source = stream === 'stdout' ? child.stdout! : child.stderr!;
      return new Promise((resolveWait, reject) => {
        const check = (): void => {
          if (!pattern.test(text[stream])) return;
          cleanup();
          resolveWait(text[stream]);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${what}: no ${pattern} on ${stream} within ${timeoutMs} ms\nstdout: ${text.stdout}\nstderr: ${text.stderr}`));
        }, timeoutMs);
        const onClose = (): void => {
          cleanup();
          if (pattern.test(text[stream])) resolveWait(text[stream]);
          else reject(new Error(`${what}: exited (${child.exitCode}) before printing ${pattern}\nstdout: ${text.stdout}\nstderr: ${text.stderr}`));
        };
        const cleanup = (): void => {
          clearTimeout(timer);
          source.off('data', check);
          child.off('close', onClose);
        };
        // Registered after the collecting listener, so `text` already holds the new chunk.
        source.on('data', check);
        child.once('close', onClose);
        if (isClosed) onClose();
        else check();
      });
    },
    async exited(timeoutMs = 20_000) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`${what}: did not finish within ${timeoutMs} ms\nstdout: ${text.stdout}\nstderr: ${text.stderr}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([closed, deadline]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
