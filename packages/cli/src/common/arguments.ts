/**
 * Argument parsers for commander options, and Kafka's `key=value` lists. A parser throws
 * commander's InvalidArgumentError, which commander reports as a usage error naming the
 * option.
 */
import { InvalidArgumentError } from 'commander';
import { usageError } from './cli-error.ts';

export function parseNonNegativeInt(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number >= 0');
  return n;
}

export function parsePositiveInt(text: string): number {
  const n = parseNonNegativeInt(text);
  if (n === 0) throw new InvalidArgumentError('expected a whole number > 0');
  return n;
}

export function parseInteger(text: string): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number');
  return n;
}

/** Collects repeated or variadic `key=value` arguments (`--property a=1 --property b=2`, `--producer-props a=1 b=2`). */
export function collectKeyValue(value: string, previous: Array<[string, string]> | undefined): Array<[string, string]> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got "${value}"`);
  return [...(previous ?? []), [value.slice(0, eq), value.slice(eq + 1)]];
}

/** Collects a repeatable option into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Kafka's config list syntax (kafka-configs.sh --add-config): `k1=v1,k2=[a,b],k3=v3`:
 * commas separate entries except inside square brackets, which hold a list value.
 */
export function parseConfigList(text: string): Array<[string, string]> {
  const entries: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '[') depth++;
    if (ch === ']') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      entries.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  entries.push(current);
  const out: Array<[string, string]> = [];
  for (const e of entries) {
    if (e.trim() === '') continue;
    const eq = e.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got "${e}"`);
    let v = e.slice(eq + 1);
    if (v.startsWith('[') && v.endsWith(']')) v = v.slice(1, -1);
    out.push([e.slice(0, eq).trim(), v]);
  }
  return out;
}

/** Kafka's boolean property values: true/false, any case. */
export function parseBoolean(name: string, text: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === 'true') return true;
  if (t === 'false') return false;
  throw usageError(`${name} must be true or false, got "${text}"`);
}
