/**
 * Record-path throughput: CRC-32C (native next to a pure-JS table implementation written
 * here as the comparison), each codec's compress and decompress on ~1 MiB of JSON-ish
 * records, batch header parsing and record iteration.
 *
 *   node bench/records/run.ts [--runs 7] [--ms 300]
 *
 * Prints the median over the runs for each case, as a rate per second of this thread's CPU time.
 */
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import {
  CompressionType, RecordBatch, buildRecordBatch, compress, compressionName, crc32c, crc32cImplementation, decompress,
  lz4Decompress, snappyCompress, validateRecordBatches, walkRecordEntries,
} from '../../packages/protocol/src/index.ts';
import type { RecordInput } from '../../packages/protocol/src/index.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, ms: { type: 'string', default: '300' } } });
const runs = Number(values.runs);
const runNs = Number(values.ms) * 1e6;
const MiB = 1 << 20;
let sink = 0;

/**
 * This thread's CPU time in nanoseconds. The bench counts CPU time, not wall time: the
 * machine is shared (two cores, other work running), and a thread that is descheduled
 * would otherwise be charged for time it did not run. Every codec here runs synchronously
 * on this thread, so its CPU time is the work done.
 */
function cpuNs(): number {
  const u = process.threadCpuUsage();
  return (u.user + u.system) * 1000;
}

