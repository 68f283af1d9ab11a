/**
 * The broker's configuration: loaded from a server.properties-style file, the environment and
 * `--override` flags (in rising precedence), validated key by key and then as a whole, and
 * changed at run time by AlterConfigs / IncrementalAlterConfigs where Kafka allows it.
 *
 * Layers, highest precedence first, as Kafka's DynamicBrokerConfig has them:
 *   dynamic per-broker (DYNAMIC_BROKER_CONFIG) > dynamic cluster default
 *   (DYNAMIC_DEFAULT_BROKER_CONFIG) > static (STATIC_BROKER_CONFIG: file, env, flags)
 *   > the table's default (DEFAULT_CONFIG).
 * Each layer is resolved afresh on every change and the whole result is checked again, so a
 * dynamic change can never produce a combination a static file would have been refused for.
 *
 * Dynamic values survive restarts as Kafka's do: the broker hands every accepted change to the
 * metadata store (`persistDynamicTo`) and puts the stored values back at startup
 * (`restoreDynamic`) before anything reads config. A stored value that no longer validates is
 * skipped with a warning naming it, never a reason not to start. Password-type keys are never
 * dynamic here: Kafka keeps dynamic passwords encrypted with password.encoder.secret, which
 * Samsa does not implement, and the store would hold them in clear.
 *
 * Environment variables: `SAMSA_` + the key upper-cased with dots as underscores
 * (`log.dirs` → `SAMSA_LOG_DIRS`), like Kafka's Docker images do with `KAFKA_`. No key contains
 * `_` or `-`, so the mapping needs no escapes. A `SAMSA_` variable that names no key is an
 * error (a misspelt setting should not be silently ignored), except the names in
 * `nonConfigEnvVars`, which other parts of Samsa read for themselves.
 */

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import {
  AlterConfigOpType,
  type AlterConfigOp,
  type AlterRefusal,
  applyListOp,
  type ConfigEntryValue,
  findDuplicate,
  invalidConfig,
  invalidRequest,
} from './alter-config-op.ts';
import { ConfigError, type ConfigOrigin, type ConfigProblem, formatProblem } from './config-error.ts';
import {
  type ConfigEntryDescription,
  type ConfigKey,
  ConfigSource,
  type ConfigSynonym,
  configTypeCodes,
  Password,
} from './config-key.ts';
import {
  brokerConfigEntries,
  brokerConfigKey,
  type BrokerConfigGetter,
  type BrokerConfigName,
  type BrokerConfigValue,
  effectiveFlushMs,
  effectiveRetentionMs,
  effectiveRollJitterMs,
  effectiveRollMs,
  isBrokerConfigName,
} from './config-table.ts';
import { didYouMean } from './did-you-mean.ts';
import { formatListener, isWildcardHost, type Listener } from './listeners.ts';
import { parseProperties, PropertiesSyntaxError } from './properties-file.ts';

export interface LoadBrokerConfigOptions {
  /** Path of a server.properties-style file. */
  readonly file?: string;
  /**
   * Environment to read `SAMSA_*` variables from. Omitted means none: the CLI passes
   * `process.env`, embedded brokers in tests usually should not.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `--override key=value` pairs, highest precedence; with an array the last of a key wins. */
  readonly overrides?: Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]>;
}

/** One value as given: its text, decoded value and where it came from. */
export interface ConfigSetting {
  readonly text: string;
  readonly value: unknown;
  readonly origin: ConfigOrigin;
}

type Layer = ReadonlyMap<BrokerConfigName, ConfigSetting>;

interface Layers {
  readonly static: Layer;
  readonly clusterDefault: Layer;
  readonly perBroker: Layer;
}

export type DynamicLevel = 'broker' | 'cluster';

export interface AlterOptions {
  /** 'broker' for a resource named by this broker's id, 'cluster' for the empty name (the default of all brokers). */
  readonly level: DynamicLevel;
  readonly validateOnly?: boolean;
}

export interface ConfigChange {
  readonly name: BrokerConfigName;
  /** As DescribeConfigs prints them; null for null and for passwords. */
  readonly oldValue: string | null;
  readonly newValue: string | null;
}

export type AlterResult =
  | { readonly errorCode: 0; readonly errorMessage: null; readonly changes: readonly ConfigChange[] }
  | (AlterRefusal & { readonly changes: readonly [] });

/** Dynamic settings as text, for the metadata store to keep and give back at startup. */
export interface DynamicConfigLayers {
  readonly perBroker: Readonly<Record<string, string>>;
  readonly clusterDefault: Readonly<Record<string, string>>;
}

/**
 * Keeps one level's dynamic values, all of them, replacing what it kept before (the metadata
 * store). The promise settles once they are durable; the sink reports its own failures.
 */
