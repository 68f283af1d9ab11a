import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { compressSync } from 'snappy';
import { isXerialSnappy, snappyCompress, snappyDecompress } from '../../src/compression/snappy.ts';
import { jsonishPayload } from '../records/seeded-random.ts';

const require = createRequire(import.meta.url);
/** kafkajs-snappy, the codec kafkajs producers register: what it writes is what they send. */
const kafkajsSnappy = (require('kafkajs-snappy') as () => {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(b: Buffer): Promise<Buffer>;
})();

describe('snappy', () => {
  const input = jsonishPayload(100_000, 11);

  it('writes xerial framing by default: header, then int32-length blocks of at most 32 KiB input', () => {
    const packed = snappyCompress(input);
    assert.ok(isXerialSnappy(packed));
    assert.deepEqual([...packed.subarray(0, 16)], [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
    let blocks = 0;
    for (let pos = 16; pos < packed.length; blocks++) pos += 4 + packed.readInt32BE(pos);
    assert.equal(blocks, Math.ceil(input.length / 32768));
    assert.deepEqual(snappyDecompress(packed), input);
  });

  it('reads raw snappy, as kafkajs-snappy and librdkafka write it', async () => {
    const raw = await kafkajsSnappy.compress({ buffer: input });
    assert.equal(isXerialSnappy(raw), false);
    assert.deepEqual(snappyDecompress(raw), input);
    assert.deepEqual(snappyDecompress(snappyCompress(input, { framing: 'raw' })), input);
  });

  it('our raw and xerial output is readable by kafkajs-snappy', async () => {
    assert.deepEqual(await kafkajsSnappy.decompress(snappyCompress(input)), input);
    assert.deepEqual(await kafkajsSnappy.decompress(snappyCompress(input, { framing: 'raw' })), input);
  });

  it('checks the declared lengths against the cap before inflating', () => {
    const raw = compressSync(Buffer.alloc(5_000_000));
    assert.throws(() => snappyDecompress(raw, { maxOutputBytes: 1 << 20 }), /5000000 bytes, over the limit/);
    const xerial = snappyCompress(Buffer.alloc(5_000_000));
    assert.throws(() => snappyDecompress(xerial, { maxOutputBytes: 1 << 20 }), { code: 'SAMSA_ERR_COMPRESSION_OUTPUT_TOO_LARGE' });
  });

  it('rejects a block whose preamble lies about its length', () => {
    const raw = Buffer.from(compressSync(Buffer.from('hello hello hello')));
    raw[0] = 40; // claims 40 bytes, the stream holds 17
    assert.throws(() => snappyDecompress(raw), { code: 'SAMSA_ERR_COMPRESSION_CORRUPT' });
  });

  it('refuses a preamble that claims more than the block could ever hold, before allocating it', () => {
    const lie = Buffer.from([0x80, 0x80, 0x80, 0x20, 0x00]); // declares 64 MiB in 5 bytes
    assert.throws(() => snappyDecompress(lie), /cannot hold/);
    const densest = compressSync(Buffer.alloc(1 << 20));
    assert.equal(snappyDecompress(densest).length, 1 << 20, 'the densest real stream stays under the bound');
  });

  it('rejects xerial blocks with negative or overlong lengths', () => {
    const packed = Buffer.from(snappyCompress(Buffer.from('abc')));
    packed.writeInt32BE(-1, 16);
    assert.throws(() => snappyDecompress(packed), { code: 'SAMSA_ERR_COMPRESSION_CORRUPT' });
    packed.writeInt32BE(1000, 16);
    assert.throws(() => snappyDecompress(packed), { code: 'SAMSA_ERR_COMPRESSION_CORRUPT' });
    assert.throws(() => snappyDecompress(Buffer.concat([snappyCompress(Buffer.from('abc')), Buffer.from([0, 0])])),
      { code: 'SAMSA_ERR_COMPRESSION_CORRUPT' });
  });
});
