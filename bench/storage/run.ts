/**
 * Storage throughput next to the disk's own figures, measured in the same run (issue 3).
 *
 *   node bench/storage/run.ts [--runs 3] [--mib 512] [--dir /path/on/the/disk] [--sync-seconds 3] [--in-flight 64]
 *
 * Cases (1 KiB records, 16 per batch = 16 KiB batches, uncompressed):
 * - append, page cache: flush policy off (Kafka's default); --in-flight appends
 *   outstanding, the next sent as soon as one is answered. A warm-up append of 512 MiB
 *   runs first (not counted), so the figures are those of a broker that has been running.
 * - append, fsync per batch: flush.messages=1, one append at a time (every batch is
 *   fsynced before the next is sent), and with --in-flight outstanding (group commit).
 * - read: the whole log from offset 0, 1 MiB per read, as a catching-up consumer.
 * Disk figures come from dd: buffered write of 16 KiB blocks, 16 KiB writes with O_DSYNC,
 * and a read of the file; and, when fio is installed (`apt-get install fio`), from fio's
 * psync engine: the same buffered write, 16 KiB writes each followed by fdatasync
 * (`--fdatasync=1`, the reference for fsync per batch), and a 1 MiB-block read.
 * Beside them, Node's own ceiling for writes through libuv's thread pool (nodeWritev).
 *
 *   node bench/storage/run.ts --append-cpu
 *
 * instead measures the append path's own main-thread CPU per 16 KiB append, with every
 * write discarded (a StorageFs whose writev does nothing), with the batch CRC check and
 * without it (`crcVerified`, as the broker's produce path passes after checking it).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, open, readdir, rename, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildRecordBatch } from '@samsa/protocol';
import { LogManager } from '../../packages/broker/src/storage/log-manager.ts';
import { NodeFs, type StorageFs } from '../../packages/broker/src/storage/storage-fs.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    mib: { type: 'string', default: '512' },
    dir: { type: 'string' },
    'sync-seconds': { type: 'string', default: '3' },
    'in-flight': { type: 'string', default: '64' },
    'append-cpu': { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const TOTAL = Number(values.mib) * 1024 * 1024;
const SYNC_SECONDS = Number(values['sync-seconds']);
const IN_FLIGHT = Number(values['in-flight']);
const BATCH_RECORDS = 16;
const RECORD_BYTES = 1024;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Runs dd and returns MB/s from its summary line (bytes copied / seconds). */
function dd(args: string[]): number {
  const res = spawnSync('dd', args, { encoding: 'utf8' });
  const line = res.stderr.trim().split('\n').pop() ?? '';
  const m = /^(\d+) bytes .* copied, ([\d.]+) s/.exec(line);
  if (res.status !== 0 || m === null) throw new Error(`dd ${args.join(' ')}: ${res.stderr}`);
  return Number(m[1]) / Number(m[2]) / 1e6;
}

const HAVE_FIO = spawnSync('fio', ['--version']).status === 0;

/** Runs fio (psync engine, one job) and returns MB/s of its `rw` direction. */
function fio(file: string, rw: 'write' | 'read', bs: string, extra: string[]): number {
  const res = spawnSync('fio', ['--name=bench', `--filename=${file}`, `--rw=${rw}`, `--bs=${bs}`, '--ioengine=psync', '--output-format=json', ...extra], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`fio: ${res.stderr}`);
  const job = (JSON.parse(res.stdout) as { jobs: Array<Record<string, { bw_bytes: number }>> }).jobs[0]!;
  return job[rw]!.bw_bytes / 1e6;
}

/**
 * Node's own ceiling for writes through the thread pool: FileHandle.writev of 512 KiB
 * (32 blocks of 16 KiB) with two writes in flight, appending to a new file, as the log does.
 */