export type DynamicConfigSink = (level: DynamicLevel, configs: Readonly<Record<string, string>>) => Promise<void>;

export type ConfigChangeListener = (changes: readonly ConfigChange[]) => void;

export const envVarPrefix = 'SAMSA_';

export function envVarFor(name: BrokerConfigName): string {
  return envVarPrefix + name.toUpperCase().replaceAll('.', '_');
}

/** `SAMSA_` variables that are not config keys; add a name here when Samsa starts reading one. */
export const nonConfigEnvVars: ReadonlySet<string> = new Set(['SAMSA_LOG_LEVEL', 'SAMSA_KAFKA_SCHEMAS']);

const keyByEnvVar: ReadonlyMap<string, BrokerConfigName> = new Map(brokerConfigEntries.map(([name]) => [envVarFor(name), name]));

/** Kafka keys a Kafka user may bring along that have no meaning in Samsa, with the reason. */
const kafkaOnlyKeys: Readonly<Record<string, string>> = {
  'zookeeper.connect': 'Samsa keeps cluster metadata in its own store, not ZooKeeper',
  'process.roles': 'Samsa has no KRaft controller: every node is a broker',
  'controller.quorum.voters': 'Samsa has no KRaft controller quorum',
  'controller.quorum.bootstrap.servers': 'Samsa has no KRaft controller quorum',
  'controller.listener.names': 'Samsa has no KRaft controller listener',
};

/** Splits one `--override key=value` argument. */
export function parseOverride(argument: string): readonly [string, string] {
  const equals = argument.indexOf('=');
  if (equals <= 0) {
    throw new ConfigError([{
      key: null,
      value: argument,
      origin: { kind: 'override' },
      reason: 'an override must be key=value',
      allowed: null,
    }]);
  }
  return [argument.slice(0, equals).trim(), argument.slice(equals + 1)];
}

function unknownKeyProblem(key: string, text: string, origin: ConfigOrigin): ConfigProblem {
  const kafkaOnly = kafkaOnlyKeys[key];
  const guess = kafkaOnly === undefined ? didYouMean(key, brokerConfigEntries.map(([name]) => name)) : undefined;
  let reason = 'unknown config key';
  if (kafkaOnly !== undefined) reason += ` (a Kafka key Samsa does not use: ${kafkaOnly})`;
  else if (guess !== undefined) reason += `; did you mean ${guess}?`;
  return { key, value: text, origin, reason, allowed: null };
}

function shownText(key: ConfigKey<unknown>, text: string): string | null {
  return key.type === 'password' ? null : text;
}

function invalidValueProblem(name: BrokerConfigName, text: string, origin: ConfigOrigin, reason: string): ConfigProblem {
  const key = brokerConfigKey(name);
  return { key: name, value: shownText(key, text), origin, reason, allowed: key.allowed };
}

/** Reads the file, the environment and the overrides; throws ConfigError naming every problem found. */
export function loadBrokerConfig(options: LoadBrokerConfigOptions = {}): BrokerConfig {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const given = new Map<BrokerConfigName, { readonly text: string; readonly origin: ConfigOrigin }>();
  const offer = (key: string, text: string, origin: ConfigOrigin): void => {
    if (isBrokerConfigName(key)) given.set(key, { text, origin });
    else problems.push(unknownKeyProblem(key, text, origin));
  };

  if (options.file !== undefined) {
    const file = options.file;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new ConfigError([{ key: null, value: null, origin: null, reason: `cannot read config file ${file} (${code})`, allowed: null }], { cause: err });
    }
    try {
      const firstLine = new Map<string, number>();
      for (const entry of parseProperties(text)) {
        const earlier = firstLine.get(entry.key);
        if (earlier !== undefined) warnings.push(`${entry.key} is set twice in ${file} (lines ${earlier} and ${entry.line}); line ${entry.line} wins`);
        firstLine.set(entry.key, entry.line);
        offer(entry.key, entry.value, { kind: 'file', file, line: entry.line });
      }
    } catch (err) {
      if (!(err instanceof PropertiesSyntaxError)) throw err;
      throw new ConfigError([{ key: null, value: null, origin: { kind: 'file', file, line: err.line }, reason: err.message, allowed: null }]);
    }
  }

  for (const [variable, text] of Object.entries(options.env ?? {})) {
    if (!variable.startsWith(envVarPrefix) || text === undefined || nonConfigEnvVars.has(variable)) continue;
    const name = keyByEnvVar.get(variable);
    const origin: ConfigOrigin = { kind: 'env', variable };
    if (name !== undefined) {
      given.set(name, { text, origin });
      continue;
    }
    const guess = didYouMean(variable, keyByEnvVar.keys());
    problems.push({
      key: variable,
      value: text,
      origin,
      reason: `names no config key${guess === undefined ? '' : `; did you mean ${guess} (${keyByEnvVar.get(guess)})?`}`,
      allowed: `SAMSA_ followed by a key upper-cased with dots as underscores, e.g. SAMSA_LOG_DIRS for log.dirs`,
    });
  }

  const overrides = Array.isArray(options.overrides)
    ? options.overrides as ReadonlyArray<readonly [string, string]>
    : Object.entries(options.overrides ?? {});
  for (const [key, text] of overrides) offer(key.trim(), text, { kind: 'override' });

  const staticLayer = new Map<BrokerConfigName, ConfigSetting>();
  for (const [name, { text, origin }] of given) {
    const decoded = brokerConfigKey(name).decode(text);
    if (decoded.ok) staticLayer.set(name, { text, value: decoded.value, origin });
    else problems.push(invalidValueProblem(name, text, origin, decoded.reason));
  }
  // Cross-field checks would only echo these (a bad value falls back to its default), so stop here.
  if (problems.length > 0) throw new ConfigError(problems);
  return new BrokerConfig(staticLayer, warnings);
}

