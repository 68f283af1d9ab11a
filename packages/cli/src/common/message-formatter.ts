/**
 * How console-consumer prints a record: Kafka's DefaultMessageFormatter with its
 * properties (print.timestamp, print.partition, print.offset, print.headers, print.key,
 * print.value, key.separator, line.separator, headers.separator, headers.key.separator,
 * null.literal). Fields come in Kafka's order, `key.separator` between them:
 * `CreateTime:1700000000000	Partition:0	Offset:42	h1:v1,h2:v2	key	value`.
 * `--json` prints one JSON object per record instead.
 */
import { usageError } from './cli-error.ts';
import { parseBoolean } from './arguments.ts';
import type { ConsumedRecord } from './partition-reader.ts';

export interface FormatterProperties {
  printTimestamp: boolean;
  printPartition: boolean;
  printOffset: boolean;
  printHeaders: boolean;
  printKey: boolean;
  printValue: boolean;
  keySeparator: string;
  lineSeparator: string;
  headersSeparator: string;
  headersKeySeparator: string;
  nullLiteral: string;
}

const FLAGS = ['print.timestamp', 'print.partition', 'print.offset', 'print.headers', 'print.key', 'print.value'] as const;
const TEXTS = ['key.separator', 'line.separator', 'headers.separator', 'headers.key.separator', 'null.literal'] as const;

export function formatterProperties(entries: ReadonlyArray<readonly [string, string]>): FormatterProperties {
  const p = new Map(entries);
  for (const k of p.keys()) {
    if (!(FLAGS as readonly string[]).includes(k) && !(TEXTS as readonly string[]).includes(k)) {
      throw usageError(`--property ${k} is not known; known: ${[...FLAGS, ...TEXTS].join(', ')}`);
    }
  }
  const flag = (k: string, dflt: boolean): boolean => (p.has(k) ? parseBoolean(k, p.get(k)!) : dflt);
  return {
    printTimestamp: flag('print.timestamp', false),
    printPartition: flag('print.partition', false),
    printOffset: flag('print.offset', false),
    printHeaders: flag('print.headers', false),
    printKey: flag('print.key', false),
    printValue: flag('print.value', true),
    keySeparator: unescape(p.get('key.separator') ?? '\t'),
    lineSeparator: unescape(p.get('line.separator') ?? '\n'),
    headersSeparator: unescape(p.get('headers.separator') ?? ','),
    headersKeySeparator: unescape(p.get('headers.key.separator') ?? ':'),
    nullLiteral: p.get('null.literal') ?? 'null',
  };
}

/** Separators typed on a command line: `\t`, `\n` and `\r` mean the control characters. */
function unescape(s: string): string {
  return s.replace(/\\([tnr\\])/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', '\\': '\\' })[c] ?? c);
}

export function formatRecord(r: ConsumedRecord, p: FormatterProperties): Buffer {
  const parts: Array<string | Buffer> = [];
  const bytes = (b: Buffer | null): string | Buffer => b ?? p.nullLiteral;
  if (p.printTimestamp) parts.push(r.timestamp < 0n ? 'NO_TIMESTAMP' : `${r.timestampType}:${r.timestamp}`);
  if (p.printPartition) parts.push(`Partition:${r.partition}`);
  if (p.printOffset) parts.push(`Offset:${r.offset}`);
  if (p.printHeaders) {
    if (r.headers.length === 0) {
      parts.push('NO_HEADERS');
    } else {
      const h: Array<string | Buffer> = [];
      r.headers.forEach(([k, v], i) => {
        if (i > 0) h.push(p.headersSeparator);
        h.push(`${k}${p.headersKeySeparator}`, bytes(v));
      });
      parts.push(Buffer.concat(h.map(toBuffer)));
    }
  }
  if (p.printKey) parts.push(bytes(r.key));
  if (p.printValue) parts.push(bytes(r.value));
  const chunks: Buffer[] = [];
  parts.forEach((part, i) => {
    if (i > 0) chunks.push(toBuffer(p.keySeparator));
    chunks.push(toBuffer(part));
  });
  chunks.push(toBuffer(p.lineSeparator));
  return Buffer.concat(chunks);
}

/** A record as JSON: key, value and header values as UTF-8 text (null stays null). */
export function recordJson(r: ConsumedRecord): object {
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    timestampType: r.timestampType,
    key: r.key?.toString('utf8') ?? null,
    value: r.value?.toString('utf8') ?? null,
    headers: r.headers.map(([k, v]) => [k, v?.toString('utf8') ?? null]),
  };
}

function toBuffer(x: string | Buffer): Buffer {
  return typeof x === 'string' ? Buffer.from(x, 'utf8') : x;
}
