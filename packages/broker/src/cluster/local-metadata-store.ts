/**
 * Single-node metadata, kept in `<first log dir>/samsa-metadata.json` and replaced
 * atomically (write to a temp file, fsync, rename, fsync the directory), so a crash
 * leaves either the old or the new state. Every log dir also gets Kafka's
 * `meta.properties` (version, cluster.id, node.id); a log dir that belongs to another
 * node or cluster stops startup rather than mixing data.
 *
 * Producer ids are handed out in blocks (Kafka's /latest_producer_id_block): the end of
 * the last block given is stored before the block is returned, so no id is handed out
 * twice, across restarts and kill -9 included (a crash only skips the rest of a block).
 *
 * Dynamic broker configs (AlterConfigs on BROKER resources) are kept under `brokerConfigs`,
 * keyed as ZooKeeper-era Kafka kept them under /config/brokers: `<default>` for the
 * cluster-wide default, the node id for one broker. The field is optional, so files from
 * before it load unchanged (version stays 1); an older Samsa would drop it on its next write.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUuid, ZERO_UUID, type Uuid } from '@samsa/protocol';
import { NodeFs, replaceFileAtomically } from '../storage/storage-fs.ts';
import type { BrokerConfigScope, BrokerInfo, MetadataStore, NewTopic, TopicMetadata } from './metadata-store.ts';

const METADATA_FILE = 'samsa-metadata.json';
const META_PROPERTIES = 'meta.properties';
const DEFAULT_BROKER_CONFIGS = '<default>';

interface StoredState {
  version: 1;
  clusterId: string;
  topics: TopicMetadata[];
  /** First producer id of the next block (absent before the first InitProducerId). */
  nextProducerIdBlockStart?: number;
  /** Dynamic broker configs by scope: `<default>` or a node id. */
  brokerConfigs?: Record<string, Record<string, string>>;
}

export interface LocalMetadataStoreOptions {
  logDirs: readonly string[];
  nodeId: number;
  /** The address this broker advertises. */
  broker: () => BrokerInfo;
  /** cluster.id from config; generated on first start when absent. */
  clusterId?: string | null;
}

export class LocalMetadataStore implements MetadataStore {
  readonly clusterId: string;
  readonly #dir: string;
  readonly #broker: () => BrokerInfo;
  readonly #topics = new Map<string, TopicMetadata>();
  readonly #byId = new Map<Uuid, TopicMetadata>();
  #writing: Promise<void> = Promise.resolve();
  #nextProducerIdBlockStart: number;
  readonly #brokerConfigs: Map<string, Record<string, string>>;

  private constructor(dir: string, clusterId: string, broker: () => BrokerInfo, state: StoredState | null) {
    this.#dir = dir;
    this.#nextProducerIdBlockStart = state?.nextProducerIdBlockStart ?? 0;
    this.#brokerConfigs = readBrokerConfigs(state?.brokerConfigs);
    const topics = state?.topics ?? [];
    this.clusterId = clusterId;
    this.#broker = broker;
    for (const t of topics) {
      this.#topics.set(t.name, t);
      this.#byId.set(t.topicId, t);
    }
  }

