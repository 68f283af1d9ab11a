/**
 * The vocabulary of the config table: what one key declares (type, default, validator,
 * importance, doc, update mode) and the builders the table is written with. Every value
 * enters as text (a file, the environment, a flag, a DescribeConfigs/AlterConfigs request)
 * and `decode` is the only way in, so each key is checked the same way wherever it came from.
 */

/** Kafka's config type codes, as DescribeConfigs v3+ reports them. */
export const ConfigType = {
  UNKNOWN: 0,
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
} as const;
export type ConfigType = (typeof ConfigType)[keyof typeof ConfigType];

/** Kafka's ConfigSource codes for DescribeConfigs entries and synonyms. */
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
} as const;
export type ConfigSource = (typeof ConfigSource)[keyof typeof ConfigSource];

export type ConfigTypeName = 'boolean' | 'string' | 'int' | 'short' | 'long' | 'double' | 'list' | 'class' | 'password';

export const configTypeCodes: Readonly<Record<ConfigTypeName, ConfigType>> = {
  boolean: ConfigType.BOOLEAN,
  string: ConfigType.STRING,
  int: ConfigType.INT,
  short: ConfigType.SHORT,
  long: ConfigType.LONG,
  double: ConfigType.DOUBLE,
  list: ConfigType.LIST,
  class: ConfigType.CLASS,
  password: ConfigType.PASSWORD,
};

export type Importance = 'high' | 'medium' | 'low';

/**
 * Kafka's update modes (DynamicBrokerConfig): read-only keys need a restart; per-broker keys
 * can be altered for one broker only; cluster-wide keys for one broker or as the default of all.
 */
export type UpdateMode = 'read-only' | 'per-broker' | 'cluster-wide';

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export interface ConfigKey<T> {
  readonly type: ConfigTypeName;
  readonly default: T;
  readonly importance: Importance;
  /** One line, our own words. */
  readonly doc: string;
  readonly updateMode: UpdateMode;
  /** What decode accepts, in words, for error messages: "an int, at least 1". */
  readonly allowed: string;
  /** The validator alone, for the reference's "valid values" column; empty when any value of the type goes. */
  readonly validValues: string;
  /** Lower-precedence keys that set the same thing (log.retention.ms ← log.retention.minutes ← log.retention.hours). */
  readonly synonyms: readonly string[];
  /** How and why Samsa departs from Kafka 3.8 for this key, or null where it does not. */
  readonly differsFromKafka: string | null;
  decode(text: string): Decoded<T>;
  /** The value as Kafka prints it in DescribeConfigs: null for null and for passwords. */
  format(value: T): string | null;
}

export interface Validator<T> {
  readonly allowed: string;
  test(value: T): boolean;
}

export function validator<T>(allowed: string, test: (value: T) => boolean): Validator<T> {
  return { allowed, test };
}

export function atLeast(min: number): Validator<number> {
  return validator(`at least ${formatNumber(min)}`, (value) => value >= min);
}

export function between(min: number, max: number): Validator<number> {
  return validator(`between ${formatNumber(min)} and ${formatNumber(max)}`, (value) => value >= min && value <= max);
}

/**
 * Longs are JavaScript numbers. Kafka's Long.MAX_VALUE (its "never" for flush and timestamp
 * limits) cannot be represented exactly, so longs beyond 2^53 saturate to
 * Number.MAX_SAFE_INTEGER (and MIN) and print back as Kafka's extremes. Storage already uses
 * MAX_SAFE_INTEGER as "never", so the saturated value means the same thing there.
 */
export const LONG_MAX = Number.MAX_SAFE_INTEGER;
export const LONG_MIN = Number.MIN_SAFE_INTEGER;
export const INT_MAX = 2147483647;
export const INT_MIN = -2147483648;
const LONG_MAX_TEXT = '9223372036854775807';
const LONG_MIN_TEXT = '-9223372036854775808';

function formatNumber(value: number): string {
  if (value >= LONG_MAX) return LONG_MAX_TEXT;
  if (value <= LONG_MIN) return LONG_MIN_TEXT;
  return String(value);
}

