/**
 * Runs the README's "Getting started" steps as a newcomer would: in a fresh clone of this
 * repository (its committed HEAD), with nothing of this checkout on the PATH, each command
 * exactly as the README prints it. Each code block is preceded by a comment saying how
 * to run it: `<!-- quickstart: run -->` (must exit 0) or
 * `<!-- quickstart: start, ready when it prints "X" -->` (keeps running in its own
 * terminal; the next step waits until it printed X). The README uses the default port
 * 9092, so the test waits for that port to be free first.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot, watch, type RunningSamsa } from './helpers/run-samsa.ts';

interface Step {
  mode: 'run' | 'start';
  ready?: string;
  commands: string[];
}

/** The steps of the README's "Getting started" section, in order. */
export function readmeSteps(readme: string): Step[] {
  const start = readme.indexOf('## Getting started');
  assert.ok(start >= 0, 'README has a "Getting started" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const steps: Step[] = [];
  const re = /<!-- quickstart: (run|start, ready when it prints "([^"]+)") -->\n```sh\n([\s\S]*?)```/g;
  for (const m of section.matchAll(re)) {
    const commands = m[3]!.split('\n').filter((l) => l.trim() !== '');
    steps.push(m[1] === 'run' ? { mode: 'run', commands } : { mode: 'start', ready: m[2]!, commands });
  }
  return steps;
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

async function waitForFreePort(port: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (await portInUse(port)) {
    if (performance.now() > deadline) assert.fail(`port ${port} stayed in use for ${timeoutMs} ms; the README's steps need it`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('README getting started', () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-readme-'));
  const clone = join(dir, 'samsa');
  // A newcomer's environment: the PATH without this checkout's node_modules/.bin, no npm_* variables.
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_') && k !== 'NODE_OPTIONS'));
  env.PATH = (process.env.PATH ?? '').split(delimiter).filter((p) => !p.startsWith(repoRoot)).join(delimiter);
  env.NO_COLOR = '1';
  const running: Array<{ command: string; process: RunningSamsa }> = [];

  after(async () => {
    // Stop what the steps left running, last started first, as a user would press Ctrl-C.
    for (const { process: p } of running.reverse()) {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        process.kill(-p.child.pid!, 'SIGINT');
        await p.exited(15_000).catch(() => process.kill(-p.child.pid!, 'SIGKILL'));
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('works as written, from a fresh clone', { timeout: 240_000 }, async () => {
    execFileSync('git', ['clone', '--quiet', repoRoot, clone], { stdio: 'ignore' });
    const steps = readmeSteps(readFileSync(join(clone, 'README.md'), 'utf8'));
    assert.deepEqual(steps.map((s) => s.mode), ['run', 'start', 'run', 'start', 'start', 'run']);
    await waitForFreePort(9092, 60_000);

    const outputs: string[] = [];
    for (const step of steps) {
      for (const command of step.commands) {
        const child: ChildProcess = spawn('sh', ['-c', command], { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
        const p = watch(child, command);
        if (step.mode === 'run') {
          const r = await p.exited(180_000);
          assert.equal(r.code, 0, `${command} exited with ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
          outputs.push(r.stdout);
        } else {
          running.push({ command, process: p });
          await p.waitFor(new RegExp(step.ready!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'stdout', 60_000);
        }
      }
    }

    const [, created, described, lag] = outputs;
    assert.equal(created, 'Created topic user-events.\n');
    assert.match(described!, /^Topic: user-events {2}.*PartitionCount: 3 {2}ReplicationFactor: 1/);
    const rows = lag!.trimEnd().split('\n');
    assert.match(rows[0]!, /^GROUP +TOPIC +PARTITION +CURRENT-OFFSET +LOG-END-OFFSET +LAG +CONSUMER-ID +HOST +CLIENT-ID$/);
    const consumer = running.find((r) => r.command.includes('consumer'))!.process;
    const printed = consumer.stdout();
    assert.match(printed, /\[partition \d offset \d+\] \S+ .+ <\S+@\S+> (signed_up|logged_in|viewed_page|added_to_cart|checked_out) \/\S+/);
    // Every row belongs to the group's one member, reading user-events.
    assert.ok(rows.length >= 2, lag);
    // (Offsets show as - until the consumer's first commit.)
    for (const row of rows.slice(1)) assert.match(row, /^quickstart +user-events +[0-2] +(\d+|-) +\d+ +(\d+|-) +quickstart-consumer-\S+ +\S+ +quickstart-consumer$/);

    // Ctrl-C stops each of them cleanly.
    for (const { command, process: p } of running.reverse()) {
      process.kill(-p.child.pid!, 'SIGINT');
      const r = await p.exited(15_000);
      // npm reports a script stopped by Ctrl-C with 130, like a shell.
      assert.ok(r.code === 0 || r.code === 130 || r.signal === 'SIGINT', `${command} after Ctrl-C: code ${r.code}, signal ${r.signal}\n${r.stderr}`);
    }
    running.length = 0;
  });
});
