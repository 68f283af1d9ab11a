/**
 * Cluster metadata: brokers, topics with their ids, partitions (replicas, leader, leader
 * epoch, ISR), topic config overrides and dynamic broker configs. Two implementations are
 * planned (DESIGN.md):
 * `local` for a single node, stored in the data directory, and `etcd` for a cluster. The
 * broker talks only to this interface, so a single node is a cluster of one.
 */
import type { Uuid } from '@samsa/protocol';

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionState {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
}

export interface TopicMetadata {
  name: string;
  topicId: Uuid;
  internal: boolean;
  partitions: PartitionState[];
  /** Topic-level config overrides, Kafka's keys and string values as given. */
  configs: Record<string, string>;
}

export interface NewTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
  internal?: boolean;
}

/**
 * Whose dynamic broker configs: one broker's, by node id (AlterConfigs on resource name
 * "<id>"), or the cluster-wide default of every broker (resource name "", Kafka's
 * `/config/brokers/<default>` in ZooKeeper).
 */
export type BrokerConfigScope = number | 'default';

export interface MetadataStore {
  readonly clusterId: string;
  brokers(): BrokerInfo[];
  topics(): IterableIterator<TopicMetadata>;
  topic(name: string): TopicMetadata | undefined;
  topicById(id: Uuid): TopicMetadata | undefined;
  createTopic(spec: NewTopic): Promise<TopicMetadata>;
  deleteTopic(name: string): Promise<TopicMetadata | undefined>;
  /** Grows a topic to `total` partitions. */
  createPartitions(name: string, total: number): Promise<TopicMetadata>;
  /** Replaces a topic's config overrides. */
  setTopicConfigs(name: string, configs: Record<string, string>): Promise<void>;
  /**
   * Dynamic broker configs as text (Kafka's keys, values as given), read at startup before
   * anything reads config; empty when none were set. Values are kept as the release that
   * set them wrote them: the reader validates them, not the store. Password-type values
   * never get here (BrokerConfig refuses them, see broker-config.ts).
   */
  dynamicBrokerConfigs(scope: BrokerConfigScope): Record<string, string>;
  /** Replaces the dynamic broker configs of one scope; durable when the promise resolves. An empty set removes the scope. */
  setDynamicBrokerConfigs(scope: BrokerConfigScope, configs: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

/** Kafka's rules for topic names (org.apache.kafka.common.internals.Topic). */
export const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL_TOPIC_CHARS = /^[a-zA-Z0-9._-]+$/;

/** Why a topic name is invalid, or null when it is fine. */
export function invalidTopicNameReason(name: string): string | null {
  if (name.length === 0) return 'Topic name is illegal, it can\'t be empty';
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > MAX_TOPIC_NAME_LENGTH) return `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters`;
  if (!LEGAL_TOPIC_CHARS.test(name)) {
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return null;
}

/** Kafka folds '.' and '_' together when checking for colliding names (metric names clash). */
export function unifyCollisionChars(name: string): string {
  return name.replace(/\./g, '_');
}

export const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);