async function nodeWritev(file: string, bytes: number): Promise<number> {
  const blocks = Array.from({ length: 32 }, (_, i) => Buffer.alloc(16384, i));
  const write = blocks.length * 16384;
  const fh = await open(file, 'wx');
  try {
    const start = performance.now();
    const inFlight: Promise<unknown>[] = [];
    for (let pos = 0; pos < bytes; pos += write) {
      inFlight.push(fh.writev(blocks, pos));
      if (inFlight.length >= 2) await inFlight.shift();
    }
    await Promise.all(inFlight);
    return bytes / ((performance.now() - start) / 1000) / 1e6;
  } finally {
    await fh.close();
    await rm(file, { force: true });
  }
}

function makeBatches(n: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const records = Array.from({ length: BATCH_RECORDS }, (_, j) => ({ value: Buffer.alloc(RECORD_BYTES, (i + j) & 0xff), timestamp: 1_700_000_000_000 }));
    out.push(buildRecordBatch(records, { baseTimestamp: 1_700_000_000_000 }));
  }
  return out;
}

/** The real file system, except that writes and fsyncs of files are dropped. */
function discardingFs(): StorageFs {
  const real = new NodeFs();
  return {
    open: async (path, mode) => {
      const h = await real.open(path, mode);
      return {
        read: (buffer, offset, length, position) => h.read(buffer, offset, length, position),
        writev: () => Promise.resolve(),
        datasync: () => Promise.resolve(),
        truncate: (length) => h.truncate(length),
        size: () => h.size(),
        close: () => h.close(),
      };
    },
    readFile: (path) => real.readFile(path),
    stat: (path) => real.stat(path),
    readdir: (path) => real.readdir(path),
    mkdir: (path) => real.mkdir(path),
    rename: (from, to) => real.rename(from, to),
    unlink: (path) => real.unlink(path),
    rmdir: (path) => real.rmdir(path),
    syncDir: (path) => real.syncDir(path),
  };
}

interface AppendRunOptions {
  crcVerified?: boolean;
  fs?: StorageFs;
}

async function appendRun(root: string, flush: boolean, inFlight: number, bytesLimit: number, secondsLimit: number,
  options: AppendRunOptions = {}): Promise<{ mbps: number; bytes: number; cpuUsPerAppend: number }> {
  const dir = await mkdtemp(join(root, 'log-'));
  const manager = await LogManager.start({
    logDirs: [dir], startBackgroundTasks: false,
    defaultConfig: flush ? { flushMessages: 1 } : {},
    ...(options.fs !== undefined ? { fs: options.fs } : {}),
  });
  const log = await manager.getOrCreateLog('bench', 0);
  // Each append patches its buffer in place, so a buffer is reused only after its append returned.
  const pool = makeBatches(inFlight * 2);
  let written = 0;
  let i = 0;
  const start = performance.now();
  const cpuBefore = process.threadCpuUsage();
  const deadline = start + secondsLimit * 1000;
  // A producer with `inFlight` appends outstanding: it sends the next as soon as one is answered.
  let outstanding = 0;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const answered = (): void => {
    outstanding--;
    const w = wake;
    wake = null;
    w?.();
  };
  const failed = (err: unknown): void => {
    failure ??= err;
    answered();
  };
  const slot = (): Promise<void> => new Promise((resolve) => {
    wake = resolve;
  });
  while (written < bytesLimit && performance.now() < deadline && failure === null) {
    while (outstanding >= inFlight) await slot();
    const b = pool[i++ % pool.length]!;
    written += b.length;
    outstanding++;
    log.append(b, { crcVerified: options.crcVerified ?? false }).then(answered, failed);
  }
  while (outstanding > 0) await slot();
  if (failure !== null) throw failure;
  const secs = (performance.now() - start) / 1000;
  const cpu = process.threadCpuUsage(cpuBefore);
  await manager.shutdown();
  const result = { mbps: written / secs / 1e6, bytes: written, cpuUsPerAppend: (cpu.user + cpu.system) / i };
  // A page-cache run's log is kept for the read case.
  if (flush || options.fs !== undefined) await rm(dir, { recursive: true, force: true });
  return result;
}

