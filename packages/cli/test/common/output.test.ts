import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTable, toJson } from '../../src/common/output.ts';

describe('output', () => {
  it('aligns columns and right-aligns numbers', () => {
    assert.equal(formatTable(['NAME', 'COUNT', 'NOTE'], [['a', 5, null], ['longer', 1234, 'x']]),
      'NAME    COUNT  NOTE\na           5  -\nlonger   1234  x\n');
  });

  it('writes bigints as numbers when exact and as strings when not', () => {
    assert.equal(toJson({ a: 5n, b: 2n ** 60n, m: new Map([['k', 1n]]) }), '{"a":5,"b":"1152921504606846976","m":{"k":1}}');
  });
});