  static async open(opts: LocalMetadataStoreOptions): Promise<LocalMetadataStore> {
    const dir = opts.logDirs[0];
    if (dir === undefined) throw new Error('log.dirs is empty');
    for (const d of opts.logDirs) await mkdir(d, { recursive: true });
    let state: StoredState | null = null;
    try {
      state = JSON.parse(await readFile(join(dir, METADATA_FILE), 'utf8')) as StoredState;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    let clusterId = state?.clusterId ?? opts.clusterId ?? null;
    for (const d of opts.logDirs) {
      const meta = await readMetaProperties(d);
      if (meta === null) continue;
      if (meta['node.id'] !== undefined && Number(meta['node.id']) !== opts.nodeId) {
        throw new Error(`log dir ${d} belongs to node.id ${meta['node.id']}, but this broker is node.id ${opts.nodeId}`);
      }
      if (meta['cluster.id'] !== undefined) {
        if (clusterId !== null && meta['cluster.id'] !== clusterId) {
          throw new Error(`log dir ${d} belongs to cluster ${meta['cluster.id']}, but this broker is in cluster ${clusterId}`);
        }
        clusterId = meta['cluster.id'];
      }
    }
    if (opts.clusterId && clusterId !== opts.clusterId) {
      throw new Error(`cluster.id is ${opts.clusterId}, but the data in ${dir} belongs to cluster ${clusterId}`);
    }
    clusterId ??= Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
    for (const d of opts.logDirs) {
      await writeAtomically(d, META_PROPERTIES,
        `#\n#Written by Samsa\nversion=1\ncluster.id=${clusterId}\nnode.id=${opts.nodeId}\n`);
    }
    const store = new LocalMetadataStore(dir, clusterId, opts.broker, state);
    if (state === null) await store.#persist();
    return store;
  }

  brokers(): BrokerInfo[] {
    return [this.#broker()];
  }

  topics(): IterableIterator<TopicMetadata> {
    return this.#topics.values();
  }

  topic(name: string): TopicMetadata | undefined {
    return this.#topics.get(name);
  }

  topicById(id: Uuid): TopicMetadata | undefined {
    return this.#byId.get(id);
  }

  async createTopic(spec: NewTopic): Promise<TopicMetadata> {
    if (this.#topics.has(spec.name)) throw new Error(`topic ${spec.name} exists`);
    const nodeId = this.#broker().nodeId;
    let topicId: Uuid;
    do {
      topicId = randomUuid();
      // Kafka never hands out an id whose text starts with '-' (it would read as a flag).
    } while (topicId === ZERO_UUID || topicId.startsWith('-') || this.#byId.has(topicId));
    const topic: TopicMetadata = {
      name: spec.name,
      topicId,
      internal: spec.internal ?? false,
      partitions: Array.from({ length: spec.partitions }, (_, partition) => ({
        partition, leader: nodeId, leaderEpoch: 0, replicas: [nodeId], isr: [nodeId],
      })),
      configs: { ...spec.configs },
    };
    this.#topics.set(topic.name, topic);
    this.#byId.set(topic.topicId, topic);
    await this.#persist();
    return topic;
  }

  async deleteTopic(name: string): Promise<TopicMetadata | undefined> {
    const topic = this.#topics.get(name);
    if (topic === undefined) return undefined;
    this.#topics.delete(name);
    this.#byId.delete(topic.topicId);
    await this.#persist();
    return topic;
  }

  async createPartitions(name: string, total: number): Promise<TopicMetadata> {
    const topic = this.#topics.get(name);
    if (topic === undefined) throw new Error(`no topic ${name}`);
    const nodeId = this.#broker().nodeId;
    for (let p = topic.partitions.length; p < total; p++) {
      topic.partitions.push({ partition: p, leader: nodeId, leaderEpoch: 0, replicas: [nodeId], isr: [nodeId] });
    }
    await this.#persist();
    return topic;
  }

  async setTopicConfigs(name: string, configs: Record<string, string>): Promise<void> {
    const topic = this.#topics.get(name);
    if (topic === undefined) throw new Error(`no topic ${name}`);
    topic.configs = { ...configs };
    await this.#persist();
  }

  dynamicBrokerConfigs(scope: BrokerConfigScope): Record<string, string> {
    return { ...this.#brokerConfigs.get(scopeKey(scope)) };
  }

  async setDynamicBrokerConfigs(scope: BrokerConfigScope, configs: Record<string, string>): Promise<void> {
    if (Object.keys(configs).length === 0) this.#brokerConfigs.delete(scopeKey(scope));
    else this.#brokerConfigs.set(scopeKey(scope), { ...configs });
    await this.#persist();
  }

  /** The next `size` producer ids, durable before they are returned. */
  async allocateProducerIdBlock(size: number): Promise<{ firstProducerId: number; size: number }> {
    const firstProducerId = this.#nextProducerIdBlockStart;
    if (!Number.isSafeInteger(firstProducerId + size)) throw new Error('producer ids exhausted');
    this.#nextProducerIdBlockStart = firstProducerId + size;
    await this.#persist();
    return { firstProducerId, size };
  }

  async close(): Promise<void> {
    await this.#writing;
  }

  /**
   * Writes are chained so two changes never race on the temp file, and each write carries the
   * whole state as it was when the change was made, so they land in the order made. One failed
   * write fails its own caller only: the next write still runs (and carries that change too).
   */
  #persist(): Promise<void> {
    const state: StoredState = {
      version: 1, clusterId: this.clusterId, topics: [...this.#topics.values()], nextProducerIdBlockStart: this.#nextProducerIdBlockStart,
    };
    if (this.#brokerConfigs.size > 0) state.brokerConfigs = Object.fromEntries(this.#brokerConfigs);
    const text = JSON.stringify(state, null, 1);
    const write = this.#writing.catch(() => {}).then(() => writeAtomically(this.#dir, METADATA_FILE, text));
    this.#writing = write;
    return write;
  }
}

function scopeKey(scope: BrokerConfigScope): string {
  return scope === 'default' ? DEFAULT_BROKER_CONFIGS : String(scope);
}

/**
 * Values are text. A hand-edited file may hold a number or worse; it is turned into its JSON
 * text, so `60000` still means 60000 and anything else reaches validation, which names the key.
 */
function readBrokerConfigs(stored: unknown): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  if (typeof stored !== 'object' || stored === null) return out;
  for (const [scope, configs] of Object.entries(stored)) {
    if (typeof configs !== 'object' || configs === null) continue;
    const texts: Record<string, string> = {};
    for (const [name, value] of Object.entries(configs as Record<string, unknown>)) {
      texts[name] = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
    }
    out.set(scope, texts);
  }
  return out;
}

async function readMetaProperties(dir: string): Promise<Record<string, string> | null> {
  let text: string;
  try {
    text = await readFile(join(dir, META_PROPERTIES), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([^#=\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

function writeAtomically(dir: string, name: string, text: string): Promise<void> {
  return replaceFileAtomically(new NodeFs(), join(dir, name), Buffer.from(text));
}
