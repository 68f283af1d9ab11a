import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compress, decompress } from '../../src/compression/codec.ts';
import { CompressionType, compressionName, isCompressionType } from '../../src/compression/compression-type.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../../src/compression/limits.ts';
import { ProtocolError } from '../../src/errors.ts';
import { jsonishPayload, randomBytes, randomInt, seededRandom } from '../records/seeded-random.ts';

const codecs = [CompressionType.gzip, CompressionType.snappy, CompressionType.lz4, CompressionType.zstd] as const;

describe('compress/decompress', () => {
  for (const codec of codecs) {
    const name = compressionName(codec);
    it(`${name}: round trips empty, tiny, random and 1 MiB JSON-ish inputs`, () => {
      const random = seededRandom(codec);
      const inputs = [Buffer.alloc(0), Buffer.from('x'), randomBytes(random, 70_000), jsonishPayload(1 << 20, codec)];
      for (let i = 0; i < 20; i++) inputs.push(randomBytes(random, randomInt(random, 0, 5000)));
      for (const input of inputs) {
        const packed = compress(codec, input);
        assert.deepEqual(decompress(codec, packed), input);
      }
    });

    it(`${name}: compresses repetitive data`, () => {
      const input = jsonishPayload(256 * 1024, 7);
      assert.ok(compress(codec, input).length < input.length / 2);
    });

    it(`${name}: refuses output past maxOutputBytes with SAMSA_ERR_COMPRESSION_OUTPUT_TOO_LARGE`, () => {
      const packed = compress(codec, Buffer.alloc(1 << 20, 0x61));
      assert.throws(() => decompress(codec, packed, { maxOutputBytes: 1000 }),
        (err: unknown) => err instanceof ProtocolError && err.code === 'SAMSA_ERR_COMPRESSION_OUTPUT_TOO_LARGE');
      assert.equal(decompress(codec, packed, { maxOutputBytes: 1 << 20 }).length, 1 << 20);
    });

    it(`${name}: garbage and truncation throw ProtocolError, never hang`, () => {
      const random = seededRandom(100 + codec);
      const packed = compress(codec, jsonishPayload(20_000, 3));
      const cases = [Buffer.from('not compressed at all, surely'), packed.subarray(0, packed.length - 5), packed.subarray(0, 3)];
      for (let i = 0; i < 50; i++) cases.push(randomBytes(random, randomInt(random, 0, 300)));
      for (const c of cases) {
        try {
          decompress(codec, c, { maxOutputBytes: 1 << 20 });
        } catch (err) {
          assert.ok(err instanceof ProtocolError, `${name}: ${String(err)}`);
        }
      }
    });
  }

  it('none returns the input as is', () => {
    const b = Buffer.from('abc');
    assert.equal(compress(CompressionType.none, b), b);
    assert.equal(decompress(CompressionType.none, b), b);
  });

  it('unknown codec ids throw SAMSA_ERR_RECORDS_UNSUPPORTED_COMPRESSION', () => {
    for (const id of [5, 6, 7]) {
      assert.equal(isCompressionType(id), false);
      assert.throws(() => decompress(id, Buffer.from('x')), { code: 'SAMSA_ERR_RECORDS_UNSUPPORTED_COMPRESSION' });
      assert.throws(() => compress(id, Buffer.from('x')), { code: 'SAMSA_ERR_RECORDS_UNSUPPORTED_COMPRESSION' });
    }
    assert.equal(compressionName(6), 'unknown(6)');
  });

  it('has a default cap', () => {
    assert.equal(DEFAULT_MAX_DECOMPRESSED_BYTES, 128 * 1024 * 1024);
    assert.throws(() => decompress(CompressionType.gzip, Buffer.alloc(1), { maxOutputBytes: -1 }), RangeError);
  });
});