interface Resolution {
  readonly values: ReadonlyMap<BrokerConfigName, unknown>;
  readonly problems: readonly ConfigProblem[];
  readonly warnings: readonly string[];
}

/** Picks each key's value from the layers, derives what other keys imply, and checks the whole. */
function resolveLayers(layers: Layers): Resolution {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const settingOf = (name: BrokerConfigName): ConfigSetting | undefined =>
    layers.perBroker.get(name) ?? layers.clusterDefault.get(name) ?? layers.static.get(name);
  const values = new Map<BrokerConfigName, unknown>();
  for (const [name, key] of brokerConfigEntries) {
    const setting = settingOf(name);
    values.set(name, setting === undefined ? key.default : setting.value);
  }
  const get: BrokerConfigGetter = (name) => values.get(name) as BrokerConfigValue<typeof name>;
  const problemAt = (name: BrokerConfigName, reason: string, allowed: string | null): void => {
    const setting = settingOf(name);
    const key = brokerConfigKey(name);
    problems.push({
      key: name,
      value: setting === undefined ? key.format(get(name)) : shownText(key, setting.text),
      origin: setting?.origin ?? { kind: 'default' },
      reason,
      allowed,
    });
  };

  // node.id and its older name: either may be given, both must agree, and afterwards both hold the id.
  const brokerId = get('broker.id');
  if (brokerId !== null && brokerId !== -1) {
    if (settingOf('node.id') === undefined) values.set('node.id', brokerId);
    else if (brokerId !== get('node.id')) problemAt('broker.id', `disagrees with node.id = ${get('node.id')}`, 'the value of node.id, or -1');
  }
  values.set('broker.id', get('node.id'));

  const logDir = get('log.dir');
  if (settingOf('log.dirs') === undefined && logDir !== null) values.set('log.dirs', [logDir]);
  else if (settingOf('log.dirs') !== undefined && logDir !== null) warnings.push('log.dir is ignored because log.dirs is set');
  const seenDirs = new Map<string, string>();
  for (const dir of get('log.dirs')) {
    const absolute = resolvePath(dir);
    const earlier = seenDirs.get(absolute);
    if (earlier !== undefined) problemAt('log.dirs', `${earlier} and ${dir} are the same directory`, 'distinct directories');
    seenDirs.set(absolute, dir);
  }

  checkListeners(get, values, settingOf, problemAt);

  const retentionKey: BrokerConfigName = get('log.retention.ms') !== null
    ? 'log.retention.ms'
    : get('log.retention.minutes') !== null ? 'log.retention.minutes' : 'log.retention.hours';
  if (get(retentionKey) === 0) problemAt(retentionKey, 'retention of 0 would delete every segment as soon as it closes', '-1 (keep for ever) or a positive time');

  if (get('group.min.session.timeout.ms') > get('group.max.session.timeout.ms')) {
    problemAt('group.min.session.timeout.ms', `above group.max.session.timeout.ms = ${get('group.max.session.timeout.ms')}`, 'at most group.max.session.timeout.ms');
  }
  // KIP-848 groups: Kafka's GroupCoordinatorConfig requires each value within its bounds and heartbeats inside the session.
  for (const [key, min, max] of [
    ['group.consumer.session.timeout.ms', 'group.consumer.min.session.timeout.ms', 'group.consumer.max.session.timeout.ms'],
    ['group.consumer.heartbeat.interval.ms', 'group.consumer.min.heartbeat.interval.ms', 'group.consumer.max.heartbeat.interval.ms'],
  ] as const) {
    if (get(key) < get(min) || get(key) > get(max)) problemAt(key, `outside ${min} = ${get(min)} .. ${max} = ${get(max)}`, `between ${min} and ${max}`);
  }
  if (get('group.consumer.heartbeat.interval.ms') >= get('group.consumer.session.timeout.ms')) {
    problemAt('group.consumer.heartbeat.interval.ms', `not below group.consumer.session.timeout.ms = ${get('group.consumer.session.timeout.ms')}`, 'less than group.consumer.session.timeout.ms');
  }
  if (get('log.cleaner.min.compaction.lag.ms') > get('log.cleaner.max.compaction.lag.ms')) {
    problemAt('log.cleaner.min.compaction.lag.ms', `above log.cleaner.max.compaction.lag.ms = ${get('log.cleaner.max.compaction.lag.ms')}`, 'at most log.cleaner.max.compaction.lag.ms');
  }
  const queuedBytes = get('queued.max.request.bytes');
  if (queuedBytes > 0 && queuedBytes < get('socket.request.max.bytes')) {
    problemAt('queued.max.request.bytes', `below socket.request.max.bytes = ${get('socket.request.max.bytes')}, so one large request could never be queued`, '-1, or at least socket.request.max.bytes');
  }
  if (get('replica.fetch.wait.max.ms') > get('replica.lag.time.max.ms')) {
    problemAt('replica.fetch.wait.max.ms', `above replica.lag.time.max.ms = ${get('replica.lag.time.max.ms')}, so an idle follower would drop out of the ISR while waiting`, 'at most replica.lag.time.max.ms');
  }

  // Kafka lets these through too; they make sense on a cluster that is still growing.
  if (get('min.insync.replicas') > get('default.replication.factor')) {
    warnings.push(`min.insync.replicas (${get('min.insync.replicas')}) is above default.replication.factor (${get('default.replication.factor')}): acks=all produces to topics created with the default will fail`);
  }
  if (get('transaction.state.log.min.isr') > get('transaction.state.log.replication.factor')) {
    warnings.push(`transaction.state.log.min.isr (${get('transaction.state.log.min.isr')}) is above transaction.state.log.replication.factor (${get('transaction.state.log.replication.factor')}): transactions will fail`);
  }
  if (get('message.max.bytes') > get('log.segment.bytes')) {
    warnings.push(`message.max.bytes (${get('message.max.bytes')}) is above log.segment.bytes (${get('log.segment.bytes')}): a large batch will get a segment of its own`);
  }
  return { values, problems, warnings };
}

