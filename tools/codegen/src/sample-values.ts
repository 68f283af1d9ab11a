/**
 * Random values for a message schema at one version, shaped exactly as the generated
 * decoder returns them: every field present, fields outside the version at their default,
 * nulls only where the version allows them. Tests use these for round trips and as seeds
 * for fuzzing. Deterministic for a given seed.
 */
import { contains, type FieldSpec, type FieldType, type MessageSpec, type StructSpec } from './schema.ts';

export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0 || 1;
  }

  /** xorshift32: small, fast and reproducible. */
  next(): number {
    let x = this.#state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.#state = x;
    return x;
  }

  int(maxExclusive: number): number {
    return this.next() % maxExclusive;
  }

  chance(p: number): boolean {
    return this.next() / 0x100000000 < p;
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff;
    return b;
  }
}

export interface SampleOptions {
  /** Largest array length to generate (arrays are usually short; see `largeArrays`). */
  maxArray: number;
  /** Probability that a nullable field is null. */
  nullChance: number;
  /** Add unknown tagged fields in flexible versions. */
  unknownTags: boolean;
}

const DEFAULTS: SampleOptions = { maxArray: 3, nullChance: 0.25, unknownTags: true };

const STRINGS = ['', 'a', 'topic-1', 'ümlaut-ñ-☃', 'x'.repeat(300), '💾 emoji', 'group.with.dots'];

export function defaultValue(f: FieldSpec): unknown {
  const t = f.type;
  const d = f.defaultValue;
  if (d === 'null' || (d === undefined && t.kind === 'primitive' && t.name === 'records')) return null;
  switch (t.kind) {
    case 'array': return [];
    case 'struct': return defaultStruct(t.struct);
    case 'primitive':
      switch (t.name) {
        case 'bool': return d === 'true';
        case 'int64': return d === undefined || d === '' ? 0n : BigInt(d);
        case 'string': return d ?? '';
        case 'uuid': return 'AAAAAAAAAAAAAAAAAAAAAA';
        case 'bytes':
        case 'records': return Buffer.alloc(0);
        default: return d === undefined || d === '' ? 0 : Number(d);
      }
  }
}

export function defaultStruct(s: StructSpec): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of s.fields) o[f.prop] = defaultValue(f);
  return o;
}

export function sampleMessage(msg: MessageSpec, version: number, rnd: Random, options: Partial<SampleOptions> = {}): Record<string, unknown> {
  const opts = { ...DEFAULTS, ...options };
  const flexible = contains(msg.flexibleVersions, version);

  const primitive = (name: string): unknown => {
    switch (name) {
      case 'bool': return rnd.chance(0.5);
      case 'int8': return rnd.int(256) - 128;
      case 'int16': return rnd.int(65536) - 32768;
      case 'uint16': return rnd.int(65536);
      case 'int32': return rnd.next() | 0;
      case 'int64': {
        const pick = rnd.int(4);
        if (pick === 0) return -(2n ** 63n);
        if (pick === 1) return 2n ** 63n - 1n;
        return BigInt.asIntN(64, (BigInt(rnd.next()) << 32n) | BigInt(rnd.next()));
      }
      case 'float64': return rnd.chance(0.1) ? Number.NaN : (rnd.next() - 2 ** 31) / 7;
      case 'string': return STRINGS[rnd.int(STRINGS.length)]!;
      case 'uuid': return rnd.bytes(16).toString('base64url');
      default: return rnd.bytes(rnd.int(40));
    }
  };

  const value = (t: FieldType): unknown => {
    switch (t.kind) {
      case 'primitive': return primitive(t.name);
      case 'struct': return struct(t.struct);
      case 'array': {
        const n = rnd.int(opts.maxArray + 1);
        const out: unknown[] = [];
        for (let i = 0; i < n; i++) out.push(value(t.element));
        return out;
      }
    }
  };

  const struct = (s: StructSpec): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    const knownTags = new Set<number>();
    for (const f of s.fields) {
      if (f.tag !== undefined) knownTags.add(f.tag);
      if (!contains(f.versions, version)) {
        o[f.prop] = defaultValue(f);
      } else if (contains(f.nullableVersions, version) && rnd.chance(opts.nullChance)) {
        o[f.prop] = null;
      } else {
        o[f.prop] = value(f.type);
      }
    }
    if (flexible && opts.unknownTags && rnd.chance(0.3)) {
      const tags: { tag: number; data: Buffer }[] = [];
      let tag = 10 + rnd.int(5);
      for (let i = rnd.int(3) + 1; i > 0; i--) {
        while (knownTags.has(tag)) tag++;
        tags.push({ tag, data: rnd.bytes(rnd.int(20)) });
        tag += 1 + rnd.int(200);
      }
      o['unknownTaggedFields'] = tags;
    }
    return o;
  };

  return struct(msg.root);
}
