/**
 * Topic configs: validating the overrides a topic sets (CreateTopics, AlterConfigs,
 * IncrementalAlterConfigs on a topic resource), and combining them with the broker's config
 * into the full effective set with Kafka's sources and synonyms (DescribeConfigs).
 *
 * Errors are Kafka's: an unknown key or a bad value is INVALID_CONFIG; a malformed request
 * (a key twice, SET without a value, an unknown operation) is INVALID_REQUEST.
 * Overrides are kept as canonical text (`texts`) by the metadata store and validated again
 * when read back, so a stored value goes through the same checks as a new one.
 */

import { ErrorCode } from '@samsa/protocol';
import type { LogConfig } from '../storage/log-config.ts';
import {
  AlterConfigOpType,
  type AlterConfigOp,
  applyListOp,
  findDuplicate,
} from './alter-config-op.ts';
import type { BrokerConfig } from './broker-config.ts';
import { type ConfigEntryDescription, ConfigSource, type ConfigSynonym, configTypeCodes } from './config-key.ts';
import {
  brokerConfigEntries,
  type TopicConfig,
  type TopicConfigName,
  type TopicConfigOverrides,
  isTopicConfigName,
  topicConfigEntries,
  topicConfigs,
  type TopicConfigKey,
} from './config-table.ts';
import { didYouMean } from './did-you-mean.ts';

export interface TopicConfigError {
  /** The key at fault (null when the problem is the request as a whole). */
  readonly name: string | null;
  readonly errorCode: typeof ErrorCode.INVALID_CONFIG | typeof ErrorCode.INVALID_REQUEST;
  readonly message: string;
}

export type TopicConfigValidation =
  | {
    readonly ok: true;
    readonly overrides: TopicConfigOverrides;
    /** The overrides as canonical text, for the metadata store. */
    readonly texts: Readonly<Partial<Record<TopicConfigName, string>>>;
  }
  | {
    readonly ok: false;
    readonly errors: readonly TopicConfigError[];
    /** The first error's code and a message naming every problem, for a per-topic result. */
    readonly errorCode: TopicConfigError['errorCode'];
    readonly errorMessage: string;
  };

export type TopicConfigInput = Readonly<Record<string, string | null>> | Iterable<readonly [string, string | null]>;

function entriesOf(input: TopicConfigInput): Array<readonly [string, string | null]> {
  return Symbol.iterator in input
    ? [...(input as Iterable<readonly [string, string | null]>)]
    : Object.entries(input as Readonly<Record<string, string | null>>);
}

function topicKey(name: TopicConfigName): TopicConfigKey<unknown> {
  return topicConfigs[name] as TopicConfigKey<unknown>;
}

const brokerNameToTopicName: ReadonlyMap<string, TopicConfigName> = new Map(
  topicConfigEntries.flatMap(([name, key]) => key.brokerSynonyms.map((broker) => [broker, name] as const)),
);

function unknownTopicKey(name: string): TopicConfigError {
  const topicName = brokerNameToTopicName.get(name);
  const hint = topicName !== undefined
    ? `; ${name} is a broker config, the topic config is ${topicName}`
    : brokerConfigEntries.some(([broker]) => broker === name)
      ? `; ${name} is a broker config with no topic-level form`
      : ((guess) => (guess === undefined ? '' : `; did you mean ${guess}?`))(didYouMean(name, topicConfigEntries.map(([known]) => known)));
  return { name, errorCode: ErrorCode.INVALID_CONFIG, message: `unknown topic config ${name}${hint}` };
}

function failed(errors: readonly TopicConfigError[]): TopicConfigValidation {
  const first = errors[0];
  return {
    ok: false,
    errors,
    errorCode: first?.errorCode ?? ErrorCode.INVALID_CONFIG,
    errorMessage: errors.map((error) => error.message).join('; '),
  };
}

/**
 * Checks a topic's overrides key by key, then against each other (with the broker's values
 * filling in what the topic does not set, when a broker config is given).
 */
export function validateTopicConfig(input: TopicConfigInput, broker?: BrokerConfig): TopicConfigValidation {
  const entries = entriesOf(input);
  const duplicate = findDuplicate(entries.map(([name]) => name));
  if (duplicate !== undefined) {
    return failed([{ name: duplicate, errorCode: ErrorCode.INVALID_REQUEST, message: `${duplicate} appears more than once` }]);
  }
  const errors: TopicConfigError[] = [];
  const overrides: Partial<Record<TopicConfigName, unknown>> = {};
  const texts: Partial<Record<TopicConfigName, string>> = {};
  for (const [name, text] of entries) {
    if (!isTopicConfigName(name)) {
      errors.push(unknownTopicKey(name));
      continue;
    }
    const key = topicKey(name);
    if (text === null) {
      errors.push({ name, errorCode: ErrorCode.INVALID_CONFIG, message: `${name}: a value is required (topic configs cannot be null)` });
      continue;
    }
    const decoded = key.decode(text);
    if (!decoded.ok) {
      errors.push({ name, errorCode: ErrorCode.INVALID_CONFIG, message: `${name} = ${JSON.stringify(text)}: ${decoded.reason}; allowed: ${key.allowed}` });
      continue;
    }
    overrides[name] = decoded.value;
    texts[name] = key.format(decoded.value) ?? '';
  }
  if (errors.length > 0) return failed(errors);

  const typed = overrides as TopicConfigOverrides;
  const minLag = typed['min.compaction.lag.ms'] ?? (broker === undefined ? topicConfigs['min.compaction.lag.ms'].default : broker.get('log.cleaner.min.compaction.lag.ms'));
  const maxLag = typed['max.compaction.lag.ms'] ?? (broker === undefined ? topicConfigs['max.compaction.lag.ms'].default : broker.get('log.cleaner.max.compaction.lag.ms'));
  if (minLag > maxLag) {
    const name = typed['min.compaction.lag.ms'] === undefined ? 'max.compaction.lag.ms' : 'min.compaction.lag.ms';
    return failed([{ name, errorCode: ErrorCode.INVALID_CONFIG, message: `min.compaction.lag.ms (${minLag}) is above max.compaction.lag.ms (${maxLag})` }]);
  }
  return { ok: true, overrides: typed, texts };
}

