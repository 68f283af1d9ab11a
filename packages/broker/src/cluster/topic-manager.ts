/**
 * Creating, deleting and growing topics, and changing their configs (the part of Kafka's
 * controller a client reaches through CreateTopics, DeleteTopics, CreatePartitions and
 * AlterConfigs). Validation answers with Kafka's error codes and messages; the metadata
 * store records the result and the replica manager opens or removes the logs.
 */
import { ErrorCode } from '@samsa/protocol';
import type { Logger } from '../logger.ts';
import type { LogConfig } from '../storage/log-config.ts';
import { INTERNAL_TOPICS, invalidTopicNameReason, unifyCollisionChars, type MetadataStore, type TopicMetadata } from './metadata-store.ts';
import type { ReplicaManager } from './replica-manager.ts';

/** What the topic manager needs from the broker's configuration. */
export interface TopicPolicy {
  numPartitions(): number;
  defaultReplicationFactor(): number;
  autoCreateTopicsEnable(): boolean;
  deleteTopicEnable(): boolean;
  /** Problems with topic config overrides: [key, message] pairs, empty when valid. */
  validateTopicConfigs(configs: Record<string, string>): Array<[string, string]>;
  /** The storage settings for a topic with these overrides over the broker's defaults. */
  logConfigFor(configs: Record<string, string>): Partial<LogConfig>;
}

export interface TopicResult {
  errorCode: number;
  errorMessage: string | null;
  topic?: TopicMetadata;
}

export interface CreateTopicRequest {
  name: string;
  /** -1: num.partitions. */
  numPartitions: number;
  /** -1: default.replication.factor. */
  replicationFactor: number;
  /** Manual assignment: partition → replica broker ids. */
  assignments: Array<{ partitionIndex: number; brokerIds: number[] }>;
  configs: Record<string, string>;
}

const fail = (errorCode: number, errorMessage: string): TopicResult => ({ errorCode, errorMessage });

export class TopicManager {
  readonly #store: MetadataStore;
  readonly #replicas: ReplicaManager;
  readonly #policy: TopicPolicy;
  readonly #log: Logger;
  readonly #deletedListeners: Array<(name: string) => Promise<void>> = [];

  constructor(store: MetadataStore, replicas: ReplicaManager, policy: TopicPolicy, log: Logger) {
    this.#store = store;
    this.#replicas = replicas;
    this.#policy = policy;
    this.#log = log;
  }

  /** Calls `listener` after each topic deletion (the group coordinator drops the topic's offsets). */
  onTopicDeleted(listener: (name: string) => Promise<void>): void {
    this.#deletedListeners.push(listener);
  }

  /** Opens the logs of every topic in the metadata (at startup). */
  async loadAll(): Promise<void> {
    for (const t of this.#store.topics()) await this.#open(t);
  }

  async #open(t: TopicMetadata): Promise<void> {
    const config = this.#policy.logConfigFor(t.configs);
    for (const p of t.partitions) await this.#replicas.becomeLeader(t.name, p.partition, p.leaderEpoch, config);
  }

  get autoCreateEnabled(): boolean {
    return this.#policy.autoCreateTopicsEnable();
  }

