/**
 * The broker as a user runs it (issue 4): `samsa broker` as its own process, measured from
 * outside, with a Node loopback socket measured in the same run as the reference.
 *
 *   node bench/broker/run.ts [--runs 5] [--startup-runs 7] [--mib 512] [--small-mib 128]
 *                            [--partitions 4] [--settle-ms 1000] [--cpu-prof] [--startup-only]
 *
 * Needs gcc and librdkafka's headers (Debian: apt-get install librdkafka-dev) unless
 * --startup-only; the load generator rdkafka-load.c is compiled into a temporary directory
 * at the start.
 *
 * - startup: time from spawn() to the first accepted TCP connection (polled every
 *   millisecond), and RSS `--settle-ms` after that, for a bare Node listener
 *   (reference) and `samsa broker` (packages/cli/bin/samsa.js, what `npm start` runs)
 *   with V8's compile cache as a user meets it: as `npm install` leaves it (filled by the
 *   `prepare` script, bin/prefill-compile-cache.js), empty (wiped, or not writable), and
 *   as the runs before left it.
 * - throughput: a fresh broker and data directory per run; librdkafka's producer
 *   (acks=all, its default linger.ms=5 and batch.size=1 MB, no compression) sends
 *   `--mib` MiB of 1 KiB values and `--small-mib` MiB of 100-byte values round-robin
 *   over `--partitions` partitions; librdkafka's consumer then reads them back from the
 *   start (assigned partitions). MB/s counts value bytes, as Kafka's perf tools do.
 *   Broker and load generator CPU are read from /proc and getrusage.
 * - reference: the same native program writes `--mib` MiB in 1 MiB writes into a Node
 *   process that reads and discards them, and reads as much from a Node process writing
 *   1 MiB buffers.
 * - --cpu-prof: one more produce/consume run with the broker under --cpu-prof, and its
 *   functions by self time with their main caller. `--runs 0` / `--startup-runs 0` skip
 *   the other sections.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'startup-runs': { type: 'string', default: '7' },
    mib: { type: 'string', default: '512' },
    'small-mib': { type: 'string', default: '128' },
    partitions: { type: 'string', default: '4' },
    'settle-ms': { type: 'string', default: '1000' },
    'cpu-prof': { type: 'boolean', default: false },
    'startup-only': { type: 'boolean', default: false },
  },
});
const RUNS = values['startup-only'] ? 0 : Number(values.runs);
const STARTUP_RUNS = Number(values['startup-runs']);
const PARTITIONS = Number(values.partitions);
const SETTLE_MS = Number(values['settle-ms']);
const MiB = 1024 * 1024;
const CASES = [
  { size: 1024, bytes: Number(values.mib) * MiB },
  { size: 100, bytes: Number(values['small-mib']) * MiB },
];

const repoRoot = resolve(import.meta.dirname, '../..');
const samsaBin = join(repoRoot, 'packages/cli/bin/samsa.js');
const prefillBin = join(repoRoot, 'packages/cli/bin/prefill-compile-cache.js');
const work = mkdtempSync(join(tmpdir(), 'samsa-bench-broker-'));
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function buildLoader(): string {
  if (!existsSync('/usr/include/librdkafka/rdkafka.h')) {
    throw new Error('librdkafka headers missing: apt-get install librdkafka-dev (Debian), then run again');
  }
  const out = join(work, 'rdkafka-load');
  const r = spawnSync('gcc', ['-O2', '-o', out, join(import.meta.dirname, 'rdkafka-load.c'), '-lrdkafka'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc failed:\n${r.stderr}`);
  return out;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Milliseconds from `since` until a TCP connection to `port` is accepted, polling every millisecond. */
async function acceptingAfter(port: number, since: number, child: ChildProcess, timeoutMs = 20_000): Promise<number> {
  for (;;) {
    const ok = await new Promise<boolean>((res) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); res(true); });
      s.once('error', () => res(false));
    });
    if (ok) return performance.now() - since;
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode} before accepting`);
    if (performance.now() - since > timeoutMs) throw new Error(`nothing accepted on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

function rssMiB(pid: number): number {
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

function cpuSeconds(pid: number): number {
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

interface Proc { child: ChildProcess; port: number; stderr: () => string }

function spawnBroker(port: number, dataDir: string, env: NodeJS.ProcessEnv = process.env, nodeArgs: string[] = []): Proc {
  const child = spawn(process.execPath, [...nodeArgs, samsaBin, 'broker',
    '--override', `log.dirs=${dataDir}`, '--override', `listeners=PLAINTEXT://127.0.0.1:${port}`,
    '--override', `num.partitions=${PARTITIONS}`], { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-20_000); });
  return { child, port, stderr: () => stderr };
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode !== null) return;
  const exited = once(p.child, 'exit');
  p.child.kill('SIGTERM');
  await exited;
}

// ---------------------------------------------------------------- startup and idle RSS

interface StartupSample { ms: number; rss: number }

type StartupKind = 'node' | 'samsa-installed' | 'samsa-no-cache' | 'samsa';

