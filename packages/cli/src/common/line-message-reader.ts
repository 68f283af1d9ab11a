/**
 * How console-producer turns a line into a record, with Kafka's LineMessageReader
 * properties: `parse.headers` (headers first, ending at `headers.delimiter`, pairs split by
 * `headers.separator`, key from value by `headers.key.separator`), then `parse.key` (key
 * up to the first `key.separator`), the rest is the value; `null.marker` makes a key,
 * value or header value null; `ignore.error` takes a line without the expected separator
 * whole as the value instead of failing.
 */
import { CliError, usageError } from './cli-error.ts';
import { parseBoolean } from './arguments.ts';

export interface LineRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer | null]>;
}

export interface LineReaderProperties {
  parseKey: boolean;
  keySeparator: string;
  parseHeaders: boolean;
  headersDelimiter: string;
  headersSeparator: string;
  headersKeySeparator: string;
  nullMarker: string | null;
  ignoreError: boolean;
}

const KNOWN = ['parse.key', 'key.separator', 'parse.headers', 'headers.delimiter', 'headers.separator',
  'headers.key.separator', 'null.marker', 'ignore.error'];

export function lineReaderProperties(entries: ReadonlyArray<readonly [string, string]>): LineReaderProperties {
  const p = new Map(entries);
  for (const k of p.keys()) {
    if (!KNOWN.includes(k)) throw usageError(`--property ${k} is not known; known: ${KNOWN.join(', ')}`);
  }
  const props: LineReaderProperties = {
    parseKey: parseBoolean('parse.key', p.get('parse.key') ?? 'false'),
    keySeparator: p.get('key.separator') ?? '\t',
    parseHeaders: parseBoolean('parse.headers', p.get('parse.headers') ?? 'false'),
    headersDelimiter: p.get('headers.delimiter') ?? '\t',
    headersSeparator: p.get('headers.separator') ?? ',',
    headersKeySeparator: p.get('headers.key.separator') ?? ':',
    nullMarker: p.get('null.marker') ?? null,
    ignoreError: parseBoolean('ignore.error', p.get('ignore.error') ?? 'false'),
  };
  for (const k of ['key.separator', 'headers.delimiter', 'headers.separator', 'headers.key.separator'] as const) {
    if (p.get(k) === '') throw usageError(`--property ${k} must not be empty`);
  }
  if (props.parseHeaders && props.headersDelimiter === props.headersSeparator) {
    throw usageError('headers.delimiter and headers.separator must differ');
  }
  return props;
}

export function parseLine(line: string, lineNumber: number, p: LineReaderProperties): LineRecord {
  let rest = line;
  const headers: Array<[string, Buffer | null]> = [];
  const text = (s: string): Buffer | null => (p.nullMarker !== null && s === p.nullMarker ? null : Buffer.from(s, 'utf8'));
  if (p.parseHeaders) {
    const at = rest.indexOf(p.headersDelimiter);
    if (at < 0) {
      if (!p.ignoreError) throw new CliError(`no headers delimiter found on line ${lineNumber}: '${line}'`);
    } else {
      const part = rest.slice(0, at);
      rest = rest.slice(at + p.headersDelimiter.length);
      if (part !== '' && part !== p.nullMarker) {
        for (const pair of part.split(p.headersSeparator)) {
          const k = pair.indexOf(p.headersKeySeparator);
          if (k < 0) throw new CliError(`no header key separator found in '${pair}' on line ${lineNumber}`);
          const key = pair.slice(0, k);
          if (p.nullMarker !== null && key === p.nullMarker) throw new CliError(`header key equal to null.marker on line ${lineNumber}`);
          headers.push([key, text(pair.slice(k + p.headersKeySeparator.length))]);
        }
      }
    }
  }
  let key: Buffer | null = null;
  if (p.parseKey) {
    const at = rest.indexOf(p.keySeparator);
    if (at < 0) {
      if (!p.ignoreError) throw new CliError(`no key separator found on line ${lineNumber}: '${line}'`);
    } else {
      key = text(rest.slice(0, at));
      rest = rest.slice(at + p.keySeparator.length);
    }
  }
  return { key, value: text(rest), headers };
}