/**
 * IncrementalAlterConfigs on a topic: applies the operations to the topic's current overrides
 * (as stored text) and validates the result. APPEND and SUBTRACT start from the value in force.
 */
export function incrementalAlterTopicConfig(
  current: Readonly<Record<string, string>>,
  ops: readonly AlterConfigOp[],
  broker?: BrokerConfig,
): TopicConfigValidation {
  const duplicate = findDuplicate(ops.map((op) => op.name));
  if (duplicate !== undefined) {
    return failed([{ name: duplicate, errorCode: ErrorCode.INVALID_REQUEST, message: `${duplicate} appears more than once in the request` }]);
  }
  const next = new Map(Object.entries(current));
  for (const op of ops) {
    if (!isTopicConfigName(op.name)) return failed([unknownTopicKey(op.name)]);
    const key = topicKey(op.name);
    switch (op.op) {
      case AlterConfigOpType.DELETE:
        next.delete(op.name);
        break;
      case AlterConfigOpType.SET:
        if (op.value === null) return failed([{ name: op.name, errorCode: ErrorCode.INVALID_REQUEST, message: `${op.name}: SET needs a value` }]);
        next.set(op.name, op.value);
        break;
      case AlterConfigOpType.APPEND:
      case AlterConfigOpType.SUBTRACT: {
        if (key.type !== 'list') {
          return failed([{ name: op.name, errorCode: ErrorCode.INVALID_CONFIG, message: `${op.name} is not a list, so it cannot be appended to or subtracted from` }]);
        }
        if (op.value === null) return failed([{ name: op.name, errorCode: ErrorCode.INVALID_REQUEST, message: `${op.name}: a value is required` }]);
        const inForce = next.get(op.name) ?? key.format(broker === undefined ? key.default : key.brokerDefault((name) => broker.get(name))) ?? '';
        next.set(op.name, applyListOp(op.op, inForce, op.value));
        break;
      }
      default:
        return failed([{ name: op.name, errorCode: ErrorCode.INVALID_REQUEST, message: `${op.name}: unknown operation ${op.op}` }]);
    }
  }
  return validateTopicConfig(next, broker);
}

export interface EffectiveTopicConfig {
  readonly values: TopicConfig;
  /** DescribeConfigs entries for the topic resource: every key, or the named ones. */
  describe(names?: Iterable<string>): ConfigEntryDescription[];
}

/** The topic's full config: its own overrides, else the broker's value in force, else Kafka's default. */
export function effectiveTopicConfig(broker: BrokerConfig, overrides: TopicConfigOverrides): EffectiveTopicConfig {
  const get = broker.get.bind(broker);
  const values = Object.fromEntries(topicConfigEntries.map(([name, key]) => {
    const own = (overrides as Partial<Record<TopicConfigName, unknown>>)[name];
    return [name, own === undefined ? key.brokerDefault(get) : own];
  })) as unknown as TopicConfig;
  const describe = (names?: Iterable<string>): ConfigEntryDescription[] => {
    const selected = names === undefined ? topicConfigEntries.map(([name]) => name) : [...names].filter(isTopicConfigName);
    return selected.map((name) => {
      const key = topicKey(name);
      const value = key.format(values[name]);
      const own = (overrides as Partial<Record<TopicConfigName, unknown>>)[name] !== undefined;
      const synonyms: ConfigSynonym[] = [
        ...(own ? [{ name, value, source: ConfigSource.DYNAMIC_TOPIC_CONFIG }] : []),
        ...broker.synonymsOf(key.brokerSynonyms),
      ];
      const source = synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG;
      return {
        name,
        value,
        source,
        readOnly: false,
        isDefault: source === ConfigSource.DEFAULT_CONFIG,
        isSensitive: false,
        type: configTypeCodes[key.type],
        documentation: key.doc,
        synonyms,
      };
    });
  };
  return { values, describe };
}

/** The part of a topic's config storage acts on, in storage's own shape. */
export function toLogConfig(config: TopicConfig): LogConfig {
  return {
    segmentBytes: config['segment.bytes'],
    segmentMs: config['segment.ms'],
    segmentIndexBytes: config['segment.index.bytes'],
    indexIntervalBytes: config['index.interval.bytes'],
    flushMessages: config['flush.messages'],
    flushMs: config['flush.ms'],
    retentionMs: config['retention.ms'],
    retentionBytes: config['retention.bytes'],
    cleanupPolicy: config['cleanup.policy'],
    deleteRetentionMs: config['delete.retention.ms'],
    minCleanableDirtyRatio: config['min.cleanable.dirty.ratio'],
    minCompactionLagMs: config['min.compaction.lag.ms'],
    fileDeleteDelayMs: config['file.delete.delay.ms'],
    maxMessageBytes: config['max.message.bytes'],
    messageTimestampType: config['message.timestamp.type'],
  };
}