function checkListeners(
  get: BrokerConfigGetter,
  values: Map<BrokerConfigName, unknown>,
  settingOf: (name: BrokerConfigName) => ConfigSetting | undefined,
  problemAt: (name: BrokerConfigName, reason: string, allowed: string | null) => void,
): void {
  const protocols = get('listener.security.protocol.map');
  const mapped = [...protocols.keys()].join(', ');
  // Listener values are parsed before the protocol map is known; bind them to it here.
  const bind = (name: 'listeners' | 'advertised.listeners', list: readonly Listener[]): Listener[] => {
    const names = new Set<string>();
    return list.map((listener) => {
      if (names.has(listener.name)) problemAt(name, `listener name ${listener.name} appears twice`, 'each listener name once');
      names.add(listener.name);
      const securityProtocol = protocols.get(listener.name);
      if (securityProtocol !== undefined) return { ...listener, securityProtocol };
      problemAt(name, `listener name ${listener.name} is not in listener.security.protocol.map`, `names in listener.security.protocol.map (${mapped})`);
      return listener;
    });
  };

  const listeners = bind('listeners', get('listeners'));
  values.set('listeners', listeners);
  if (listeners.length === 0) problemAt('listeners', 'no listener given', 'at least one NAME://host:port');
  const bound = new Map<string, Listener>();
  for (const listener of listeners) {
    if (listener.port === 0) continue;
    const address = `${listener.host}:${listener.port}`;
    const earlier = bound.get(address);
    if (earlier !== undefined) problemAt('listeners', `${earlier.name} and ${listener.name} both bind ${address}`, 'a different host or port for each listener');
    bound.set(address, listener);
  }
  const listenerNames = listeners.map((listener) => listener.name);

  const advertisedGiven = get('advertised.listeners');
  const advertised = advertisedGiven === null ? listeners : bind('advertised.listeners', advertisedGiven);
  if (advertisedGiven !== null) {
    values.set('advertised.listeners', advertised);
    for (const listener of advertised) {
      if (!listenerNames.includes(listener.name)) {
        problemAt('advertised.listeners', `listener name ${listener.name} is not in listeners`, `names from listeners (${listenerNames.join(', ')})`);
      }
      if (isWildcardHost(listener.host)) problemAt('advertised.listeners', `${formatListener(listener)}: clients cannot connect to the wildcard address ${listener.host}`, 'a host name or address clients can reach');
      if (listener.port === 0) problemAt('advertised.listeners', `${formatListener(listener)}: port 0 cannot be advertised`, 'a port from 1 to 65535');
    }
  } else {
    for (const listener of listeners) {
      if (isWildcardHost(listener.host)) {
        problemAt('listeners', `${formatListener(listener)} would be advertised as the wildcard address ${listener.host}, which clients cannot connect to`, 'set advertised.listeners, or leave the host empty to bind every interface and advertise this machine\'s host name');
      }
    }
  }

  const nameGiven = settingOf('inter.broker.listener.name') !== undefined;
  if (nameGiven && settingOf('security.inter.broker.protocol') !== undefined) {
    problemAt('inter.broker.listener.name', 'set together with security.inter.broker.protocol', 'only one of inter.broker.listener.name and security.inter.broker.protocol');
  }
  const interBroker = get('inter.broker.listener.name') ?? get('security.inter.broker.protocol');
  const advertisedNames = advertised.map((listener) => listener.name);
  if (!advertisedNames.includes(interBroker)) {
    problemAt(
      nameGiven ? 'inter.broker.listener.name' : 'security.inter.broker.protocol',
      `other brokers would replicate over listener ${interBroker}, which is not advertised`,
      `an advertised listener name (${advertisedNames.join(', ')}); set inter.broker.listener.name to pick one`,
    );
  }
}

