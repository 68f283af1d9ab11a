/**
 * Kafka client properties (`--producer-property acks=all`, `--producer-props ...`,
 * `--consumer-property ...`) mapped onto @platformatic/kafka options and the tools' own
 * batching. A key Kafka has but we do not map is refused with the list of those we do: a
 * silently ignored setting is worse than an error.
 */
import { usageError } from './cli-error.ts';
import { parseBoolean } from './arguments.ts';

export const COMPRESSION_CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type CompressionCodec = (typeof COMPRESSION_CODECS)[number];

export interface ProducerSettings {
  clientId?: string;
  acks?: number;
  compression?: CompressionCodec;
  idempotent?: boolean;
  /** Bytes of record data per send (Kafka's batch.size is per partition; ours is per request). */
  batchBytes?: number;
  lingerMs?: number;
  timeout?: number;
  retries?: number;
  retryDelay?: number;
  maxInFlight?: number;
}

export interface ConsumerSettings {
  clientId?: string;
  groupId?: string;
  groupInstanceId?: string;
  /** KIP-848: `consumer` joins with ConsumerGroupHeartbeat, `classic` with JoinGroup/SyncGroup. */
  groupProtocol?: 'classic' | 'consumer';
  groupRemoteAssignor?: string;
  isolationLevel?: 'read_committed' | 'read_uncommitted';
  autoOffsetReset?: 'earliest' | 'latest' | 'none';
  enableAutoCommit?: boolean;
  autoCommitIntervalMs?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  rebalanceTimeoutMs?: number;
  minBytes?: number;
  maxBytes?: number;
  maxBytesPerPartition?: number;
  maxWaitMs?: number;
  timeout?: number;
  retries?: number;
  retryDelay?: number;
}

export function parseAcks(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'all' || t === '-1') return -1;
  if (t === '0') return 0;
  if (t === '1') return 1;
  throw usageError(`acks must be all, -1, 0 or 1, got "${text}"`);
}

export function parseCodec(text: string): CompressionCodec {
  const t = text.trim().toLowerCase() as CompressionCodec;
  if (!COMPRESSION_CODECS.includes(t)) throw usageError(`compression codec must be one of ${COMPRESSION_CODECS.join(', ')}, got "${text}"`);
  return t;
}

function int(name: string, text: string, min = 0): number {
  const n = Number(text.trim());
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) throw usageError(`${name} must be a whole number >= ${min}, got "${text}"`);
  return n;
}

function oneOf<T extends string>(name: string, text: string, allowed: readonly T[]): T {
  const t = text.trim().toLowerCase() as T;
  if (!allowed.includes(t)) throw usageError(`${name} must be one of ${allowed.join(', ')}, got "${text}"`);
  return t;
}

type Setter<S> = (settings: S, value: string, name: string) => void;

const producerKeys: Record<string, Setter<ProducerSettings>> = {
  'client.id': (s, v) => { s.clientId = v; },
  'acks': (s, v) => { s.acks = parseAcks(v); },
  'compression.type': (s, v) => { s.compression = parseCodec(v); },
  'enable.idempotence': (s, v, n) => { s.idempotent = parseBoolean(n, v); },
  'batch.size': (s, v, n) => { s.batchBytes = int(n, v, 1); },
  'linger.ms': (s, v, n) => { s.lingerMs = int(n, v); },
  'request.timeout.ms': (s, v, n) => { s.timeout = int(n, v, 1); },
  'retries': (s, v, n) => { s.retries = int(n, v); },
  'retry.backoff.ms': (s, v, n) => { s.retryDelay = int(n, v); },
  'max.in.flight.requests.per.connection': (s, v, n) => { s.maxInFlight = int(n, v, 1); },
};

