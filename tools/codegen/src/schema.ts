/**
 * Kafka's message schema format (clients/src/main/resources/common/message/*.json), parsed
 * into a model the emitter walks. See ../shared/kafka-protocol/README.md for the format.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** An inclusive version range; `null` stands for "none". `hi` is Infinity for "N+". */
export interface VersionRange {
  readonly lo: number;
  readonly hi: number;
}

export function parseVersions(spec: string | undefined, what: string): VersionRange | null {
  if (spec === undefined || spec === 'none') return null;
  const s = spec.trim();
  let m = /^(\d+)\+$/.exec(s);
  if (m) return { lo: Number(m[1]), hi: Infinity };
  m = /^(\d+)-(\d+)$/.exec(s);
  if (m) return { lo: Number(m[1]), hi: Number(m[2]) };
  m = /^(\d+)$/.exec(s);
  if (m) return { lo: Number(m[1]), hi: Number(m[1]) };
  throw new Error(`${what}: bad version spec ${JSON.stringify(spec)}`);
}

export function intersect(a: VersionRange | null, b: VersionRange | null): VersionRange | null {
  if (a === null || b === null) return null;
  const lo = Math.max(a.lo, b.lo);
  const hi = Math.min(a.hi, b.hi);
  return lo <= hi ? { lo, hi } : null;
}

export function contains(r: VersionRange | null, v: number): boolean {
  return r !== null && v >= r.lo && v <= r.hi;
}

export function formatRange(r: VersionRange | null): string {
  if (r === null) return 'none';
  if (r.hi === Infinity) return `${r.lo}+`;
  return r.lo === r.hi ? `${r.lo}` : `${r.lo}-${r.hi}`;
}

export const PRIMITIVES = ['bool', 'int8', 'int16', 'uint16', 'int32', 'int64', 'float64', 'string', 'bytes', 'uuid', 'records'] as const;
export type Primitive = (typeof PRIMITIVES)[number];

export type FieldType =
  | { readonly kind: 'primitive'; readonly name: Primitive }
  | { readonly kind: 'struct'; readonly struct: StructSpec }
  | { readonly kind: 'array'; readonly element: FieldType };

export interface FieldSpec {
  readonly name: string; // Kafka's name, PascalCase
  readonly prop: string; // camelCase property name
  readonly type: FieldType;
  readonly versions: VersionRange | null;
  readonly nullableVersions: VersionRange | null;
  /** Versions in which this field uses the flexible (compact) encoding, if it overrides the message. */
  readonly flexibleOverride: VersionRange | null | undefined;
  readonly taggedVersions: VersionRange | null;
  readonly tag: number | undefined;
  readonly ignorable: boolean;
  readonly defaultValue: string | undefined;
  readonly mapKey: boolean;
  readonly entityType: string | undefined;
}

export interface StructSpec {
  readonly name: string; // Kafka's struct name
  readonly typeName: string; // the exported TypeScript name
  readonly fields: FieldSpec[];
  readonly versions: VersionRange; // versions in which this struct can appear
}

export interface MessageSpec {
  readonly file: string;
  readonly name: string;
  readonly type: 'request' | 'response' | 'header' | 'data';
  readonly apiKey: number | undefined;
  readonly validVersions: VersionRange;
  readonly flexibleVersions: VersionRange | null;
  readonly latestVersionUnstable: boolean;
  readonly listeners: readonly string[];
  readonly root: StructSpec;
  /** Every struct of the message, the root first, each once. */
  readonly structs: StructSpec[];
}

/** Removes `//` line comments outside strings, so JSON.parse can read the schema. */
export function stripComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') {
        out += text[i + 1] ?? '';
        i++;
      } else if (c === '"') {
        inString = false;
      }
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else {
      out += c;
    }
  }
  return out;
}

interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  flexibleVersions?: string;
  taggedVersions?: string;
  tag?: number;
  ignorable?: boolean;
  default?: string | number | boolean;
  mapKey?: boolean;
  entityType?: string;
  fields?: RawField[];
}

