import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { gzipCompress, gzipDecompress } from '../../src/compression/gzip.ts';

describe('gzip', () => {
  it('joins members written back to back, as GZIPInputStream does', () => {
    const a = gzipSync(Buffer.from('first '));
    const b = gzipSync(Buffer.from('second'));
    assert.equal(gzipDecompress(Buffer.concat([a, b])).toString(), 'first second');
  });

  it('rejects trailing garbage', () => {
    assert.throws(() => gzipDecompress(Buffer.concat([gzipCompress(Buffer.from('x')), Buffer.from('junk')])),
      { code: 'SAMSA_ERR_COMPRESSION_CORRUPT' });
  });

  it('honours the level', () => {
    const input = Buffer.from('abcabcabc'.repeat(1000));
    assert.ok(gzipCompress(input, { level: 9 }).length <= gzipCompress(input, { level: 1 }).length);
  });

  it('a 10 MB bomb in a few KB stops at the cap', () => {
    const bomb = gzipSync(Buffer.alloc(10_000_000));
    assert.ok(bomb.length < 20_000);
    assert.throws(() => gzipDecompress(bomb, { maxOutputBytes: 1 << 20 }), { code: 'SAMSA_ERR_COMPRESSION_OUTPUT_TOO_LARGE' });
  });
});
