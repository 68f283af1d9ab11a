/**
 * A broker: storage, metadata, the replica manager, the handlers and the listeners, in
 * the order Kafka starts them. `Broker.start` returns once the listeners accept
 * connections; `close` is the graceful shutdown SIGTERM triggers (stop accepting, finish
 * in-flight requests, flush, checkpoint, write the clean-shutdown marker).
 */
import { hostname } from 'node:os';
import { LocalMetadataStore } from './cluster/local-metadata-store.ts';
import { ProducerIdManager } from './cluster/producer-id-manager.ts';
import type { BrokerInfo } from './cluster/metadata-store.ts';
import { ReplicaManager } from './cluster/replica-manager.ts';
import { TopicManager } from './cluster/topic-manager.ts';
import { CoordinatorPartitionLog } from './cluster/coordinator-partition-log.ts';
import { BrokerTransactionMarkerWriter } from './cluster/transaction-marker-writer.ts';
import {
  groupCoordinatorConfigFrom, logConfigFor, logDefaultsFrom, topicPolicyFrom, transactionCoordinatorConfigFrom, transactionStateTopicConfigs,
} from './config-bridge.ts';
import { GROUP_METADATA_TOPIC, GroupCoordinator } from './coordinator/group/group-coordinator.ts';
import { TRANSACTION_STATE_TOPIC, TransactionCoordinator } from './coordinator/transaction/transaction-coordinator.ts';
import type { BrokerConfig } from './config/index.ts';
import { createHandlers } from './handlers/index.ts';
import { HandlerRegistry } from './handlers/registry.ts';
import type { BrokerServices } from './handlers/services.ts';
import type { Logger } from './logger.ts';
import { SocketServer, type BoundListener } from './server/socket-server.ts';
import { systemClock } from './storage/clock.ts';
import { LogManager } from './storage/log-manager.ts';

export interface BrokerAddress {
  listener: string;
  host: string;
  port: number;
}

export class Broker {
  readonly config: BrokerConfig;
  readonly log: Logger;
  readonly #logs: LogManager;
  readonly #metadata: LocalMetadataStore;
  readonly #groups: GroupCoordinator;
  readonly #transactions: TransactionCoordinator;
  readonly #server: SocketServer;
  readonly #bound: BoundListener[];
  #closing: Promise<void> | null = null;

  private constructor(config: BrokerConfig, log: Logger, logs: LogManager, metadata: LocalMetadataStore, groups: GroupCoordinator,
    transactions: TransactionCoordinator, server: SocketServer, bound: BoundListener[]) {
    this.config = config;
    this.log = log;
    this.#logs = logs;
    this.#metadata = metadata;
    this.#groups = groups;
    this.#transactions = transactions;
    this.#server = server;
    this.#bound = bound;
  }