function printable(name: BrokerConfigName, value: unknown): string | null {
  return brokerConfigKey(name).format(value);
}

/** What tells two values apart, passwords included (whose printed form is always null). */
function fingerprint(name: BrokerConfigName, value: unknown): string | null {
  return value instanceof Password ? `password:${value.reveal()}` : printable(name, value);
}

export class BrokerConfig {
  #static: Layer;
  #clusterDefault: Layer = new Map();
  #perBroker: Layer = new Map();
  #values: ReadonlyMap<BrokerConfigName, unknown>;
  #staticWarnings: readonly string[];
  #warnings: readonly string[];
  #listeners = new Set<ConfigChangeListener>();

  /** Prefer loadBrokerConfig; this takes already decoded static settings and throws ConfigError when they do not fit together. */
  constructor(staticSettings: ReadonlyMap<BrokerConfigName, ConfigSetting> = new Map(), warnings: readonly string[] = []) {
    const resolution = resolveLayers({ static: staticSettings, clusterDefault: this.#clusterDefault, perBroker: this.#perBroker });
    if (resolution.problems.length > 0) throw new ConfigError(resolution.problems);
    this.#static = staticSettings;
    this.#values = resolution.values;
    this.#staticWarnings = warnings;
    this.#warnings = [...warnings, ...resolution.warnings];
  }

  get<K extends BrokerConfigName>(name: K): BrokerConfigValue<K> {
    return this.#values.get(name) as BrokerConfigValue<K>;
  }

  /** Things worth logging at startup that are not errors (Kafka lets them through as well). */
  get warnings(): readonly string[] {
    return this.#warnings;
  }

  /** Where the value in force came from. */
  originOf(name: BrokerConfigName): ConfigOrigin {
    return (this.#perBroker.get(name) ?? this.#clusterDefault.get(name) ?? this.#static.get(name))?.origin ?? { kind: 'default' };
  }

  /** retention.ms for topics that do not set it: log.retention.ms, else minutes, else hours; -1 keeps for ever. */
  get logRetentionMs(): number {
    return effectiveRetentionMs(this.#getter);
  }

  get logRollMs(): number {
    return effectiveRollMs(this.#getter);
  }

  get logRollJitterMs(): number {
    return effectiveRollJitterMs(this.#getter);
  }

  get logFlushIntervalMs(): number {
    return effectiveFlushMs(this.#getter);
  }

  get interBrokerListenerName(): string {
    return this.get('inter.broker.listener.name') ?? this.get('security.inter.broker.protocol');
  }

  /**
   * The listeners clients are told about. When they come from `listeners`, an empty host
   * becomes this machine's host name and port 0 the port actually bound (pass what the server
   * bound, by listener name).
   */
  advertisedListeners(boundPorts: ReadonlyMap<string, number> = new Map()): readonly Listener[] {
    const given = this.get('advertised.listeners');
    if (given !== null) return given;
    return this.get('listeners').map((listener) => ({
      ...listener,
      host: listener.host === '' ? hostname() : listener.host,
      port: listener.port === 0 ? boundPorts.get(listener.name) ?? 0 : listener.port,
    }));
  }

  /** DescribeConfigs entries for a broker resource: every key, or the named ones (unknown names are skipped, as Kafka does). */
  describe(names?: Iterable<string>): ConfigEntryDescription[] {
    const selected = names === undefined ? brokerConfigEntries.map(([name]) => name) : [...names].filter(isBrokerConfigName);
    return selected.map((name) => {
      const key = brokerConfigKey(name);
      const synonyms = this.synonymsOf([name, ...key.synonyms.filter(isBrokerConfigName)]);
      const source = synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG;
      return {
        name,
        value: printable(name, this.get(name)),
        source,
        readOnly: key.updateMode === 'read-only',
        isDefault: source === ConfigSource.DEFAULT_CONFIG,
        isSensitive: key.type === 'password',
        type: configTypeCodes[key.type],
        documentation: key.doc,
        synonyms,
      };
    });
  }

  /**
   * Every value set for any of `names`, by layer and then in the order given, as Kafka lists
   * synonyms: the first entry is the one in force. Keys with a null default are left out.
   */
  synonymsOf(names: readonly BrokerConfigName[]): ConfigSynonym[] {
    const out: ConfigSynonym[] = [];
    const layers: ReadonlyArray<readonly [Layer, ConfigSource]> = [
      [this.#perBroker, ConfigSource.DYNAMIC_BROKER_CONFIG],
      [this.#clusterDefault, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
      [this.#static, ConfigSource.STATIC_BROKER_CONFIG],
    ];
    for (const [layer, source] of layers) {
      for (const name of names) {
        const setting = layer.get(name);
        if (setting !== undefined) out.push({ name, value: printable(name, setting.value), source });
      }
    }
    for (const name of names) {
      const key = brokerConfigKey(name);
      if (key.default !== null) out.push({ name, value: key.format(key.default), source: ConfigSource.DEFAULT_CONFIG });
    }
    return out;
  }

  /** IncrementalAlterConfigs on a broker resource. Errors are Kafka's: INVALID_REQUEST for what the broker refuses, INVALID_CONFIG for APPEND/SUBTRACT on a non-list. */
  incrementalAlter(ops: readonly AlterConfigOp[], options: AlterOptions): AlterResult {
    const duplicate = findDuplicate(ops.map((op) => op.name));
    if (duplicate !== undefined) return refused(invalidRequest(`${duplicate} appears more than once in the request`));
    const next = new Map(options.level === 'broker' ? this.#perBroker : this.#clusterDefault);
    for (const op of ops) {
      const name = alterableName(op.name, options.level);
      if (typeof name !== 'string') return refused(name.refusal);
      const key = brokerConfigKey(name);
      switch (op.op) {
        case AlterConfigOpType.DELETE:
          next.delete(name);
          break;
        case AlterConfigOpType.SET:
        case AlterConfigOpType.APPEND:
        case AlterConfigOpType.SUBTRACT: {
          if (op.op !== AlterConfigOpType.SET && key.type !== 'list') {
            return refused(invalidConfig(`${name} is not a list, so it cannot be appended to or subtracted from`));
          }
          if (op.value === null) return refused(invalidRequest(`${name}: a value is required`));
          const text = op.op === AlterConfigOpType.SET
            ? op.value
            : applyListOp(op.op, next.get(name)?.text ?? printable(name, this.get(name)) ?? '', op.value);
          const setting = dynamicSetting(name, text, options.level);
          if ('refusal' in setting) return refused(setting.refusal);
          next.set(name, setting);
          break;
        }
        default:
          return refused(invalidRequest(`${name}: unknown operation ${op.op}`));
      }
    }
    return this.#commit(options, next);
  }

  /** Legacy AlterConfigs on a broker resource: the entries given replace every dynamic value at that level. */
  alter(entries: readonly ConfigEntryValue[], options: AlterOptions): AlterResult {
    const duplicate = findDuplicate(entries.map((entry) => entry.name));
    if (duplicate !== undefined) return refused(invalidRequest(`${duplicate} appears more than once in the request`));
    const next = new Map<BrokerConfigName, ConfigSetting>();
    for (const entry of entries) {
      const name = alterableName(entry.name, options.level);
      if (typeof name !== 'string') return refused(name.refusal);
      if (entry.value === null) return refused(invalidRequest(`${name}: a value is required`));
      const setting = dynamicSetting(name, entry.value, options.level);
      if ('refusal' in setting) return refused(setting.refusal);
      next.set(name, setting);
    }
    return this.#commit(options, next);
  }

  /** The dynamic values as text, for the metadata store. Never holds a password (they cannot be set dynamically). */
  dynamicLayers(): DynamicConfigLayers {
    return { perBroker: layerText(this.#perBroker), clusterDefault: layerText(this.#clusterDefault) };
  }

  /**
   * Puts back dynamic values kept by the metadata store, at startup, before anything reads
   * config. Like Kafka, a stored value that no longer validates (an older or newer Samsa wrote
   * it, or a key became read-only) is skipped with a warning naming it rather than keeping the
   * broker from starting; the warnings are returned. Values that are fine alone but break a
   * cross-field rule together are dropped one key at a time, the keys the problems name first.
   * The store is not rewritten: a release that accepts the value again gets it back.
   */
  restoreDynamic(layers: Partial<DynamicConfigLayers>): readonly string[] {
    const warnings: string[] = [];
    const decodeLayer = (entries: Readonly<Record<string, string>>, level: DynamicLevel): Map<BrokerConfigName, ConfigSetting> => {
      const out = new Map<BrokerConfigName, ConfigSetting>();
      for (const [rawName, text] of Object.entries(entries)) {
        const name = alterableName(rawName, level);
        const setting = typeof name === 'string' ? dynamicSetting(name, text, level) : name;
        if ('refusal' in setting) warnings.push(`stored ${levelWords[level]} ignored: ${setting.refusal.errorMessage}`);
        else if (typeof name === 'string') out.set(name, setting);
      }
      return out;
    };
    const perBroker = decodeLayer(layers.perBroker ?? {}, 'broker');
    const clusterDefault = decodeLayer(layers.clusterDefault ?? {}, 'cluster');
    for (;;) {
      const resolution = resolveLayers({ static: this.#static, clusterDefault, perBroker });
      if (resolution.problems.length === 0) {
        this.#apply(clusterDefault, perBroker, resolution);
        return warnings;
      }
      const [level, layer, name] = pickDynamicToDrop(resolution.problems, perBroker, clusterDefault);
      const setting = layer.get(name);
      layer.delete(name);
      warnings.push(`stored ${levelWords[level]} ignored: ${name} = ${JSON.stringify(setting?.text)} does not fit the rest of the config: ${resolution.problems.map(formatProblem).join('; ')}`);
    }
  }

  /**
   * From now on every accepted change (not validateOnly, not restoreDynamic) hands the whole
   * changed level to `sink`, synchronously and in the order the changes were made.
   */
  persistDynamicTo(sink: DynamicConfigSink): void {
    this.#sink = sink;
  }

  /** Settles once every change handed to the sink so far is durable; rejects if one of those writes failed. */
  async persisted(): Promise<void> {
    await Promise.all(this.#pendingWrites);
  }

  /** Called after each change that alters a value in force; returns a function that unsubscribes. */
  onChange(listener: ConfigChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #getter: BrokerConfigGetter = (name) => this.get(name);
  #sink: DynamicConfigSink | null = null;
  readonly #pendingWrites = new Set<Promise<void>>();

  #commit(options: AlterOptions, next: ReadonlyMap<BrokerConfigName, ConfigSetting>): AlterResult {
    const clusterDefault = options.level === 'cluster' ? next : this.#clusterDefault;
    const perBroker = options.level === 'broker' ? next : this.#perBroker;
    const resolution = resolveLayers({ static: this.#static, clusterDefault, perBroker });
    if (resolution.problems.length > 0) return refused(invalidRequest(resolution.problems.map(formatProblem).join('; ')));
    if (options.validateOnly === true) return { errorCode: 0, errorMessage: null, changes: [] };
    const changes = this.#apply(clusterDefault, perBroker, resolution);
    this.#persist(options.level, next);
    return { errorCode: 0, errorMessage: null, changes };
  }

  #persist(level: DynamicLevel, layer: Layer): void {
    if (this.#sink === null) return;
    let write: Promise<void>;
    try {
      write = this.#sink(level, layerText(layer));
    } catch (err) {
      write = Promise.reject(err as Error);
    }
    this.#pendingWrites.add(write);
    // The sink reports failures; persisted() hands them to whoever waits. Nothing is left unhandled.
    write.then(() => this.#pendingWrites.delete(write), () => this.#pendingWrites.delete(write));
  }

  #apply(clusterDefault: Layer, perBroker: Layer, resolution: Resolution): ConfigChange[] {
    const before = this.#values;
    this.#clusterDefault = clusterDefault;
    this.#perBroker = perBroker;
    this.#values = resolution.values;
    this.#warnings = [...this.#staticWarnings, ...resolution.warnings];
    const changes: ConfigChange[] = [];
    for (const [name] of brokerConfigEntries) {
      const oldValue = before.get(name);
      const newValue = resolution.values.get(name);
      if (fingerprint(name, oldValue) !== fingerprint(name, newValue)) {
        changes.push({ name, oldValue: printable(name, oldValue), newValue: printable(name, newValue) });
      }
    }
    if (changes.length > 0) {
      for (const listener of this.#listeners) {
        try {
          listener(changes);
        } catch (err) {
          // The change has happened; one failing subscriber must not hide it from the rest.
          process.emitWarning(`config change listener failed: ${(err as Error).message ?? String(err)}`, 'SamsaConfigWarning');
        }
      }
    }
    return changes;
  }
}

const levelWords: Readonly<Record<DynamicLevel, string>> = {
  broker: 'dynamic per-broker config',
  cluster: 'dynamic cluster-wide default',
};

function layerText(layer: Layer): Record<string, string> {
  return Object.fromEntries([...layer].map(([name, setting]) => [name, setting.text]));
}

/**
 * Which stored dynamic value restoreDynamic drops next when the layers do not fit together.
 * The static layer alone resolved (the constructor checked it), so a dynamic value is at fault:
 * one a problem is about, else one a problem's text mentions (a rule comparing two keys names
 * the other one there), per-broker before default; else the first one left.
 */
function pickDynamicToDrop(
  problems: readonly ConfigProblem[],
  perBroker: Map<BrokerConfigName, ConfigSetting>,
  clusterDefault: Map<BrokerConfigName, ConfigSetting>,
): readonly [DynamicLevel, Map<BrokerConfigName, ConfigSetting>, BrokerConfigName] {
  const levels = [['broker', perBroker], ['cluster', clusterDefault]] as const;
  for (const [level, layer] of levels) {
    for (const problem of problems) if (problem.key !== null && isBrokerConfigName(problem.key) && layer.has(problem.key)) return [level, layer, problem.key];
  }
  const text = problems.map((problem) => `${problem.reason} ${problem.allowed ?? ''}`).join(' ');
  const mentions = (name: string): boolean => new RegExp(`(?<![a-z0-9.])${name.replaceAll('.', '\\.')}(?![a-z0-9]|\\.[a-z0-9])`).test(text);
  for (const [level, layer] of levels) {
    for (const name of layer.keys()) if (mentions(name)) return [level, layer, name];
  }
  const [first] = perBroker.keys();
  if (first !== undefined) return ['broker', perBroker, first];
  const [fallback] = clusterDefault.keys();
  if (fallback === undefined) throw new Error('restoreDynamic: the static config alone does not resolve');
  return ['cluster', clusterDefault, fallback];
}

function refused(refusal: AlterRefusal): AlterResult {
  return { ...refusal, changes: [] };
}

/** The key, if it exists and may be changed at this level; else Kafka's refusal. */
function alterableName(name: string, level: DynamicLevel): BrokerConfigName | { readonly refusal: AlterRefusal } {
  if (!isBrokerConfigName(name)) {
    const guess = didYouMean(name, brokerConfigEntries.map(([known]) => known));
    return { refusal: invalidRequest(`${name} is not a broker config Samsa knows${guess === undefined ? '' : `; did you mean ${guess}?`}`) };
  }
  const refusal = dynamicUpdateRefusal(name, brokerConfigKey(name), level);
  return refusal === null ? name : { refusal };
}

/**
 * Why `key` cannot be set dynamically at `level`, or null when it can. Password-type keys are
 * refused whatever their update mode: a dynamic value must be kept in the metadata store, and
 * Kafka keeps those only encrypted with password.encoder.secret (its ZooKeeper mode refuses
 * them without one), which Samsa does not implement. Exported for tests.
 */
export function dynamicUpdateRefusal(name: string, key: ConfigKey<unknown>, level: DynamicLevel): AlterRefusal | null {
  if (key.updateMode === 'read-only') {
    return invalidRequest(`${name} cannot be changed while the broker runs (read-only); set it in the config file and restart`);
  }
  if (key.type === 'password') {
    return invalidRequest(`${name} is a password, and Samsa does not keep dynamic passwords: they would be stored in clear `
      + '(Kafka encrypts them with password.encoder.secret, which Samsa does not support); set it in the config file and restart');
  }
  if (key.updateMode === 'per-broker' && level === 'cluster') {
    return invalidRequest(`${name} can only be changed for one broker (name the broker id), not as the cluster-wide default`);
  }
  return null;
}

function dynamicSetting(name: BrokerConfigName, text: string, level: DynamicLevel): ConfigSetting | { readonly refusal: AlterRefusal } {
  const decoded = brokerConfigKey(name).decode(text);
  const origin: ConfigOrigin = { kind: 'dynamic', level };
  if (!decoded.ok) return { refusal: invalidRequest(formatProblem(invalidValueProblem(name, text, origin, decoded.reason))) };
  return { text, value: decoded.value, origin };
}
