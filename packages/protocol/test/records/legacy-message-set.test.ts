import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { CompressionType } from '../../src/compression/compression-type.ts';
import { gzipCompress } from '../../src/compression/gzip.ts';
import { CorruptRecordError, ProtocolError, SamsaError } from '../../src/errors.ts';
import { TimestampType } from '../../src/records/batch-header.ts';
import {
  LegacyEntry, LegacyOffsets, NO_TIMESTAMP_TYPE, buildLegacyMessageSet, readLegacyRecords,
} from '../../src/records/legacy-message-set.ts';
import { randomBytes, randomInt, seededRandom } from './seeded-random.ts';

const inputs = [
  { key: 'a', value: 'first', timestamp: 100 },
  { key: null, value: 'second', timestamp: 90 },
  { key: '', value: null, timestamp: 120 },
];

describe('legacy message sets', () => {
  it('uses CRC-32 (IEEE) from node:zlib', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  });

  for (const magic of [0, 1] as const) {
    for (const codec of [CompressionType.none, CompressionType.gzip, CompressionType.snappy, CompressionType.lz4]) {
      it(`magic ${magic}, codec ${codec}: round trip with absolute offsets`, () => {
        const set = buildLegacyMessageSet(inputs, { magic, compression: codec, baseOffset: 40n });
        const records = [...readLegacyRecords(set)];
        assert.deepEqual(records.map((r) => r.offset), [40n, 41n, 42n]);
        assert.deepEqual(records.map((r) => r.key?.toString() ?? null), ['a', null, '']);
        assert.deepEqual(records.map((r) => r.value?.toString() ?? null), ['first', 'second', null]);
        assert.deepEqual(records.map((r) => r.timestamp), magic === 0 ? [-1n, -1n, -1n] : [100n, 90n, 120n]);
        assert.deepEqual(records.map((r) => r.timestampType), magic === 0 ? [NO_TIMESTAMP_TYPE, NO_TIMESTAMP_TYPE, NO_TIMESTAMP_TYPE] : [0, 0, 0]);
        for (let pos = 0; pos < set.length;) {
          const e = new LegacyEntry(set, pos);
          e.ensureValid();
          assert.equal(e.magic, magic);
          assert.equal(e.compression, codec);
          pos += e.sizeInBytes;
        }
      });
    }
  }

  it('magic 1 inner offsets count back from the wrapper offset (a leader sets only the wrapper)', () => {
    const set = buildLegacyMessageSet(inputs, { magic: 1, compression: CompressionType.gzip });
    set.writeBigInt64BE(1002n, 0); // the leader assigns offsets 1000..1002
    assert.deepEqual([...readLegacyRecords(set)].map((r) => r.offset), [1000n, 1001n, 1002n]);
  });

  it('magic 1 LogAppendTime: inner records take the wrapper timestamp', () => {
    const set = buildLegacyMessageSet(inputs, { magic: 1, compression: CompressionType.snappy, timestampType: TimestampType.LogAppendTime });
    const wrapper = new LegacyEntry(set);
    assert.equal(wrapper.timestampType, TimestampType.LogAppendTime);
    assert.deepEqual([...wrapper.records()].map((r) => [r.timestamp, r.timestampType]),
      [[120n, 1], [120n, 1], [120n, 1]]);
  });

  it('magic 0 lz4 carries the pre-0.10 header checksum and still reads (KAFKA-3160)', () => {
    const set = buildLegacyMessageSet(inputs, { magic: 0, compression: CompressionType.lz4 });
    assert.equal([...readLegacyRecords(set)].length, 3);
  });

  it('refuses malformed entries', () => {
    const good = buildLegacyMessageSet([{ key: 'k', value: 'v', timestamp: 1 }], { magic: 1 });
    const bad = (f: (b: Buffer) => void): Buffer => {
      const b = Buffer.from(good);
      f(b);
      return b;
    };
    const cases: [string, Buffer][] = [
      ['too short', good.subarray(0, 20)],
      ['magic 3', bad((b) => { b[LegacyOffsets.magic] = 3; })],
      ['size below overhead', bad((b) => b.writeInt32BE(10, 8))],
      ['size past the end', bad((b) => b.writeInt32BE(1000, 8))],
      ['key length past the message', bad((b) => b.writeInt32BE(100, 26))],
      ['key length -2', bad((b) => b.writeInt32BE(-2, 26))],
      ['bytes after the value', bad((b) => { b.writeInt32BE(b.readInt32BE(8) + 1, 8); }).subarray(0, good.length)],
    ];
    for (const [name, b] of cases) {
      assert.throws(() => [...readLegacyRecords(b)], CorruptRecordError, name);
    }
    const flipped = bad((b) => { b[b.length - 1]! ^= 1; });
    assert.equal(new LegacyEntry(flipped).isValid(), false);
    assert.throws(() => new LegacyEntry(flipped).ensureValid(), CorruptRecordError);
  });

  /** A gzip wrapper around arbitrary inner bytes, which our builder would never produce. */
  function wrap(innerSet: Buffer, magic: 0 | 1): Buffer {
    const value = gzipCompress(innerSet);
    const overhead = magic === 0 ? 14 : 22;
    const b = Buffer.alloc(12 + overhead + value.length);
    b.writeInt32BE(overhead + value.length, 8);
    b.writeInt8(magic, LegacyOffsets.magic);
    b.writeInt8(CompressionType.gzip, LegacyOffsets.attributes);
    const keyAt = magic === 0 ? 18 : 26;
    b.writeInt32BE(-1, keyAt);
    b.writeInt32BE(value.length, keyAt + 4);
    value.copy(b, keyAt + 8);
    b.writeUInt32BE(crc32(b.subarray(LegacyOffsets.magic)) >>> 0, LegacyOffsets.crc);
    return b;
  }

  it('refuses compressed inner messages, mismatched inner magic, empty wrappers and zstd', () => {
    assert.equal([...readLegacyRecords(wrap(buildLegacyMessageSet(inputs, { magic: 1 }), 1))].length, 3);
    const nested = wrap(buildLegacyMessageSet(inputs, { magic: 1, compression: CompressionType.gzip }), 1);
    assert.throws(() => [...readLegacyRecords(nested)], /must not be compressed/);
    assert.throws(() => [...readLegacyRecords(wrap(buildLegacyMessageSet(inputs, { magic: 0 }), 1))], /inner message magic 0/);
    assert.throws(() => [...readLegacyRecords(wrap(Buffer.alloc(0), 0))], /holds no messages/);
    assert.throws(() => [...readLegacyRecords(wrap(Buffer.from('garbage!'), 0))], CorruptRecordError);
    const zstdWrapper = buildLegacyMessageSet([{ value: 'x' }], { magic: 1 });
    zstdWrapper.writeInt8(CompressionType.zstd, LegacyOffsets.attributes);
    assert.throws(() => [...readLegacyRecords(zstdWrapper)], ProtocolError);
  });

  it('random bytes and mutations only ever throw our errors (fuzz, fixed seed)', () => {
    const random = seededRandom(5);
    const seeds = [0, 1].flatMap((magic) => [0, 1, 2, 3].map((c) =>
      buildLegacyMessageSet(inputs, { magic: magic as 0 | 1, compression: c as CompressionType, baseOffset: 3n })));
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(seeds[i % seeds.length]!);
      for (let m = randomInt(random, 1, 3); m > 0; m--) b[randomInt(random, 0, b.length - 1)] = randomInt(random, 0, 255);
      try {
        for (const r of readLegacyRecords(random() < 0.1 ? randomBytes(random, 60) : b, { maxOutputBytes: 1 << 20 })) void r.offset;
      } catch (err) {
        assert.ok(err instanceof SamsaError, `mutation ${i}: ${String(err)}`);
      }
    }
  });
});