/** Runs `op` repeatedly for each run's CPU time and returns the median rate of `unitsPerOp`. */
function median(unitsPerOp: number, op: () => void): number {
  const samples: number[] = [];
  op();
  for (let run = 0; run < runs; run++) {
    let ops = 0;
    const start = cpuNs();
    let elapsed = 0;
    do {
      op();
      ops++;
      elapsed = cpuNs() - start;
    } while (elapsed < runNs);
    samples.push((ops * unitsPerOp) / (elapsed / 1e9));
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

// The comparison for CRC-32C: Sarwate's byte-at-a-time table and its slice-by-8 variant,
// the two usual ways to compute it in JavaScript without native code.
const TABLES: Uint32Array[] = [];
{
  const t0 = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t0[i] = c >>> 0;
  }
  TABLES.push(t0);
  for (let t = 1; t < 8; t++) {
    const prev = TABLES[t - 1]!;
    const next = new Uint32Array(256);
    for (let i = 0; i < 256; i++) next[i] = (prev[i]! >>> 8) ^ t0[prev[i]! & 0xff]!;
    TABLES.push(next);
  }
}

function crc32cTable(data: Uint8Array): number {
  const t = TABLES[0]!;
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function crc32cSlice8(data: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = 0xffffffff;
  let i = 0;
  const end8 = data.length - (data.length % 8);
  for (; i < end8; i += 8) {
    const lo = (c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    c = t7[lo & 0xff]! ^ t6[(lo >>> 8) & 0xff]! ^ t5[(lo >>> 16) & 0xff]! ^ t4[lo >>> 24]! ^
      t3[data[i + 4]!]! ^ t2[data[i + 5]!]! ^ t1[data[i + 6]!]! ^ t0[data[i + 7]!]!;
  }
  for (; i < data.length; i++) c = t0[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Records that look like application events: JSON values, short keys, some headers. */
function events(count: number): RecordInput[] {
  let seed = 12345;
  const rnd = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const out: RecordInput[] = [];
  for (let i = 0; i < count; i++) {
    out.push({
      key: `user-${Math.floor(rnd() * 5000)}`,
      value: JSON.stringify({
        id: 1_000_000 + i, type: ['page_view', 'click', 'add_to_cart', 'purchase'][Math.floor(rnd() * 4)],
        session: Math.floor(rnd() * 2 ** 32).toString(16), path: `/products/${Math.floor(rnd() * 800)}`,
        price: Math.round(rnd() * 100000) / 100, ts: 1763740800000 + i * 13, ua: 'Mozilla/5.0 (X11; Linux x86_64)',
      }),
      headers: i % 4 === 0 ? [{ key: 'trace-id', value: Math.floor(rnd() * 2 ** 32).toString(16).padStart(16, '0') }] : [],
      timestamp: 1763740800000 + i * 13,
    });
  }
  return out;
}

const oneMiB = Buffer.alloc(MiB);
for (let i = 0; i < MiB; i++) oneMiB[i] = (i * 2654435761) >>> 24;
const nodeRsCrc32c = (createRequire(import.meta.url)('@node-rs/crc32') as { crc32c: (data: Buffer) => number }).crc32c;
const checks = [crc32c(oneMiB), nodeRsCrc32c(oneMiB) >>> 0, crc32cTable(oneMiB), crc32cSlice8(oneMiB)];
if (new Set(checks).size !== 1) throw new Error(`CRC implementations disagree: ${checks.join(', ')}`);

const lines: [string, string][] = [];
const mbps = (v: number): string => `${(v / MiB).toFixed(0)} MB/s`;

lines.push([`crc32c 1 MiB, ${crc32cImplementation()} (native, what Samsa uses)`, mbps(median(MiB, () => { sink += crc32c(oneMiB); }))]);
lines.push(['crc32c 1 MiB, @node-rs/crc32 (native, the fallback without aws-crt)', mbps(median(MiB, () => { sink += nodeRsCrc32c(oneMiB); }))]);
lines.push(['crc32c 1 MiB, pure JS slice-by-8 (comparison)', mbps(median(MiB, () => { sink += crc32cSlice8(oneMiB); }))]);
lines.push(['crc32c 1 MiB, pure JS byte table (comparison)', mbps(median(MiB, () => { sink += crc32cTable(oneMiB); }))]);

// ~1 MiB of encoded records: the exact bytes a batch compresses.
const records = events(5800);
const plainBatch = buildRecordBatch(records);
const section = plainBatch.subarray(61);
lines.push([`records section for codecs: ${records.length} records, ${section.length} bytes`, '']);
for (const codec of [CompressionType.gzip, CompressionType.snappy, CompressionType.lz4, CompressionType.zstd]) {
  const packed = compress(codec, section);
  const name = compressionName(codec);
  const ratio = (section.length / packed.length).toFixed(1);
  lines.push([`${name} compress (ratio ${ratio})`, mbps(median(section.length, () => { sink += compress(codec, section).length; }))]);
  lines.push([`${name} decompress`, mbps(median(section.length, () => { sink += decompress(codec, packed).length; }))]);
}
const rawSnappy = snappyCompress(section, { framing: 'raw' });
lines.push(['snappy raw framing decompress', mbps(median(section.length, () => { sink += decompress(CompressionType.snappy, rawSnappy).length; }))]);
const lz4Packed = compress(CompressionType.lz4, section);
lines.push(['lz4 decompress via lz4-napi native (comparison)', mbps(median(section.length, () => { sink += lz4Decompress(lz4Packed, { native: true }).length; }))]);

// Header parsing and shallow walks: a log-like blob of 1000 batches of 10 records.
const small = events(10000);
const batches = Array.from({ length: 1000 }, (_, i) => buildRecordBatch(small.slice(i * 10, i * 10 + 10), { baseOffset: BigInt(i * 10) }));
const blob = Buffer.concat(batches);
lines.push([`log blob: ${batches.length} batches of 10 records, ${blob.length} bytes`, '']);
const perSec = (v: number, unit: string): string => `${(v / 1e6).toFixed(2)} M ${unit}/s`;
lines.push(['RecordBatch view + 5 header getters', perSec(median(batches.length, () => {
  for (let pos = 0; pos < blob.length;) {
    const b = new RecordBatch(blob, pos);
    sink += b.recordCount + b.lastOffsetDelta + b.attributes + b.producerEpoch + (b.isControl ? 1 : 0);
    pos += b.sizeInBytes;
  }
}), 'batches')]);
lines.push(['walkRecordEntries (offset, size, magic, lastOffset)', perSec(median(batches.length, () => {
  for (const e of walkRecordEntries(blob)) sink += e.size;
}), 'batches')]);
lines.push(['validateRecordBatches (lengths + CRC-32C of every batch)', mbps(median(blob.length, () => { sink += validateRecordBatches(blob).recordCount; }))]);

// Record iteration: one big batch per codec; rate counts records decoded (keys, values, headers).
for (const codec of [CompressionType.none, CompressionType.lz4, CompressionType.zstd]) {
  const bytes = buildRecordBatch(records, { compression: codec });
  const batch = new RecordBatch(bytes);
  lines.push([`iterate ${records.length} records, ${compressionName(codec)} (incl. decompress)`, perSec(median(records.length, () => {
    for (const r of batch.records()) sink += r.offsetDelta + (r.value?.length ?? 0) + r.headers.length;
  }), 'records')]);
}
lines.push([`iterate + read r.offset and r.timestamp (bigint getters), none`, perSec(median(records.length, () => {
  for (const r of new RecordBatch(plainBatch).records()) sink += Number(r.offset & 1n) + Number(r.timestamp & 1n);
}), 'records')]);
lines.push([`build a batch of ${records.length} records, none`, perSec(median(records.length, () => { sink += buildRecordBatch(records).length; }), 'records')]);

process.stdout.write(`node ${process.version}, ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}; median of ${runs} runs of ${values.ms} ms of thread CPU time\n`);
for (const [name, v] of lines) process.stdout.write(v === '' ? `-- ${name}\n` : `${name.padEnd(62)} ${v.padStart(18)}\n`);
if (sink === -1) process.stdout.write('\n');
