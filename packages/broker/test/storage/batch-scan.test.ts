import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readOffset, writeOffset } from '../../src/storage/batch-scan.ts';

describe('int64 offsets and timestamps as numbers', () => {
  const values = [0, 1, -1, 2 ** 32 - 1, 2 ** 32, -(2 ** 32), 1_700_000_000_000, -1_700_000_000_123, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];

  it('reads what readBigInt64BE reads, and writes what writeBigInt64BE writes', () => {
    for (const v of values) {
      const expected = Buffer.alloc(12);
      expected.writeBigInt64BE(BigInt(v), 2);
      const written = Buffer.alloc(12);
      writeOffset(written, v, 2);
      assert.deepEqual(written, expected, `write ${v}`);
      assert.equal(readOffset(expected, 2), v, `read ${v}`);
    }
  });
});
