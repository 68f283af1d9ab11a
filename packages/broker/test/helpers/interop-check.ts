/**
 * The checks every interop test makes of what a client read back: nothing missing or
 * duplicated, offsets ascending per partition, every key on one partition, per-key order
 * kept, headers intact; and ListOffsets by timestamp answering the first offset whose
 * timestamp is at least the one asked for.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchOffsets, LOG_OVERHEAD } from '@samsa/protocol';

export interface ConsumedRecord {
  /** partition, offset, key, value ("value-<seq>"), timestamp, headers */
  p: number;
  o: number;
  k: string;
  v: string;
  ts: number;
  h: Array<[string, string]>;
}

export interface TimeQuery {
  p: number;
  /** The timestamp asked for. */
  t: number;
  /** The offset the client got back (-1 or null: none). */
  o: number | null;
}

export function checkConsumed(records: readonly ConsumedRecord[], n: number, headers: Array<[string, string]>): void {
  assert.equal(records.length, n, 'as many records read as written');
  const seqs = new Set<number>();
  const partitionOfKey = new Map<string, number>();
  const lastOffset = new Map<number, number>();
  const lastSeqOfKey = new Map<string, number>();
  for (const r of records) {
    const seq = Number(r.v.slice('value-'.length));
    seqs.add(seq);
    assert.deepEqual(r.h, headers, 'headers intact');
    assert.equal(partitionOfKey.get(r.k) ?? r.p, r.p, `${r.k} stays on one partition`);
    partitionOfKey.set(r.k, r.p);
    assert.ok(r.o > (lastOffset.get(r.p) ?? -1), `offsets ascend in partition ${r.p}`);
    lastOffset.set(r.p, r.o);
    assert.ok(seq > (lastSeqOfKey.get(r.k) ?? -1), `${r.k} in order`);
    lastSeqOfKey.set(r.k, seq);
  }
  assert.equal(seqs.size, n, 'nothing duplicated');
  for (let i = 0; i < n; i++) assert.ok(seqs.has(i), `value-${i} read back`);
}

/** For each query: the first offset of that partition with a timestamp ≥ t. */
export function checkTimeQueries(records: readonly ConsumedRecord[], queries: readonly TimeQuery[]): void {
  assert.ok(queries.length > 0, 'timestamps were queried');
  for (const q of queries) {
    const first = records.filter((r) => r.p === q.p && r.ts >= q.t).reduce((min, r) => Math.min(min, r.o), Infinity);
    const expected = first === Infinity ? -1 : first;
    assert.equal(q.o === null ? -1 : q.o, expected, `partition ${q.p}: offset for timestamp ${q.t}`);
  }
}

/** Timestamps worth asking about: per partition, one from the middle of its records. */
export function middleTimestamps(records: readonly ConsumedRecord[]): Array<{ p: number; t: number }> {
  const byPartition = new Map<number, ConsumedRecord[]>();
  for (const r of records) {
    let list = byPartition.get(r.p);
    if (list === undefined) byPartition.set(r.p, list = []);
    list.push(r);
  }
  return [...byPartition].map(([p, rs]) => ({ p, t: rs[Math.floor(rs.length / 2)]!.ts }));
}

const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/**
 * The compression codecs of the batches stored for a topic, read from the broker's segment
 * files: a client that silently falls back to sending uncompressed data shows up here.
 */
export function storedCodecs(dataDir: string, topic: string): Set<string> {
  const codecs = new Set<string>();
  for (const dir of readdirSync(dataDir).filter((d) => d.startsWith(`${topic}-`) && /^\d+$/.test(d.slice(topic.length + 1)))) {
    for (const file of readdirSync(join(dataDir, dir)).filter((f) => f.endsWith('.log'))) {
      const bytes = readFileSync(join(dataDir, dir, file));
      for (let pos = 0; pos + LOG_OVERHEAD <= bytes.length;) {
        const size = bytes.readInt32BE(pos + BatchOffsets.batchLength) + LOG_OVERHEAD;
        codecs.add(CODEC_NAMES[bytes.readInt16BE(pos + BatchOffsets.attributes) & 7] ?? 'unknown');
        pos += size;
      }
    }
  }
  return codecs;
}

/**
 * The topic's batches are in `codec`: a client may send a batch that compression would
 * only make larger uncompressed (librdkafka and kafka-python both do), but one that
 * silently sends everything uncompressed (librdkafka without its feature probes) fails.
 */
export function checkStoredCodec(dataDir: string, topic: string, codec: string): void {
  const codecs = storedCodecs(dataDir, topic);
  assert.ok(codecs.has(codec), `${topic}: batches stored in ${codec} (found ${[...codecs].join(', ')})`);
  for (const c of codecs) assert.ok(c === codec || c === 'none', `${topic}: unexpected codec ${c}`);
}