/** --append-cpu: main-thread CPU per append with writes discarded, with and without the CRC check. */
async function appendCpu(): Promise<void> {
  const root = values.dir ?? await mkdtemp(join(tmpdir(), 'samsa-bench-storage-'));
  const fs = discardingFs();
  const rows: Record<string, number[]> = { 'CRC checked': [], 'crcVerified (not checked again)': [] };
  await appendRun(root, false, IN_FLIGHT, 512 * 1024 * 1024, 120, { fs });
  for (let run = 0; run < RUNS; run++) {
    rows['CRC checked']!.push((await appendRun(root, false, IN_FLIGHT, TOTAL, 120, { fs })).cpuUsPerAppend);
    rows['crcVerified (not checked again)']!.push((await appendRun(root, false, IN_FLIGHT, TOTAL, 120, { fs, crcVerified: true })).cpuUsPerAppend);
  }
  await rm(root, { recursive: true, force: true });
  console.log(`${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, Node ${process.version}, ${values.mib} MiB of 16 KiB appends per run, ${IN_FLIGHT} in flight, writes discarded, median of ${RUNS}`);
  console.log('| main-thread CPU per append | µs (median) | runs |\n|---|---|---|');
  for (const [k, v] of Object.entries(rows)) console.log(`| ${k} | ${median(v).toFixed(2)} | ${v.map((x) => x.toFixed(2)).join(', ')} |`);
}

async function readRun(root: string): Promise<number> {
  const dir = join(root, 'read');
  const manager = await LogManager.start({ logDirs: [dir], startBackgroundTasks: false });
  const log = await manager.getOrCreateLog('bench', 0);
  let offset = 0;
  let bytes = 0;
  const start = performance.now();
  while (offset < log.logEndOffset) {
    const r = await log.read(offset, { maxBytes: 1024 * 1024 });
    bytes += r.records.length;
    offset = r.nextOffset;
  }
  const secs = (performance.now() - start) / 1000;
  await manager.shutdown();
  return bytes / secs / 1e6;
}