interface RawMessage {
  apiKey?: number;
  type: MessageSpec['type'];
  name: string;
  validVersions: string;
  flexibleVersions?: string;
  latestVersionUnstable?: boolean;
  listeners?: string[];
  fields: RawField[];
  commonStructs?: { name: string; versions?: string; fields: RawField[] }[];
}

export function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

export function parseMessage(file: string, text: string): MessageSpec {
  const raw = JSON.parse(stripComments(text)) as RawMessage;
  const where = (s: string): string => `${file}: ${s}`;
  const validVersions = parseVersions(raw.validVersions, where('validVersions'));
  if (validVersions === null) throw new Error(where('validVersions is none'));
  const structs: StructSpec[] = [];
  const byName = new Map<string, StructSpec>();
  const prefix = raw.name;
  // Nested structs are exported flat, so they carry the message name unless they already start with it.
  const structTypeName = (n: string): string => (n.startsWith(raw.name) ? n : prefix + n);

  const commons = new Map<string, { name: string; versions?: string; fields: RawField[] }>();
  for (const c of raw.commonStructs ?? []) commons.set(c.name, c);

  const parseType = (f: RawField, range: VersionRange): FieldType => {
    let t = f.type;
    const isArray = t.startsWith('[]');
    if (isArray) t = t.slice(2);
    let element: FieldType;
    if ((PRIMITIVES as readonly string[]).includes(t)) {
      if (f.fields) throw new Error(where(`${f.name}: primitive with fields`));
      element = { kind: 'primitive', name: t as Primitive };
    } else {
      element = { kind: 'struct', struct: struct(t, f.fields, range) };
    }
    return isArray ? { kind: 'array', element } : element;
  };

  const struct = (name: string, fields: RawField[] | undefined, range: VersionRange): StructSpec => {
    const existing = byName.get(name);
    if (existing) {
      if (fields) throw new Error(where(`struct ${name} defined twice`));
      return existing;
    }
    let rawFields = fields;
    if (!rawFields) {
      const common = commons.get(name);
      if (!common) throw new Error(where(`unknown struct type ${name}`));
      rawFields = common.fields;
    }
    const spec: StructSpec = { name, typeName: structTypeName(name), fields: [], versions: range };
    byName.set(name, spec);
    structs.push(spec);
    for (const rf of rawFields) spec.fields.push(field(rf, range));
    return spec;
  };

  const field = (f: RawField, parentRange: VersionRange): FieldSpec => {
    const versions = parseVersions(f.versions, where(`${f.name}.versions`));
    const fieldRange = intersect(versions, parentRange) ?? parentRange;
    const def = f.default === undefined ? undefined : String(f.default);
    return {
      name: f.name,
      prop: camelCase(f.name),
      type: parseType(f, fieldRange),
      versions,
      nullableVersions: parseVersions(f.nullableVersions, where(`${f.name}.nullableVersions`)),
      flexibleOverride: f.flexibleVersions === undefined ? undefined : parseVersions(f.flexibleVersions, where(`${f.name}.flexibleVersions`)),
      taggedVersions: parseVersions(f.taggedVersions, where(`${f.name}.taggedVersions`)),
      tag: f.tag,
      ignorable: f.ignorable === true,
      defaultValue: def,
      mapKey: f.mapKey === true,
      entityType: f.entityType,
    };
  };

  const root = struct(raw.name, raw.fields, validVersions);
  // Common structs that no field reached are still part of the message's vocabulary.
  for (const c of raw.commonStructs ?? []) {
    if (!byName.has(c.name)) struct(c.name, undefined, parseVersions(c.versions, where(c.name)) ?? validVersions);
  }
  return {
    file,
    name: raw.name,
    type: raw.type,
    apiKey: raw.apiKey,
    validVersions,
    flexibleVersions: parseVersions(raw.flexibleVersions, where('flexibleVersions')),
    latestVersionUnstable: raw.latestVersionUnstable === true,
    listeners: raw.listeners ?? [],
    root,
    structs,
  };
}

export function loadSchemas(dir: string): MessageSpec[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  return files.map((f) => parseMessage(f, readFileSync(join(dir, f), 'utf8')));
}
