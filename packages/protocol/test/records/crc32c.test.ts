import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { crc32c, crc32cImplementation } from '../../src/records/crc32c.ts';
import { seededRandom } from './seeded-random.ts';

const nodeRs = (createRequire(import.meta.url)('@node-rs/crc32') as { crc32c: (data: Buffer, initial?: number) => number }).crc32c;

describe('crc32c', () => {
  it('uses aws-crt\'s addon when the optional dependency is installed (it is, in this workspace)', () => {
    assert.equal(crc32cImplementation(), 'aws-crt');
  });

  it('gives the standard check value and continues from an initial CRC', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    const data = Buffer.from('The quick brown fox jumps over the lazy dog');
    assert.equal(crc32c(data.subarray(10), crc32c(data.subarray(0, 10))), crc32c(data));
    assert.equal(crc32c(Buffer.alloc(0)), 0);
  });

  it('agrees with @node-rs/crc32 on random data of every length up to 300 bytes and a few large ones, at odd offsets', () => {
    const random = seededRandom(20261121);
    const big = Buffer.alloc(1 << 20);
    for (let i = 0; i < big.length; i++) big[i] = Math.floor(random() * 256);
    const lengths = [...Array.from({ length: 301 }, (_, i) => i), 4095, 4096, 16384, 65537, 1 << 20];
    for (const length of lengths) {
      const offset = length === big.length ? 0 : 1 + Math.floor(random() * 7);
      const view = big.subarray(offset, offset + length);
      const initial = Math.floor(random() * 2 ** 32);
      assert.equal(crc32c(view), nodeRs(view) >>> 0, `length ${length}`);
      assert.equal(crc32c(view, initial), nodeRs(view, initial) >>> 0, `length ${length}, initial ${initial}`);
    }
  });
});