const consumerKeys: Record<string, Setter<ConsumerSettings>> = {
  'client.id': (s, v) => { s.clientId = v; },
  'group.id': (s, v) => { s.groupId = v; },
  'group.instance.id': (s, v) => { s.groupInstanceId = v; },
  'group.protocol': (s, v, n) => { s.groupProtocol = oneOf(n, v, ['classic', 'consumer']); },
  'group.remote.assignor': (s, v) => { s.groupRemoteAssignor = v; },
  'isolation.level': (s, v, n) => { s.isolationLevel = oneOf(n, v, ['read_committed', 'read_uncommitted']); },
  'auto.offset.reset': (s, v, n) => { s.autoOffsetReset = oneOf(n, v, ['earliest', 'latest', 'none']); },
  'enable.auto.commit': (s, v, n) => { s.enableAutoCommit = parseBoolean(n, v); },
  'auto.commit.interval.ms': (s, v, n) => { s.autoCommitIntervalMs = int(n, v, 1); },
  'session.timeout.ms': (s, v, n) => { s.sessionTimeoutMs = int(n, v, 1); },
  'heartbeat.interval.ms': (s, v, n) => { s.heartbeatIntervalMs = int(n, v, 1); },
  'max.poll.interval.ms': (s, v, n) => { s.rebalanceTimeoutMs = int(n, v, 1); },
  'fetch.min.bytes': (s, v, n) => { s.minBytes = int(n, v); },
  'fetch.max.bytes': (s, v, n) => { s.maxBytes = int(n, v, 1); },
  'max.partition.fetch.bytes': (s, v, n) => { s.maxBytesPerPartition = int(n, v, 1); },
  'fetch.max.wait.ms': (s, v, n) => { s.maxWaitMs = int(n, v); },
  'request.timeout.ms': (s, v, n) => { s.timeout = int(n, v, 1); },
  'retries': (s, v, n) => { s.retries = int(n, v); },
  'retry.backoff.ms': (s, v, n) => { s.retryDelay = int(n, v); },
};

function apply<S>(keys: Record<string, Setter<S>>, kind: string, entries: ReadonlyArray<readonly [string, string]>, ignore: readonly string[]): S {
  const settings = {} as S;
  for (const [name, value] of entries) {
    if (ignore.includes(name)) continue;
    const set = keys[name];
    if (set === undefined) {
      throw usageError(`${kind} property ${name} is not supported; supported: ${Object.keys(keys).join(', ')}`);
    }
    set(settings, value, name);
  }
  return settings;
}

/** `ignore` lists keys the caller handles itself (bootstrap.servers for perf tests). */
export function producerSettings(entries: ReadonlyArray<readonly [string, string]>, ignore: readonly string[] = []): ProducerSettings {
  return apply(producerKeys, 'producer', entries, ignore);
}

export function consumerSettings(entries: ReadonlyArray<readonly [string, string]>, ignore: readonly string[] = []): ConsumerSettings {
  return apply(consumerKeys, 'consumer', entries, ignore);
}

/** Membership options: KIP-848's (the broker assigns; session and heartbeat are its settings) or the classic protocol's. */
export function groupOptions(settings: ConsumerSettings) {
  const common = {
    ...(settings.groupInstanceId === undefined ? {} : { groupInstanceId: settings.groupInstanceId }),
    ...(settings.rebalanceTimeoutMs === undefined ? {} : { rebalanceTimeout: settings.rebalanceTimeoutMs }),
  };
  if (settings.groupProtocol === 'consumer') {
    return {
      ...common,
      groupProtocol: 'consumer' as const,
      ...(settings.groupRemoteAssignor === undefined ? {} : { groupRemoteAssignor: settings.groupRemoteAssignor }),
    };
  }
  return {
    ...common,
    ...(settings.sessionTimeoutMs === undefined ? {} : { sessionTimeout: settings.sessionTimeoutMs }),
    ...(settings.heartbeatIntervalMs === undefined ? {} : { heartbeatInterval: settings.heartbeatIntervalMs }),
  };
}
