/**
 * How tools print: aligned tables for people, JSON for scripts. Colour is decided by
 * `util.styleText` against the stream it goes to, so it appears only on a terminal and
 * honours NO_COLOR / FORCE_COLOR.
 */
import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];
export type Cell = string | number | bigint | null | undefined;

export interface Output {
  /** Writes `text` followed by a newline to stdout. */
  line(text?: string): void;
  /** Writes raw text to stdout. */
  write(text: string | Uint8Array): void;
  /** Writes a line to stderr (progress, notes, warnings). */
  note(text: string): void;
  /** Text styled for stdout when stdout is a terminal, plain otherwise. */
  style(format: Style, text: string): string;
  /** An aligned table with a header row; numeric columns are right-aligned (or as `rightAlign` says). */
  table(headers: readonly string[], rows: readonly (readonly Cell[])[], rightAlign?: readonly boolean[]): void;
  /** One JSON document (pretty) on stdout. */
  json(value: unknown): void;
  /** One JSON value on one line (JSON Lines, for streams of records). */
  jsonLine(value: unknown): void;
}

export function createOutput(stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): Output {
  const style = (format: Style, text: string): string => styleText(format, text, { stream: stdout });
  return {
    line(text = '') { stdout.write(`${text}\n`); },
    write(text) { stdout.write(text); },
    note(text) { stderr.write(`${text}\n`); },
    style,
    table(headers, rows, rightAlign) {
      stdout.write(formatTable(headers, rows, (h) => style('bold', h), rightAlign));
    },
    json(value) { stdout.write(`${toJson(value, 2)}\n`); },
    jsonLine(value) { stdout.write(`${toJson(value)}\n`); },
  };
}

export function cellText(c: Cell): string {
  if (c === null || c === undefined) return '-';
  return String(c);
}

const numeric = /^-?\d+(\.\d+)?$/;

/** Columns separated by two spaces; a column of numbers (and `-` for none) is right-aligned. */
export function formatTable(headers: readonly string[], rows: readonly (readonly Cell[])[], styleHeader: (h: string) => string = (h) => h,
  rightAlign?: readonly boolean[]): string {
  const text = rows.map((r) => headers.map((_, i) => cellText(r[i])));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]!.length)));
  const right = headers.map((_, i) => rightAlign?.[i]
    ?? (text.some((r) => numeric.test(r[i]!)) && text.every((r) => r[i] === '-' || numeric.test(r[i]!))));
  const pad = (s: string, i: number, last: boolean): string => {
    if (right[i]) return s.padStart(widths[i]!);
    return last ? s : s.padEnd(widths[i]!);
  };
  const lines = [headers.map((h, i) => {
    const padded = pad(h, i, i === headers.length - 1);
    return styleHeader(padded);
  }).join('  ')];
  for (const r of text) lines.push(r.map((c, i) => pad(c, i, i === r.length - 1)).join('  '));
  return lines.map((l) => l.trimEnd()).join('\n') + '\n';
}

/** JSON with bigints as numbers when exact (strings otherwise) and Maps as objects. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
    if (v instanceof Map) return Object.fromEntries(v);
    return v;
  }, indent);
}