  async createTopic(req: CreateTopicRequest, validateOnly: boolean): Promise<TopicResult> {
    const reason = invalidTopicNameReason(req.name);
    if (reason !== null) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, reason);
    if (this.#store.topic(req.name)) return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${req.name}' already exists.`);
    const unified = unifyCollisionChars(req.name);
    for (const t of this.#store.topics()) {
      if (unifyCollisionChars(t.name) === unified) {
        return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${req.name}' collides with existing topic: ${t.name}`);
      }
    }
    const brokers = this.#store.brokers().map((b) => b.nodeId);
    let partitions = req.numPartitions;
    let rf = req.replicationFactor;
    if (req.assignments.length > 0) {
      if (partitions !== -1 || rf !== -1) {
        return fail(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
      }
      const sorted = [...req.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
      for (const [i, a] of sorted.entries()) {
        if (a.partitionIndex !== i) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Partitions should be a consecutive 0-based integer sequence');
        if (a.brokerIds.length === 0 || a.brokerIds.some((b) => !brokers.includes(b)) || new Set(a.brokerIds).size !== a.brokerIds.length) {
          return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Invalid replica assignment for partition ${i}: ${JSON.stringify(a.brokerIds)}`);
        }
      }
      partitions = sorted.length;
      rf = sorted[0]!.brokerIds.length;
    }
    if (partitions === -1) partitions = this.#policy.numPartitions();
    if (rf === -1) rf = this.#policy.defaultReplicationFactor();
    if (partitions <= 0) return fail(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
    if (rf <= 0) return fail(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
    if (rf > brokers.length) {
      return fail(ErrorCode.INVALID_REPLICATION_FACTOR,
        `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only ${brokers.length} broker(s) are registered.`);
    }
    const problems = this.#policy.validateTopicConfigs(req.configs);
    if (problems.length > 0) {
      return fail(ErrorCode.INVALID_CONFIG, problems.map(([k, m]) => `${k}: ${m}`).join('; '));
    }
    if (validateOnly) {
      return { errorCode: ErrorCode.NONE, errorMessage: null };
    }
    const topic = await this.#store.createTopic({
      name: req.name, partitions, replicationFactor: rf, configs: req.configs, internal: INTERNAL_TOPICS.has(req.name),
    });
    await this.#open(topic);
    this.#log.info({ topic: topic.name, partitions, topicId: topic.topicId }, 'created topic');
    return { errorCode: ErrorCode.NONE, errorMessage: null, topic };
  }

  /** Metadata's auto-creation: num.partitions and default.replication.factor. */
  autoCreate(name: string): Promise<TopicResult> {
    return this.createTopic({ name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: {} }, false);
  }

  async deleteTopic(name: string): Promise<TopicResult> {
    if (!this.#policy.deleteTopicEnable()) return fail(ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.');
    const topic = this.#store.topic(name);
    if (topic === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
    await this.#store.deleteTopic(name);
    for (const p of topic.partitions) await this.#replicas.removePartition(name, p.partition, true);
    for (const listener of this.#deletedListeners) await listener(name);
    this.#log.info({ topic: name, topicId: topic.topicId }, 'deleted topic');
    return { errorCode: ErrorCode.NONE, errorMessage: null, topic };
  }

  async createPartitions(name: string, count: number, assignments: number[][] | null, validateOnly: boolean): Promise<TopicResult> {
    const topic = this.#store.topic(name);
    if (topic === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
    const current = topic.partitions.length;
    if (count < current) {
      return fail(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${current} partitions, which is higher than the requested ${count}.`);
    }
    if (count === current) return fail(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partitions.`);
    if (assignments !== null) {
      const brokers = this.#store.brokers().map((b) => b.nodeId);
      if (assignments.length !== count - current) {
        return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Increasing the number of partitions by ${count - current} but ${assignments.length} assignments provided.`);
      }
      if (assignments.some((a) => a.length === 0 || a.some((b) => !brokers.includes(b)))) {
        return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Replica assignment names brokers that are not registered.');
      }
    }
    if (validateOnly) return { errorCode: ErrorCode.NONE, errorMessage: null };
    const updated = await this.#store.createPartitions(name, count);
    await this.#open(updated);
    this.#log.info({ topic: name, from: current, to: count }, 'added partitions');
    return { errorCode: ErrorCode.NONE, errorMessage: null, topic: updated };
  }

  /** Replaces a topic's overrides (AlterConfigs) or merges them (IncrementalAlterConfigs, by the caller). */
  async setTopicConfigs(name: string, configs: Record<string, string>, validateOnly: boolean): Promise<TopicResult> {
    const topic = this.#store.topic(name);
    if (topic === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
    const problems = this.#policy.validateTopicConfigs(configs);
    if (problems.length > 0) return fail(ErrorCode.INVALID_CONFIG, problems.map(([k, m]) => `${k}: ${m}`).join('; '));
    if (validateOnly) return { errorCode: ErrorCode.NONE, errorMessage: null };
    await this.#store.setTopicConfigs(name, configs);
    const logConfig = this.#policy.logConfigFor(configs);
    for (const p of topic.partitions) this.#replicas.updateConfig(name, p.partition, logConfig);
    return { errorCode: ErrorCode.NONE, errorMessage: null, topic };
  }

  /** Re-derives every topic's storage settings, after a broker-wide default changed. */
  reapplyLogConfigs(): void {
    for (const t of this.#store.topics()) {
      const logConfig = this.#policy.logConfigFor(t.configs);
      for (const p of t.partitions) this.#replicas.updateConfig(t.name, p.partition, logConfig);
    }
  }
}