async function main(): Promise<void> {
  const root = values.dir ?? await mkdtemp(join(tmpdir(), 'samsa-bench-storage-'));
  const ddFile = join(root, 'dd.bin');
  const blocks = Math.floor(TOTAL / 16384);
  const rows: Record<string, number[]> = {
    'disk: dd buffered write, 16 KiB blocks': [],
    ...(HAVE_FIO ? { 'disk: fio buffered write, 16 KiB blocks': [] } : {}),
    'node: FileHandle.writev of 512 KiB, 2 in flight': [],
    [`samsa: append, page cache (${IN_FLIGHT} in flight)`]: [],
    'disk: dd read of that file (page cache)': [],
    ...(HAVE_FIO ? { 'disk: fio read of that file, 1 MiB blocks': [] } : {}),
    'samsa: read, 1 MiB per fetch': [],
    'disk: dd 16 KiB writes with O_DSYNC': [],
    ...(HAVE_FIO ? { 'disk: fio 16 KiB writes, --fdatasync=1': [] } : {}),
    'samsa: append, fsync per batch (1 in flight)': [],
    [`samsa: append, flush.messages=1, ${IN_FLIGHT} in flight (group commit)`]: [],
  };
  const push = (k: string, v: number) => rows[k]!.push(v);
  // Warm-up, not counted: a fresh process appends slower for its first few hundred MiB
  // (measured: ~1.4 GB/s for 512 MiB, then ~2 GB/s), while a broker runs for days.
  await appendRun(root, false, IN_FLIGHT, 512 * 1024 * 1024, 120);
  for (const n of await readdir(root)) if (n.startsWith('log-')) await rm(join(root, n), { recursive: true, force: true });
  for (let run = 0; run < RUNS; run++) {
    push('disk: dd buffered write, 16 KiB blocks', dd([`if=/dev/zero`, `of=${ddFile}`, 'bs=16k', `count=${blocks}`]));
    push('disk: dd read of that file (page cache)', dd([`if=${ddFile}`, 'of=/dev/null', 'bs=1M']));
    await rm(ddFile, { force: true });
    if (HAVE_FIO) {
      push('disk: fio buffered write, 16 KiB blocks', fio(ddFile, 'write', '16k', [`--size=${blocks * 16384}`, '--fallocate=none']));
      push('disk: fio read of that file, 1 MiB blocks', fio(ddFile, 'read', '1m', [`--size=${blocks * 16384}`, '--invalidate=0']));
      await rm(ddFile, { force: true });
    }
    await nodeWritev(ddFile, blocks * 16384); // warm-up: the first such loop after dd is often slower
    push('node: FileHandle.writev of 512 KiB, 2 in flight', await nodeWritev(ddFile, blocks * 16384));
    const dsyncBlocks = 2000;
    push('disk: dd 16 KiB writes with O_DSYNC', dd([`if=/dev/zero`, `of=${ddFile}`, 'bs=16k', `count=${dsyncBlocks}`, 'oflag=dsync']));
    await rm(ddFile, { force: true });
    if (HAVE_FIO) {
      push('disk: fio 16 KiB writes, --fdatasync=1', fio(ddFile, 'write', '16k', ['--size=1g', '--fdatasync=1', `--runtime=${SYNC_SECONDS}`, '--fallocate=none']));
      await rm(ddFile, { force: true });
    }

    await rm(join(root, 'read'), { recursive: true, force: true });
    const a = await appendRun(root, false, IN_FLIGHT, TOTAL, 120);
    push(`samsa: append, page cache (${IN_FLIGHT} in flight)`, a.mbps);
    // Move the kept log to the read location.
    const kept = (await readdir(root)).filter((n) => n.startsWith('log-'));
    await rename(join(root, kept[0]!), join(root, 'read'));
    for (const k of kept.slice(1)) await rm(join(root, k), { recursive: true, force: true });
    push('samsa: read, 1 MiB per fetch', await readRun(root));
    push('samsa: append, fsync per batch (1 in flight)', (await appendRun(root, true, 1, TOTAL, SYNC_SECONDS)).mbps);
    push(`samsa: append, flush.messages=1, ${IN_FLIGHT} in flight (group commit)`, (await appendRun(root, true, IN_FLIGHT, TOTAL, SYNC_SECONDS)).mbps);
    process.stderr.write(`run ${run + 1}/${RUNS} done\n`);
  }
  await rm(root, { recursive: true, force: true });
  console.log(`${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, Node ${process.version}, ${values.mib} MiB per append run, median of ${RUNS}`);
  console.log('| case | MB/s (median) | runs |');
  console.log('|---|---|---|');
  for (const [k, v] of Object.entries(rows)) console.log(`| ${k} | ${median(v).toFixed(0)} | ${v.map((x) => x.toFixed(0)).join(', ')} |`);
  // The goals as ratios to the disk figure of the same run (median over runs).
  const ratio = (samsa: string, disk: string): string | null => {
    const a = rows[samsa];
    const b = rows[disk];
    if (a === undefined || b === undefined || b.length === 0) return null;
    const r = a.map((x, i) => (x / b[i]!) * 100);
    return `| ${samsa} / ${disk.replace(/^(disk|node): /, '')} | ${median(r).toFixed(0)}% | ${r.map((x) => x.toFixed(0)).join(', ')} |`;
  };
  const pageCache = `samsa: append, page cache (${IN_FLIGHT} in flight)`;
  const fsync = 'samsa: append, fsync per batch (1 in flight)';
  console.log('\n| ratio, run by run | median | runs (%) |\n|---|---|---|');
  for (const line of [
    ratio(pageCache, 'disk: fio buffered write, 16 KiB blocks'), ratio(pageCache, 'disk: dd buffered write, 16 KiB blocks'),
    ratio(pageCache, 'node: FileHandle.writev of 512 KiB, 2 in flight'),
    ratio(fsync, 'disk: fio 16 KiB writes, --fdatasync=1'), ratio(fsync, 'disk: dd 16 KiB writes with O_DSYNC'),
  ]) if (line !== null) console.log(line);
}

await (values['append-cpu'] ? appendCpu() : main());
