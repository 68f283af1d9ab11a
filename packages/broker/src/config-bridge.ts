/**
 * Where the broker's configuration meets the domain: the topic policy the topic manager
 * applies, and the storage settings of a topic (its overrides over the broker's log.*
 * values over Kafka's defaults).
 */
import type { TopicPolicy } from './cluster/topic-manager.ts';
import { effectiveTopicConfig, toLogConfig, validateTopicConfig, type BrokerConfig } from './config/index.ts';
import { assignorClassNames } from './coordinator/group/assignor/server-assignors.ts';
import { defaultGroupCoordinatorConfig, type GroupCoordinatorConfig } from './coordinator/group/shard-context.ts';
import type { TransactionCoordinatorConfig } from './coordinator/transaction/transaction-metadata.ts';
import type { LogConfig } from './storage/log-config.ts';

export function logConfigFor(config: BrokerConfig, overrides: Record<string, string>): LogConfig {
  const v = validateTopicConfig(overrides, config);
  // Stored overrides were validated when they were set; should a later release reject one,
  // the topic falls back to the broker's values rather than failing to load.
  return {
    ...toLogConfig(effectiveTopicConfig(config, v.ok ? v.overrides : {}).values),
    // A broker setting in Kafka, read by every log on its append path.
    transactionPartitionVerificationEnable: config.get('transaction.partition.verification.enable'),
  };
}

export function logDefaultsFrom(config: BrokerConfig): LogConfig {
  return logConfigFor(config, {});
}

export function topicPolicyFrom(config: BrokerConfig): TopicPolicy {
  return {
    numPartitions: () => config.get('num.partitions'),
    defaultReplicationFactor: () => config.get('default.replication.factor'),
    autoCreateTopicsEnable: () => config.get('auto.create.topics.enable'),
    deleteTopicEnable: () => config.get('delete.topic.enable'),
    validateTopicConfigs(configs) {
      const v = validateTopicConfig(configs, config);
      return v.ok ? [] : v.errors.map((e) => [e.name ?? '', e.message] as [string, string]);
    },
    logConfigFor: (configs) => logConfigFor(config, configs),
  };
}

/** The group coordinator's settings (group.*, group.consumer.* and offsets.* keys). */
export function groupCoordinatorConfigFrom(config: BrokerConfig): GroupCoordinatorConfig {
  return {
    ...defaultGroupCoordinatorConfig,
    initialRebalanceDelayMs: config.get('group.initial.rebalance.delay.ms'),
    minSessionTimeoutMs: config.get('group.min.session.timeout.ms'),
    maxSessionTimeoutMs: config.get('group.max.session.timeout.ms'),
    maxSize: config.get('group.max.size'),
    offsetsRetentionMs: config.get('offsets.retention.minutes') * 60_000,
    offsetsRetentionCheckIntervalMs: Number(config.get('offsets.retention.check.interval.ms')),
    offsetMetadataMaxBytes: config.get('offset.metadata.max.bytes'),
    consumerGroupSessionTimeoutMs: config.get('group.consumer.session.timeout.ms'),
    consumerGroupHeartbeatIntervalMs: config.get('group.consumer.heartbeat.interval.ms'),
    consumerGroupMaxSize: config.get('group.consumer.max.size'),
    // Kafka 3.x's class names stand for the assignors Kafka 4 calls uniform and range.
    consumerGroupAssignors: [...new Set(config.get('group.consumer.assignors').map((name) => assignorClassNames.get(name) ?? name))],
  };
}

/** The transaction coordinator's settings (transaction.* and transactional.id.* keys). */
export function transactionCoordinatorConfigFrom(config: BrokerConfig): TransactionCoordinatorConfig {
  return {
    transactionMaxTimeoutMs: config.get('transaction.max.timeout.ms'),
    transactionalIdExpirationMs: config.get('transactional.id.expiration.ms'),
    abortTimedOutTransactionsIntervalMs: config.get('transaction.abort.timed.out.transaction.cleanup.interval.ms'),
    removeExpiredTransactionalIdsIntervalMs: config.get('transaction.remove.expired.transaction.cleanup.interval.ms'),
  };
}

/**
 * The configs `__transaction_state` is created with (Kafka's transactionTopicConfigs):
 * compacted, uncompressed, no unclean leader election, its own segment size and
 * min.insync.replicas.
 */
export function transactionStateTopicConfigs(config: BrokerConfig): Record<string, string> {
  return {
    'cleanup.policy': 'compact',
    'compression.type': 'uncompressed',
    'unclean.leader.election.enable': 'false',
    'min.insync.replicas': String(config.get('transaction.state.log.min.isr')),
    'segment.bytes': String(config.get('transaction.state.log.segment.bytes')),
  };
}