  static async start(config: BrokerConfig, log: Logger): Promise<Broker> {
    const nodeId = config.get('node.id');
    const logDirs = config.get('log.dirs');
    // Addresses are known only once the listeners are bound (port 0 picks one), and the
    // listeners open only once everything else is ready, so the store reads them lazily.
    let advertised: BrokerInfo | null = null;
    const metadata = await LocalMetadataStore.open({
      logDirs, nodeId, clusterId: config.get('cluster.id'),
      broker: () => advertised ?? { nodeId, host: '', port: -1, rack: null },
    });
    // Dynamic broker configs (AlterConfigs on BROKER resources) go back in before anything
    // reads config, as Kafka's DynamicBrokerConfig does at startup; a stored value this
    // release refuses is logged and skipped. Every later change is stored the same way.
    const dynamicLog = log.child({ component: 'dynamic-config' });
    const restoreWarnings = config.restoreDynamic({ perBroker: metadata.dynamicBrokerConfigs(nodeId), clusterDefault: metadata.dynamicBrokerConfigs('default') });
    for (const warning of restoreWarnings) dynamicLog.warn(warning);
    config.persistDynamicTo((level, configs) => metadata.setDynamicBrokerConfigs(level === 'broker' ? nodeId : 'default', { ...configs }).catch((err: unknown) => {
      dynamicLog.error({ err, level, keys: Object.keys(configs) }, 'could not store dynamic broker configs: the change is in force but a restart will lose it');
      throw err;
    }));
    const logs = await LogManager.start({
      logDirs,
      defaultConfig: logDefaultsFrom(config),
      // Each log opens with its topic's overrides: becomeLeader does not touch a log that is already open.
      configFor: (topic) => logConfigFor(config, metadata.topic(topic)?.configs ?? {}),
      logger: log.child({ component: 'storage' }),
      retentionCheckIntervalMs: config.get('log.retention.check.interval.ms'),
      producerIdExpirationMs: () => config.get('producer.id.expiration.ms'),
      producerIdExpirationCheckIntervalMs: config.get('producer.id.expiration.check.interval.ms'),
      checkpointIntervalMs: config.get('log.flush.offset.checkpoint.interval.ms'),
    });
    const replicas = new ReplicaManager(logs, log.child({ component: 'replicas' }));
    const topics = new TopicManager(metadata, replicas, topicPolicyFrom(config), log.child({ component: 'topics' }));
    await topics.loadAll();
    const groups = new GroupCoordinator({
      log: new CoordinatorPartitionLog(GROUP_METADATA_TOPIC, replicas),
      topic: {
        partitionCount: () => metadata.topic(GROUP_METADATA_TOPIC)?.partitions.length ?? null,
        async create(partitions) {
          const r = await topics.createTopic({
            name: GROUP_METADATA_TOPIC, numPartitions: partitions, replicationFactor: config.get('offsets.topic.replication.factor'),
            assignments: [], configs: { 'cleanup.policy': 'compact', 'segment.bytes': String(config.get('offsets.topic.segment.bytes')) },
          }, false);
          const count = metadata.topic(GROUP_METADATA_TOPIC)?.partitions.length;
          if (count === undefined) throw new Error(r.errorMessage ?? `could not create ${GROUP_METADATA_TOPIC}`);
          return count;
        },
      },
      clock: systemClock,
      config: groupCoordinatorConfigFrom(config),
      topics: {
        topic(name) {
          const t = metadata.topic(name);
          return t === undefined ? undefined : { topicId: t.topicId, numPartitions: t.partitions.length };
        },
        topicById(topicId) {
          const t = metadata.topicById(topicId);
          return t === undefined ? undefined : { name: t.name, numPartitions: t.partitions.length };
        },
      },
      numPartitions: config.get('offsets.topic.num.partitions'),
      logger: log.child({ component: 'group-coordinator' }),
    });
    await groups.startup();
    topics.onTopicDeleted((name) => groups.onTopicsDeleted([name]));
    const producerIds = new ProducerIdManager(metadata);
    // After the group coordinator: transactions found in Prepare* on load write their
    // markers at once, `__consumer_offsets` partitions included.
    const transactions = new TransactionCoordinator({
      log: new CoordinatorPartitionLog(TRANSACTION_STATE_TOPIC, replicas),
      topic: {
        partitionCount: () => metadata.topic(TRANSACTION_STATE_TOPIC)?.partitions.length ?? null,
        async create(partitions) {
          const r = await topics.createTopic({
            name: TRANSACTION_STATE_TOPIC, numPartitions: partitions, replicationFactor: config.get('transaction.state.log.replication.factor'),
            assignments: [], configs: transactionStateTopicConfigs(config),
          }, false);
          const count = metadata.topic(TRANSACTION_STATE_TOPIC)?.partitions.length;
          if (count === undefined) throw new Error(r.errorMessage ?? `could not create ${TRANSACTION_STATE_TOPIC}`);
          return count;
        },
      },
      clock: systemClock,
      config: transactionCoordinatorConfigFrom(config),
      numPartitions: config.get('transaction.state.log.num.partitions'),
      producerIds,
      markers: new BrokerTransactionMarkerWriter(replicas, groups, GROUP_METADATA_TOPIC),
      coordinatorEpochFor: (partition) => replicas.getPartition(TRANSACTION_STATE_TOPIC, partition)?.leaderEpoch ?? 0,
      partitionExists(topic, partition) {
        const t = metadata.topic(topic);
        return t !== undefined && partition >= 0 && partition < t.partitions.length;
      },
      groupMetadataTopic: GROUP_METADATA_TOPIC,
      groupPartitionFor: (groupId) => groups.partitionFor(groupId),
      logger: log.child({ component: 'transaction-coordinator' }),
    });
    await transactions.startup();
    // KIP-890 part 1: transactional produces are checked against the coordinator.
    replicas.setTransactionVerifier(transactions);
    const services: BrokerServices = { nodeId, config, metadata, replicas, topics, groups, transactions, log, logDirs, producerIds };
    // A dynamic change to a log.* default reaches every topic that does not override it.
    config.onChange(() => topics.reapplyLogConfigs());
    const registry = new HandlerRegistry();
    createHandlers(registry, services);
    const server = new SocketServer(registry, log, {
      maxFrameSize: config.get('socket.request.max.bytes'),
      maxQueuedRequestBytes: config.get('socket.request.max.bytes'),
      maxQueuedResponseBytes: 4 * 1024 * 1024,
      idleTimeoutMs: config.get('connections.max.idle.ms'),
      maxConnections: config.get('max.connections'),
    });
    const listeners = config.get('listeners');
    const bound = await server.listen(listeners.map((l) => ({ name: l.name, host: l.host, port: l.port })));
    const adv = advertisedAddress(config, bound);
    advertised = { nodeId, host: adv.host, port: adv.port, rack: config.get('broker.rack') };
    const broker = new Broker(config, log, logs, metadata, groups, transactions, server, bound);
    log.info({ listeners: bound.map((b) => `${b.name}://${b.host}:${b.port}`), logDirs, clusterId: metadata.clusterId, nodeId },
      'Samsa broker started');
    return broker;
  }

  /** The addresses the listeners are bound to. */
  get listeners(): BrokerAddress[] {
    return this.#bound.map((b) => ({ listener: b.name, host: b.host, port: b.port }));
  }

  get clusterId(): string {
    return this.#metadata.clusterId;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.log.info('Samsa broker shutting down');
      await this.#server.close();
      this.#transactions.shutdown();
      this.#groups.shutdown();
      await this.#logs.shutdown();
      await this.#metadata.close();
      this.log.info('Samsa broker shut down cleanly');
    })();
    return this.#closing;
  }
}

/** advertised.listeners, else the bound listener with a wildcard host replaced by this host's name. */
function advertisedAddress(config: BrokerConfig, bound: readonly BoundListener[]): { host: string; port: number } {
  const first = bound[0]!;
  const adv = config.get('advertised.listeners')?.find((a) => a.name === first.name);
  if (adv) return { host: adv.host === '' ? hostname() : adv.host, port: adv.port === 0 ? first.port : adv.port };
  const wildcard = first.host === '' || first.host === '0.0.0.0' || first.host === '::';
  return { host: wildcard ? hostname() : first.host, port: first.port };
}
