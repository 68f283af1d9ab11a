import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProperties, PropertiesSyntaxError } from '../../src/config/properties-file.ts';

function pairs(text: string): Array<[string, string]> {
  return parseProperties(text).map((entry) => [entry.key, entry.value]);
}

describe('parseProperties', () => {
  it('reads key=value, key: value, key value and a bare key', () => {
    assert.deepEqual(pairs('a=1\nb: 2\nc 3\nd\ne = 5\nf\t:\t6'), [['a', '1'], ['b', '2'], ['c', '3'], ['d', ''], ['e', '5'], ['f', '6']]);
  });

  it('skips comments (# and !), blank lines and leading blanks', () => {
    assert.deepEqual(pairs('# comment\n  ! also a comment\n\n   \n  key=value\n\t# indented comment'), [['key', 'value']]);
  });

  it('keeps everything after the first separator in the value', () => {
    assert.deepEqual(pairs('listeners=PLAINTEXT://:9092\nmap=A:B,C:D\nx = = y'), [
      ['listeners', 'PLAINTEXT://:9092'],
      ['map', 'A:B,C:D'],
      ['x', '= y'],
    ]);
  });

  it('keeps trailing blanks of a value (trimming is the config layer\'s job, as in Kafka)', () => {
    assert.deepEqual(pairs('a=1  '), [['a', '1  ']]);
  });

  it('unescapes keys and values', () => {
    assert.deepEqual(pairs('a\\:b\\=c\\ d=v\\tw\\nx\\\\y\\u0041\\z'), [['a:b=c d', 'v\tw\nx\\yAz']]);
  });

  it('joins continued lines and drops the continuation\'s leading blanks', () => {
    const entries = parseProperties('log.dirs=/a,\\\n        /b,\\\n\t/c\nnext=1');
    assert.deepEqual(entries, [
      { key: 'log.dirs', value: '/a,/b,/c', line: 1 },
      { key: 'next', value: '1', line: 4 },
    ]);
  });

  it('an even number of trailing backslashes does not continue the line', () => {
    assert.deepEqual(pairs('a=b\\\\\nc=d'), [['a', 'b\\'], ['c', 'd']]);
  });

  it('a continued line starting with # is data, not a comment', () => {
    assert.deepEqual(pairs('a=1\\\n  #2'), [['a', '1#2']]);
  });

  it('a comment line ending in a backslash does not swallow the next line', () => {
    assert.deepEqual(pairs('# comment \\\na=1'), [['a', '1']]);
  });

  it('a continuation at the end of the file just ends', () => {
    assert.deepEqual(pairs('a=1\\'), [['a', '1']]);
  });

  it('handles CRLF, CR and a byte-order mark', () => {
    assert.deepEqual(parseProperties('\uFEFFa=1\r\nb=2\rc=3'), [
      { key: 'a', value: '1', line: 1 },
      { key: 'b', value: '2', line: 2 },
      { key: 'c', value: '3', line: 3 },
    ]);
  });

  it('keeps duplicate keys in order for the caller to resolve', () => {
    assert.deepEqual(pairs('a=1\na=2'), [['a', '1'], ['a', '2']]);
  });

  it('reports a malformed \\u escape with its line', () => {
    assert.throws(() => parseProperties('ok=1\nbad=\\u12G4'), (err: unknown) => {
      assert.ok(err instanceof PropertiesSyntaxError);
      assert.equal(err.line, 2);
      assert.match(err.message, /\\u/);
      return true;
    });
  });
});
