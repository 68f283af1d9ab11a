/**
 * Writes record fixtures with kafkajs 2.2.4's own producer encoder: it builds a real
 * Produce v3 request through kafkajs's request module (the path its producer takes) and
 * cuts the record batch out of the encoded request. Snappy goes through kafkajs-snappy,
 * registered the way kafkajs's documentation says. kafkajs has no built-in lz4 or zstd.
 *
 * Run from the repository root:  ./node_modules/.bin/node tools/capture-records/src/capture-kafkajs.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

interface KafkajsMessage {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[]>;
  timestamp: string;
}
interface EncodedRequest { encode(): Promise<{ buffer: Buffer }> }
type ProduceV3 = (args: object) => EncodedRequest;

const kafkajs = require('kafkajs') as {
  CompressionTypes: Record<string, number>;
  CompressionCodecs: Record<number, unknown>;
};
const version = (require('kafkajs/package.json') as { version: string }).version;
kafkajs.CompressionCodecs[kafkajs.CompressionTypes['Snappy']!] = require('kafkajs-snappy');
const produceV3 = require('kafkajs/src/protocol/requests/produce/v3/request') as ProduceV3;
const Long = require('kafkajs/src/utils/long') as { fromValue(v: number | string): unknown };

const OUT = join('packages', 'protocol', 'test', 'fixtures', 'records', 'kafkajs');
const BASE_TS = 1763740800000;

/** A small deterministic generator, so reruns write the same fixtures. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function messages(n: number, random: () => number): KafkajsMessage[] {
  const out: KafkajsMessage[] = [];
  for (let i = 0; i < n; i++) {
    const m: KafkajsMessage = {
      key: i % 7 === 3 ? null : `order-${i % 4}`,
      value: i % 9 === 4 ? null : JSON.stringify({ id: i, kind: ['created', 'paid', 'shipped'][i % 3], note: 'ünïcødé ✓', qty: i % 17 }),
      timestamp: String(BASE_TS + i * 3 + (i % 5 === 2 ? -7 : 0)),
    };
    if (i % 13 === 6) m.value = Buffer.from(Array.from({ length: 24 }, () => Math.floor(random() * 256)));
    if (i % 4 === 0) {
      m.headers = { 'correlation-id': `c-${Math.floor(random() * 1e9)}`, multi: ['one', Buffer.from([0, 1, 2])], empty: '' };
    }
    out.push(m);
  }
  return out;
}

/** Cuts the records bytes out of a Produce v3 request body with one topic and partition. */
function recordsOf(body: Buffer): Buffer {
  let pos = 0;
  const str = (): void => {
    const n = body.readInt16BE(pos);
    pos += 2 + Math.max(n, 0);
  };
  str(); // transactional id
  pos += 2 + 4 + 4; // acks, timeout, topic count
  str(); // topic
  pos += 4 + 4; // partition count, partition
  const size = body.readInt32BE(pos);
  return body.subarray(pos + 4, pos + 4 + size);
}

const b64 = (v: Buffer | string | null): string | null => (v === null ? null : Buffer.from(v).toString('base64'));

async function capture(name: string, description: string, msgs: KafkajsMessage[], compression: string,
  producer: { producerId: number; producerEpoch: number; firstSequence: number; transactionalId: string | null }): Promise<void> {
  const request = produceV3({
    acks: -1, timeout: 30000, compression: kafkajs.CompressionTypes[compression],
    transactionalId: producer.transactionalId, producerId: Long.fromValue(producer.producerId), producerEpoch: producer.producerEpoch,
    topicData: [{ topic: 'fixtures', partitions: [{ partition: 0, firstSequence: producer.firstSequence, messages: msgs }] }],
  });
  const blob = Buffer.from(recordsOf((await request.encode()).buffer));
  const doc = {
    client: `kafkajs ${version}`,
    description,
    entries: [{
      magic: 2, compression: compression.toLowerCase(), offset: '0', recordCount: msgs.length,
      producerId: String(producer.producerId), producerEpoch: producer.producerEpoch,
      baseSequence: producer.firstSequence, transactional: producer.transactionalId !== null,
    }],
    records: msgs.map((m, i) => ({
      offset: String(i),
      timestamp: m.timestamp,
      key: b64(m.key),
      value: b64(m.value),
      headers: Object.entries(m.headers ?? {}).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => ({ key: k, value: b64(x) }))),
    })),
  };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, `${name}.bin`), blob);
  writeFileSync(join(OUT, `${name}.json`), `${JSON.stringify(doc, null, 1)}\n`);
  console.log(`${name.padEnd(28)} ${String(blob.length).padStart(6)} bytes`);
}

const random = rng(20261121);
// kafkajs writes producerId -1 and epoch 0 and sequence 0 when not idempotent.
const plain = { producerId: -1, producerEpoch: 0, firstSequence: 0, transactionalId: null };
for (const codec of ['None', 'GZIP', 'Snappy']) {
  await capture(`v2-${codec.toLowerCase()}`, `Produce v3 request from kafkajs, ${codec}`, messages(30, random), codec, plain);
}
await capture('v2-transactional-snappy', 'transactional idempotent batch, Snappy (raw framing)', messages(8, random), 'Snappy',
  { producerId: 9001, producerEpoch: 2, firstSequence: 57, transactionalId: 'tx-fixtures' });