/**
 * `samsa` enables V8's compile cache (bin/compile-cache.js); NODE_COMPILE_CACHE points it
 * at a directory of the bench's own: a new one filled by the `prepare` script as `npm
 * install` runs it (the first start after installing), a new empty one, or one filled by
 * the runs before.
 */
async function startupSample(kind: StartupKind, warmCache: string): Promise<StartupSample> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(work, 'startup-'));
  const cache = kind === 'samsa-installed' || kind === 'samsa-no-cache' ? mkdtempSync(join(work, 'new-cache-')) : warmCache;
  if (kind === 'samsa-installed') {
    const r = spawnSync(process.execPath, [prefillBin], { cwd: repoRoot, env: { ...process.env, NODE_COMPILE_CACHE: cache }, encoding: 'utf8' });
    if (r.status !== 0 || !r.stdout.includes('compile cache filled')) throw new Error(`prefill failed: ${r.stdout}${r.stderr}`);
  }
  const t0 = performance.now();
  const p: Proc = kind === 'node'
    ? { child: spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${port}, '127.0.0.1')`], { stdio: 'ignore' }), port, stderr: () => '' }
    : spawnBroker(port, dataDir, { ...process.env, NODE_COMPILE_CACHE: cache });
  const ms = await acceptingAfter(port, t0, p.child);
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const rss = rssMiB(p.child.pid!);
  await stop(p);
  rmSync(dataDir, { recursive: true, force: true });
  if (cache !== warmCache) rmSync(cache, { recursive: true, force: true });
  return { ms, rss };
}

async function startupBench(): Promise<void> {
  const warmCache = join(work, 'compile-cache');
  await startupSample('samsa', warmCache); // fills the cache
  const kinds = ['node', 'samsa-installed', 'samsa-no-cache', 'samsa'] as const;
  const samples: Record<StartupKind, StartupSample[]> = { node: [], 'samsa-installed': [], 'samsa-no-cache': [], samsa: [] };
  for (let i = 0; i < STARTUP_RUNS; i++) {
    for (const k of kinds) samples[k].push(await startupSample(k, warmCache));
  }
  const label: Record<StartupKind, string> = {
    node: 'reference: bare `node -e` TCP listener',
    'samsa-installed': '`samsa broker`, first start after `npm install` (cache filled by `prepare`)',
    'samsa-no-cache': '`samsa broker`, empty compile cache (wiped or not writable)',
    samsa: '`samsa broker`, later starts (cache filled by earlier runs)',
  };
  console.log(`\nstartup: spawn to first accepted connection; RSS ${SETTLE_MS} ms later (median of ${STARTUP_RUNS})\n`);
  console.log('| process | ms to accept | runs (ms) | idle RSS MiB | runs (MiB) |');
  console.log('|---|---|---|---|---|');
  for (const k of kinds) {
    const s = samples[k];
    console.log(`| ${label[k]} | ${median(s.map((x) => x.ms)).toFixed(0)} | ${s.map((x) => x.ms.toFixed(0)).join(', ')} | ` +
      `${median(s.map((x) => x.rss)).toFixed(1)} | ${s.map((x) => x.rss.toFixed(0)).join(', ')} |`);
  }
}

// ---------------------------------------------------------------- throughput

interface LoadResult { msgs: number; bytes: number; seconds: number; errors: number; cpu_seconds: number }

async function runLoader(loader: string, args: string[]): Promise<LoadResult> {
  const child = spawn(loader, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-10_000); });
  const [code] = await once(child, 'exit') as [number | null];
  if (code !== 0) throw new Error(`rdkafka-load ${args[0]} exited with ${code}:\n${err}`);
  return JSON.parse(out.trim().split('\n').pop()!) as LoadResult;
}

interface Phase { mbps: number; msgs: number; brokerCpu: number; loaderCpu: number }

async function phase(loader: string, pid: number, args: string[]): Promise<Phase> {
  const cpu0 = cpuSeconds(pid);
  const r = await runLoader(loader, args);
  if (r.errors !== 0) throw new Error(`${args[0]}: ${r.errors} errors`);
  return {
    mbps: r.bytes / r.seconds / 1e6,
    msgs: r.msgs / r.seconds,
    brokerCpu: (cpuSeconds(pid) - cpu0) / r.seconds,
    loaderCpu: r.cpu_seconds / r.seconds,
  };
}

async function brokerRun(loader: string, nodeArgs: string[] = []): Promise<Record<string, Phase>> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(work, 'data-'));
  const p = spawnBroker(port, dataDir, process.env, nodeArgs);
  await acceptingAfter(port, performance.now(), p.child);
  const bootstrap = `127.0.0.1:${port}`;
  const out: Record<string, Phase> = {};
  try {
    for (const { size, bytes } of CASES) {
      const count = String(Math.floor(bytes / size));
      const topic = `bench-${size}`;
      out[`produce ${size}`] = await phase(loader, p.child.pid!, ['produce', bootstrap, topic, String(PARTITIONS), count, String(size), 'acks=all']);
      out[`consume ${size}`] = await phase(loader, p.child.pid!, ['consume', bootstrap, topic, String(PARTITIONS), count]);
    }
  } catch (err) {
    console.error(p.stderr().slice(-3000));
    throw err;
  } finally {
    await stop(p);
    rmSync(dataDir, { recursive: true, force: true });
  }
  return out;
}

async function loopback(loader: string, mode: 'sink' | 'source', bytes: number): Promise<Phase> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'loopback.ts'), mode, String(bytes), String(MiB)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(child.stdout!, 'data') as [Buffer];
  const port = line.toString().trim();
  const exited = once(child, 'exit');
  const r = await phase(loader, child.pid!, mode === 'sink' ? ['write', '127.0.0.1', port, String(bytes), String(MiB)] : ['read', '127.0.0.1', port]);
  await exited;
  return r;
}

async function throughputBench(loader: string): Promise<void> {
  const rows: Record<string, Phase[]> = {};
  const add = (k: string, v: Phase): void => { (rows[k] ??= []).push(v); };
  const refBytes = CASES[0]!.bytes;
  for (let i = 0; i < RUNS; i++) {
    for (const [k, v] of Object.entries(await brokerRun(loader))) add(k, v);
    add('reference: Node sink (reads and discards)', await loopback(loader, 'sink', refBytes));
    add('reference: Node source (writes 1 MiB buffers)', await loopback(loader, 'source', refBytes));
    process.stderr.write(`throughput run ${i + 1}/${RUNS} done\n`);
  }
  console.log(`\nthroughput: median of ${RUNS} runs; ${PARTITIONS} partitions; broker and load generator CPU in cores (1.0 = one core busy)\n`);
  console.log('| case | MB/s | msgs/s | runs (MB/s) | broker CPU | rdkafka-load CPU |');
  console.log('|---|---|---|---|---|---|');
  for (const [k, ps] of Object.entries(rows)) {
    const isRef = k.startsWith('reference');
    const [verb, size] = k.split(' ');
    const name = isRef ? k : `${verb} ${size === '1024' ? '1 KiB' : `${size} B`} values (librdkafka ${verb === 'produce' ? 'producer, acks=all' : 'consumer'})`;
    console.log(`| ${name} | ${median(ps.map((p) => p.mbps)).toFixed(0)} | ${isRef ? '' : Math.round(median(ps.map((p) => p.msgs))).toLocaleString('en-US')} | ` +
      `${ps.map((p) => p.mbps.toFixed(0)).join(', ')} | ${median(ps.map((p) => p.brokerCpu)).toFixed(2)} | ${median(ps.map((p) => p.loaderCpu)).toFixed(2)} |`);
  }
}

// ---------------------------------------------------------------- profile

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }

async function profileBench(loader: string): Promise<void> {
  const dir = join(work, 'cpu-prof');
  await brokerRun(loader, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error('the broker wrote no CPU profile');
  const prof = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[] };
  const name = (n: ProfileNode): string => {
    const url = n.callFrame.url.replace(`file://${repoRoot}/`, '');
    return `${n.callFrame.functionName || '(anonymous)'}${url ? ` ${url}:${n.callFrame.lineNumber + 1}` : ''}`;
  };
  const parentOf = new Map<number, ProfileNode>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parentOf.set(c, n);
  const self = new Map<string, { hits: number; callers: Map<string, number> }>();
  let total = 0;
  for (const n of prof.nodes) {
    const hits = n.hitCount ?? 0;
    total += hits;
    const entry = self.get(name(n)) ?? { hits: 0, callers: new Map<string, number>() };
    entry.hits += hits;
    const parent = parentOf.get(n.id);
    if (parent !== undefined) entry.callers.set(name(parent), (entry.callers.get(name(parent)) ?? 0) + hits);
    self.set(name(n), entry);
  }
  console.log(`\nbroker CPU profile of one produce + consume run (startup included), by self time (${total} samples)\n`);
  for (const [k, v] of [...self].sort((a, b) => b[1].hits - a[1].hits).slice(0, 20)) {
    const caller = [...v.callers].sort((a, b) => b[1] - a[1])[0];
    console.log(`${(100 * v.hits / total).toFixed(1).padStart(5)}%  ${k}${caller ? `  <- ${caller[0]}` : ''}`);
  }
}

// ---------------------------------------------------------------- main

const loader = RUNS > 0 || values['cpu-prof'] ? buildLoader() : '';
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`# bench/broker ${new Date().toISOString()} · node ${process.version} · ${cpus().length} × ${cpu} · ` +
  `librdkafka ${spawnSync('dpkg-query', ['-W', '-f=${Version}', 'librdkafka1'], { encoding: 'utf8' }).stdout} · load average at start ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
try {
  if (STARTUP_RUNS > 0) await startupBench();
  if (RUNS > 0) await throughputBench(loader);
  if (values['cpu-prof']) await profileBench(loader);
  console.log(`\nload average at end ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
