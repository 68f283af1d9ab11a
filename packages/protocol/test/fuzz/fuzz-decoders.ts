/**
 * Decoder fuzzing shared by the bounded test in `npm test` and `scripts/fuzz-protocol.ts`:
 * random bytes, mutations of valid encodings built from Kafka's schemas, and mutations of
 * request frames captured from real clients are fed to
 * every generated decoder and to whole-frame request decoding. The only acceptable
 * failure is a SamsaError; anything else (a TypeError, a RangeError from an allocation,
 * a hang) is a bug, reported with what reproduces it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as generated from '../../src/generated/index.ts';
import { Reader, SamsaError, Writer, decodeRequest, encodeRequest, type MessageCodec } from '../../src/index.ts';
import { defaultSchemaDir } from '../../../../tools/codegen/src/main.ts';
import { Random, sampleMessage } from '../../../../tools/codegen/src/sample-values.ts';
import { loadSchemas, type MessageSpec } from '../../../../tools/codegen/src/schema.ts';

export interface FuzzStats {
  cases: number;
  rejected: number;
  accepted: number;
}

export class FuzzFailure extends Error {
  constructor(message: string, options: ErrorOptions) {
    super(message, options);
    this.name = 'FuzzFailure';
  }
}

export function mutate(rnd: Random, input: Buffer): Buffer {
  const b = Buffer.from(input);
  const ops = 1 + rnd.int(4);
  let out = b;
  for (let i = 0; i < ops; i++) {
    const pos = out.length === 0 ? 0 : rnd.int(out.length);
    switch (rnd.int(6)) {
      case 0:
        if (out.length > 0) out[pos] = out[pos]! ^ (1 << rnd.int(8));
        break;
      case 1:
        if (out.length > 0) out[pos] = [0x00, 0xff, 0x7f, 0x80, 0x01][rnd.int(5)]!;
        break;
      case 2:
        out = out.subarray(0, pos);
        break;
      case 3:
        out = Buffer.concat([out.subarray(0, pos), rnd.bytes(1 + rnd.int(8)), out.subarray(pos)]);
        break;
      case 4:
        if (out.length >= pos + 4) out.writeInt32BE([0x7fffffff, -1, -2, 0x10000000, 0][rnd.int(5)]!, pos);
        break;
      default:
        if (out.length >= pos + 2) out.writeInt16BE([0x7fff, -1, -2][rnd.int(3)]!, pos);
        break;
    }
  }
  return out;
}

function attempt(stats: FuzzStats, what: string, bytes: Buffer, decode: () => void): void {
  stats.cases++;
  try {
    decode();
    stats.accepted++;
  } catch (e) {
    if (e instanceof SamsaError) {
      stats.rejected++;
      return;
    }
    throw new FuzzFailure(`${what}: non-Samsa error for input ${bytes.toString('hex')}`, { cause: e });
  }
}

const framesDir = join(import.meta.dirname, '../fixtures/frames');

/** Request frames captured from kafkajs, kcat/librdkafka and kafka-python (tools/capture). */
export function capturedFrames(): Buffer[] {
  const index = JSON.parse(readFileSync(join(framesDir, 'index.json'), 'utf8')) as { fixtures: Array<{ file: string }> };
  return index.fixtures.map((f) => readFileSync(join(framesDir, f.file)));
}

/** Runs until `deadline` (a Date.now() value) or `maxRounds`, whichever comes first. */
export function fuzzDecoders(seed: number, deadline: number, maxRounds = Infinity): FuzzStats {
  const messages: MessageSpec[] = loadSchemas(defaultSchemaDir).filter((m) => m.type === 'request' || m.type === 'response');
  const codecs = generated as unknown as Record<string, MessageCodec<unknown>>;
  const rnd = new Random(seed);
  const stats: FuzzStats = { cases: 0, rejected: 0, accepted: 0 };
  const captured = capturedFrames();
  for (let round = 0; round < maxRounds && Date.now() < deadline; round++) {
    for (const frame of captured) {
      const bad = mutate(rnd, frame);
      attempt(stats, `captured frame (seed ${seed}, round ${round})`, bad, () => decodeRequest(bad));
    }
    for (const m of messages) {
      if (Date.now() >= deadline) break;
      const codec = codecs[m.name]!;
      const v = m.validVersions.lo + rnd.int(m.validVersions.hi - m.validVersions.lo + 1);
      const w = new Writer();
      codec.write(w, v, sampleMessage(m, v, rnd, { maxArray: 4 }) as never);
      const valid = w.toBuffer();
      for (let i = 0; i < 6; i++) {
        const bad = mutate(rnd, valid);
        attempt(stats, `${m.name} v${v} (seed ${seed}, round ${round})`, bad, () => codec.read(new Reader(bad), v));
      }
      const noise = rnd.bytes(rnd.int(64));
      attempt(stats, `${m.name} v${v} random bytes`, noise, () => codec.read(new Reader(noise), v));
      if (m.type === 'request' && m.apiKey !== undefined) {
        const frame = Buffer.concat(encodeRequest(m.apiKey, v, 1, 'fuzz', sampleMessage(m, v, rnd, { maxArray: 2 }) as never));
        const bad = mutate(rnd, frame);
        attempt(stats, `${m.name} v${v} frame`, bad, () => decodeRequest(bad));
      }
    }
  }
  return stats;
}
