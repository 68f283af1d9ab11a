import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from '../../src/common/cli-error.ts';
import { lineReaderProperties, parseLine, type LineRecord } from '../../src/common/line-message-reader.ts';

const text = (r: LineRecord): unknown => ({
  key: r.key?.toString() ?? null,
  value: r.value?.toString() ?? null,
  headers: r.headers.map(([k, v]) => [k, v?.toString() ?? null]),
});

describe('line-message-reader', () => {
  it('takes the whole line as the value by default', () => {
    assert.deepEqual(text(parseLine('a\tb:c', 1, lineReaderProperties([]))), { key: null, value: 'a\tb:c', headers: [] });
  });

  it('splits key and value at the first separator, which may be longer than one character', () => {
    const p = lineReaderProperties([['parse.key', 'true'], ['key.separator', '::']]);
    assert.deepEqual(text(parseLine('k::v::w', 1, p)), { key: 'k', value: 'v::w', headers: [] });
    assert.deepEqual(text(parseLine('::v', 1, p)), { key: '', value: 'v', headers: [] });
  });

  it('reads headers first, with null.marker for null values and keys', () => {
    const p = lineReaderProperties([['parse.key', 'true'], ['key.separator', ':'], ['parse.headers', 'true'], ['null.marker', '<null>']]);
    assert.deepEqual(text(parseLine('h1:a,h2:<null>,h3:x:y\tk:v', 1, p)),
      { key: 'k', value: 'v', headers: [['h1', 'a'], ['h2', null], ['h3', 'x:y']] });
    assert.deepEqual(text(parseLine('\t<null>:<null>', 1, p)), { key: null, value: null, headers: [] });
    assert.throws(() => parseLine('novalue\tk:v', 7, p), (e: unknown) => e instanceof CliError && /no header key separator found in 'novalue' on line 7/.test(e.message));
  });

  it('fails on a missing separator unless ignore.error is set, which keeps the whole line as the value', () => {
    assert.throws(() => parseLine('abc', 3, lineReaderProperties([['parse.key', 'true']])), /no key separator found on line 3: 'abc'/);
    const lenient = lineReaderProperties([['parse.key', 'true'], ['parse.headers', 'true'], ['ignore.error', 'true']]);
    assert.deepEqual(text(parseLine('abc', 3, lenient)), { key: null, value: 'abc', headers: [] });
  });

  it('refuses unknown properties and bad values', () => {
    assert.throws(() => lineReaderProperties([['parse.keys', 'true']]), /--property parse\.keys is not known/);
    assert.throws(() => lineReaderProperties([['parse.key', 'yes']]), /parse\.key must be true or false/);
    assert.throws(() => lineReaderProperties([['key.separator', '']]), /key\.separator must not be empty/);
  });
});
