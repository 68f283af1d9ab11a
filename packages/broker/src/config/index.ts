/** The broker's configuration: one declared table, loading, dynamic updates, topic configs and docs. */

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
