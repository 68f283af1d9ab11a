/**
 * Every message schema × every valid version: random values (nulls, empty and larger
 * arrays, unknown tagged fields) encode and decode back to the same value, and encoding
 * the decoded value gives the same bytes.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as generated from '../../../packages/protocol/src/generated/index.ts';
import { Reader, Writer } from '../../../packages/protocol/src/index.ts';
import type { MessageCodec } from '../../../packages/protocol/src/primitives/message-support.ts';
import { defaultSchemaDir } from '../src/main.ts';
import { Random, sampleMessage } from '../src/sample-values.ts';
import { loadSchemas } from '../src/schema.ts';

assert.ok(existsSync(defaultSchemaDir), `the round-trip test reads Kafka's schemas from ${defaultSchemaDir}`);
const messages = loadSchemas(defaultSchemaDir);
const codecs = generated as unknown as Record<string, MessageCodec<unknown>>;

function roundTrip(codec: MessageCodec<unknown>, version: number, value: unknown): void {
  const w = new Writer();
  codec.write(w, version, value as never);
  const bytes = w.toBuffer();
  const r = new Reader(bytes);
  const decoded = codec.read(r, version);
  assert.equal(r.remaining, 0, `${codec.name} v${version}: ${r.remaining} bytes left after decoding`);
  assert.deepStrictEqual(decoded, value, `${codec.name} v${version}: decoded value differs`);
  const again = new Writer();
  codec.write(again, version, decoded as never);
  assert.ok(again.toBuffer().equals(bytes), `${codec.name} v${version}: re-encoding differs`);
}

describe('generated codecs round-trip', () => {
  it('covers every schema file', () => {
    assert.equal(messages.length, 162);
    for (const m of messages) assert.ok(codecs[m.name], `no codec exported for ${m.name}`);
  });

  for (const m of messages) {
    it(`${m.name} v${m.validVersions.lo}-${m.validVersions.hi}`, () => {
      const codec = codecs[m.name]!;
      assert.equal(codec.minVersion, m.validVersions.lo);
      assert.equal(codec.maxVersion, m.validVersions.hi);
      for (let v = m.validVersions.lo; v <= m.validVersions.hi; v++) {
        const rnd = new Random(0x5a45 + v * 7919 + m.name.length);
        roundTrip(codec, v, codec.defaults());
        for (let i = 0; i < 8; i++) roundTrip(codec, v, sampleMessage(m, v, rnd));
        roundTrip(codec, v, sampleMessage(m, v, rnd, { maxArray: 40, nullChance: 0 }));
        roundTrip(codec, v, sampleMessage(m, v, rnd, { maxArray: 0, nullChance: 1 }));
      }
    });
  }

  it('rejects versions outside the schema', () => {
    const codec = codecs['FetchRequest']!;
    assert.throws(() => codec.read(new Reader(Buffer.alloc(100)), 17), { code: 'SAMSA_ERR_PROTOCOL_UNSUPPORTED_VERSION' });
    assert.throws(() => codec.write(new Writer(), -1, {} as never), { code: 'SAMSA_ERR_PROTOCOL_UNSUPPORTED_VERSION' });
  });

  it('refuses to drop a non-ignorable field a version lacks', () => {
    // JoinGroup's GroupInstanceId exists from v5 and is not ignorable.
    const codec = codecs['JoinGroupRequest']!;
    assert.throws(() => codec.write(new Writer(), 4, { groupInstanceId: 'static-1' } as never),
      { code: 'SAMSA_ERR_PROTOCOL_NOT_REPRESENTABLE' });
  });

  it('keeps int64 values exact at the extremes', () => {
    const codec = codecs['ListOffsetsRequest']!;
    const value = { topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -(2n ** 63n) }, { partitionIndex: 1, timestamp: 2n ** 63n - 1n }] }] };
    const w = new Writer();
    codec.write(w, 1, value as never);
    const decoded = codec.read(new Reader(w.toBuffer()), 1) as typeof value;
    assert.equal(decoded.topics[0]!.partitions[0]!.timestamp, -(2n ** 63n));
    assert.equal(decoded.topics[0]!.partitions[1]!.timestamp, 2n ** 63n - 1n);
  });
});
