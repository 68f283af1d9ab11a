import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { xxhash32 } from '../../src/compression/xxhash32.ts';

describe('xxhash32', () => {
  it('matches the reference vectors', () => {
    assert.equal(xxhash32(Buffer.alloc(0)), 0x02cc5d05);
    assert.equal(xxhash32(Buffer.from('a')), 0x550d7456);
    assert.equal(xxhash32(Buffer.from('abc')), 0x32d153ff);
    assert.equal(xxhash32(Buffer.from('Nobody inspects the spammish repetition')), 0xe2293b2f);
  });

  it('hashes a range of a buffer like the same bytes alone', () => {
    const b = Buffer.from('xxNobody inspects the spammish repetitionyy');
    assert.equal(xxhash32(b, 0, 2, b.length - 2), 0xe2293b2f);
  });
});
