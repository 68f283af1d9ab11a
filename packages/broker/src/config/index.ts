/**
 * The broker's configuration: one declared table, loading, dynamic updates, topic configs and docs.
 *
 * Files: config-table.ts (every key: the one place to add one), config-key.ts (key builders,
 * type and source codes), broker-config.ts (loading, layers, cross-field checks, describe,
 * alter), topic-config.ts (topic overrides, effective values, storage's LogConfig),
 * properties-file.ts, listeners.ts, alter-config-op.ts, config-reference.ts (Markdown docs).
 *
 * Non-obvious:
 * - Longs are numbers; anything beyond 2^53 (Kafka's Long.MAX_VALUE "never") saturates to
 *   LONG_MAX and prints back as 9223372036854775807.
 * - `get('log.retention.ms')` is the key's own value (null unless set), as DescribeConfigs
 *   shows it; the retention in force is `logRetentionMs` (same for roll, jitter, flush).
 * - `get('node.id')`, `get('broker.id')` and `get('log.dirs')` are resolved: broker.id and
 *   log.dir feed them when the primary key is unset.
 * - Listener values are parsed before listener.security.protocol.map is known and bound to it
 *   during resolution; only resolved values carry the right securityProtocol.
 * - Loading reads no environment unless given one (the CLI passes process.env).
 * - Every change re-resolves all layers and re-runs the cross-field checks before it is applied.
 * - Dynamic values outlive the process only through the broker: it restores them from the
 *   metadata store before anything reads config and hands every accepted change to the store
 *   (`restoreDynamic`, `persistDynamicTo`). A BrokerConfig on its own keeps them in memory.
 *   The store is written after the change is in force and the answer does not wait for it
 *   (`persisted()` does); a kill -9 in that window loses the change.
 * - Password-type keys are never dynamic, whatever the table says, since the store would keep
 *   them in clear (Kafka encrypts them with password.encoder.secret; Samsa has no such key).
 */

export {
  AlterConfigOpType,
  type AlterConfigOp,
  type AlterRefusal,
  type ConfigEntryValue,
} from './alter-config-op.ts';
export {
  type AlterOptions,
  type AlterResult,
  BrokerConfig,
  type ConfigChange,
  type ConfigChangeListener,
  type ConfigSetting,
  type DynamicConfigLayers,
  type DynamicConfigSink,
  type DynamicLevel,
  envVarFor,
  envVarPrefix,
  loadBrokerConfig,
  type LoadBrokerConfigOptions,
  nonConfigEnvVars,
  parseOverride,
} from './broker-config.ts';
export { ConfigError, type ConfigOrigin, type ConfigProblem, describeOrigin, formatProblem } from './config-error.ts';
export {
  type ConfigEntryDescription,
  type ConfigKey,
  ConfigSource,
  type ConfigSynonym,
  ConfigType,
  LONG_MAX,
  Password,
  type UpdateMode,
} from './config-key.ts';
export { renderConfigReference } from './config-reference.ts';
export {
  brokerConfigs,
  type BrokerConfigName,
  type BrokerConfigValue,
  type BrokerConfigValues,
  isBrokerConfigName,
  isTopicConfigName,
  type TopicConfig,
  topicConfigs,
  type TopicConfigName,
  type TopicConfigOverrides,
  type TopicConfigValue,
} from './config-table.ts';
export { generateClusterId } from './cluster-id.ts';
export { formatListener, type Listener, parseListeners, SecurityProtocol } from './listeners.ts';
export { parseProperties, type PropertyEntry } from './properties-file.ts';
export {
  effectiveTopicConfig,
  type EffectiveTopicConfig,
  incrementalAlterTopicConfig,
  toLogConfig,
  type TopicConfigError,
  type TopicConfigInput,
  type TopicConfigValidation,
  validateTopicConfig,
} from './topic-config.ts';