/** Java's Double.toString for the values configs hold: "0.5", "1.0", "1.7976931348623157E308". */
export function formatDouble(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude === 0 || (magnitude >= 1e-3 && magnitude < 1e7)) {
    return Number.isInteger(value) ? value.toFixed(1) : String(value);
  }
  const [mantissa = '', exponent = ''] = value.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

/** Keeps a secret out of logs, JSON and error messages; `reveal()` is the one way to read it. */
export class Password {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[hidden]';
  }

  toJSON(): string {
    return '[hidden]';
  }
}

export interface KeySpec<T> {
  readonly default: T;
  readonly importance: Importance;
  readonly doc: string;
  readonly updateMode?: UpdateMode;
  readonly validator?: Validator<NonNullable<T>>;
  readonly synonyms?: readonly string[];
  readonly differsFromKafka?: string;
}

type Parser<T> = (trimmed: string) => Decoded<T>;

function fail(reason: string): { readonly ok: false; readonly reason: string } {
  return { ok: false, reason };
}

/**
 * The one constructor every builder goes through. Kafka trims every value before parsing
 * (ConfigDef.parseType), so a trailing space in server.properties is never significant.
 */
export function defineKey<T>(
  type: ConfigTypeName,
  typePhrase: string,
  parse: Parser<NonNullable<T>>,
  print: (value: NonNullable<T>) => string | null,
  spec: KeySpec<T>,
): ConfigKey<T> {
  const check = spec.validator;
  return {
    type,
    default: spec.default,
    importance: spec.importance,
    doc: spec.doc,
    updateMode: spec.updateMode ?? 'read-only',
    allowed: check === undefined ? typePhrase : `${typePhrase}, ${check.allowed}`,
    validValues: check?.allowed ?? '',
    synonyms: spec.synonyms ?? [],
    differsFromKafka: spec.differsFromKafka ?? null,
    decode(text: string): Decoded<T> {
      const parsed = parse(text.trim());
      if (!parsed.ok) return parsed;
      if (check !== undefined && !check.test(parsed.value)) return fail(`not ${check.allowed}`);
      return parsed;
    },
    format(value: T): string | null {
      return value === null || value === undefined ? null : print(value);
    },
  };
}

const integerPattern = /^[+-]?\d+$/;

function integer(kind: string, min: number, max: number): Parser<number> {
  return (text) => {
    if (!integerPattern.test(text)) return fail(`not ${kind === 'int' ? 'an' : 'a'} ${kind}`);
    const value = Number(text);
    if (value < min || value > max) return fail(`out of range for ${kind === 'int' ? 'an' : 'a'} ${kind}`);
    return { ok: true, value };
  };
}

const parseLong: Parser<number> = (text) => {
  if (!integerPattern.test(text)) return fail('not a long');
  const big = BigInt(text);
  if (big > 9223372036854775807n || big < -9223372036854775808n) return fail('out of range for a long');
  const value = big > BigInt(LONG_MAX) ? LONG_MAX : big < BigInt(LONG_MIN) ? LONG_MIN : Number(big);
  return { ok: true, value };
};

const doublePattern = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const parseDouble: Parser<number> = (text) => {
  if (!doublePattern.test(text)) return fail('not a number');
  const value = Number(text);
  if (!Number.isFinite(value)) return fail('out of range for a double');
  return { ok: true, value };
};

const parseBoolean: Parser<boolean> = (text) => {
  const lower = text.toLowerCase();
  if (lower === 'true') return { ok: true, value: true };
  if (lower === 'false') return { ok: true, value: false };
  return fail('not true or false');
};

/**
 * Comma-separated, items trimmed, "" is the empty list. Kafka keeps empty items ("a,,b");
 * none of our keys has a use for one, so they are rejected as the typo they always are.
 */
export function parseList(text: string): Decoded<readonly string[]> {
  if (text === '') return { ok: true, value: [] };
  const items = text.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) return fail('an empty item in the list');
  return { ok: true, value: items };
}

export function boolean(spec: KeySpec<boolean>): ConfigKey<boolean> {
  return defineKey('boolean', 'true or false', parseBoolean, String, spec);
}

