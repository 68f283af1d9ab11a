/**
 * Protocol codec throughput: encode and decode Produce and Fetch messages carrying 1 MiB of
 * record batches, next to a plain 1 MiB memory copy measured in the same run.
 *
 *   node bench/protocol/run.ts [--runs 7]
 *
 * Prints the median MB/s (of payload bytes) over the runs for each case.
 */
import { parseArgs } from 'node:util';
import { ApiKey, FetchResponse, Reader, Writer, decodeRequest, encodeRequest, frame } from '../../packages/protocol/src/index.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(values.runs);
const MiB = 1 << 20;

// 16 partitions x 64 KiB of (opaque) batches: the codec never looks inside records.
const partitions = Array.from({ length: 16 }, (_, i) => ({ index: i, records: Buffer.alloc(64 * 1024, i) }));

function measure(name: string, bytesPerOp: number, op: () => void): { name: string; mbps: number } {
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    let ops = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    do {
      op();
      ops++;
      elapsed = process.hrtime.bigint() - start;
    } while (elapsed < 300_000_000n);
    samples.push((ops * bytesPerOp) / MiB / (Number(elapsed) / 1e9));
  }
  samples.sort((a, b) => a - b);
  return { name, mbps: samples[Math.floor(samples.length / 2)]! };
}

const produceBody = { acks: -1, timeoutMs: 30000, topicData: [{ name: 'bench-topic', partitionData: partitions }] };
const produceFrame = Buffer.concat(encodeRequest(ApiKey.Produce, 9, 1, 'bench', produceBody));
const fetchBody = {
  responses: [{ topic: 'bench-topic', partitions: partitions.map((p) => ({ partitionIndex: p.index, highWatermark: 1000n, records: p.records })) }],
};
const fetchWriter = new Writer();
FetchResponse.write(fetchWriter, 12, fetchBody);
const fetchBytes = fetchWriter.toBuffer();
const copySource = Buffer.alloc(MiB, 3);
let sink = 0;

const results = [
  measure('reference: Buffer.concat of 1 MiB (memcpy)', MiB, () => { sink += Buffer.concat([copySource]).length; }),
  measure('Produce v9 encode, chunks (zero copy)', MiB, () => { sink += frame(encodeRequest(ApiKey.Produce, 9, 1, 'bench', produceBody)).length; }),
  measure('Produce v9 encode + join into one buffer', MiB, () => { sink += Buffer.concat(encodeRequest(ApiKey.Produce, 9, 1, 'bench', produceBody)).length; }),
  measure('Produce v9 decode', MiB, () => { sink += (decodeRequest(produceFrame).body as { acks: number }).acks; }),
  measure('Fetch v12 response encode, chunks (zero copy)', MiB, () => {
    const w = new Writer();
    FetchResponse.write(w, 12, fetchBody);
    sink += w.chunks().length;
  }),
  measure('Fetch v12 response decode', MiB, () => { sink += FetchResponse.read(new Reader(fetchBytes), 12).responses.length; }),
];

const cpu = (await import('node:os')).cpus()[0]?.model ?? 'unknown CPU';
process.stdout.write(`node ${process.version}, ${(await import('node:os')).cpus().length} cores, ${cpu}; median of ${runs} runs of 0.3 s\n`);
for (const r of results) process.stdout.write(`${r.name.padEnd(50)} ${r.mbps.toFixed(0).padStart(8)} MB/s\n`);
if (sink === -1) process.stdout.write('\n');