export function int(spec: KeySpec<number>): ConfigKey<number>;
export function int(spec: KeySpec<number | null>): ConfigKey<number | null>;
export function int(spec: KeySpec<number | null>): ConfigKey<number | null> {
  return defineKey('int', 'an int', integer('int', INT_MIN, INT_MAX), String, spec);
}

export function short(spec: KeySpec<number>): ConfigKey<number> {
  return defineKey('short', 'a short', integer('short', -32768, 32767), String, spec);
}

export function long(spec: KeySpec<number>): ConfigKey<number>;
export function long(spec: KeySpec<number | null>): ConfigKey<number | null>;
export function long(spec: KeySpec<number | null>): ConfigKey<number | null> {
  return defineKey('long', 'a long', parseLong, formatNumber, spec);
}

export function double(spec: KeySpec<number>): ConfigKey<number> {
  return defineKey('double', 'a number', parseDouble, formatDouble, spec);
}

export function string(spec: KeySpec<string>): ConfigKey<string>;
export function string(spec: KeySpec<string | null>): ConfigKey<string | null>;
export function string(spec: KeySpec<string | null>): ConfigKey<string | null> {
  return defineKey('string', 'a string', (text) => ({ ok: true, value: text }), (value) => value, spec);
}

export function list(spec: KeySpec<readonly string[]>): ConfigKey<readonly string[]> {
  return defineKey('list', 'a comma-separated list', parseList, (value) => value.join(','), spec);
}

export function password(spec: KeySpec<Password | null>): ConfigKey<Password | null> {
  return defineKey('password', 'a password', (text) => ({ ok: true, value: new Password(text) }), () => null, spec);
}

/** A Java class name. Samsa loads no Java classes, so every class key's validator refuses a value. */
export function javaClass(spec: KeySpec<string | null>): ConfigKey<string | null> {
  return defineKey('class', 'a class name', (text) => ({ ok: true, value: text }), (value) => value, spec);
}

/** A string limited to fixed values, typed as their union. Case-sensitive, as Kafka's ValidString is. */
export function oneOf<const V extends string>(values: readonly V[], spec: Omit<KeySpec<V>, 'validator'>): ConfigKey<V> {
  const allowed = `one of ${values.join(', ')}`;
  const parse: Parser<V> = (text) => {
    const found = values.find((value) => value === text);
    return found === undefined ? fail(`not ${allowed}`) : { ok: true, value: found };
  };
  return { ...defineKey<V>('string', 'a string', parse, (value) => value, spec), allowed, validValues: values.join(', ') };
}

/** A list whose items come from fixed values (cleanup.policy). Duplicates collapse. */
export function listOf<const V extends string>(
  values: readonly V[],
  spec: Omit<KeySpec<readonly V[]>, 'validator'>,
): ConfigKey<readonly V[]> {
  const allowed = `a comma-separated list of ${values.join(', ')}`;
  const parse: Parser<readonly V[]> = (text) => {
    const items = parseList(text);
    if (!items.ok) return items;
    const out: V[] = [];
    for (const item of items.value) {
      const found = values.find((value) => value === item);
      if (found === undefined) return fail(`${JSON.stringify(item)} is not one of ${values.join(', ')}`);
      if (!out.includes(found)) out.push(found);
    }
    return { ok: true, value: out };
  };
  return {
    ...defineKey<readonly V[]>('list', 'a list', parse, (value) => value.join(','), spec),
    allowed,
    validValues: values.join(', '),
  };
}

/** One entry in a DescribeConfigs answer, in Kafka's terms. */
export interface ConfigSynonym {
  readonly name: string;
  readonly value: string | null;
  readonly source: ConfigSource;
}

export interface ConfigEntryDescription {
  readonly name: string;
  readonly value: string | null;
  readonly source: ConfigSource;
  readonly readOnly: boolean;
  /** DescribeConfigs v0 has no source, only this flag. */
  readonly isDefault: boolean;
  readonly isSensitive: boolean;
  readonly type: ConfigType;
  readonly documentation: string;
  /** Highest precedence first; the first one is where the value came from. */
  readonly synonyms: readonly ConfigSynonym[];
}
