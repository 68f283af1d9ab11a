/**
 * Every config key Samsa knows, declared once (STYLE.md example 8). Broker keys are Kafka's
 * KafkaConfig names; topic keys are Kafka's LogConfig names, each tied to the broker key(s)
 * that supply its default. Types, defaults, validators, importance and update modes follow
 * Kafka 3.8; where Samsa departs, the entry says how and why in `differsFromKafka`.
 * Loading, DescribeConfigs, AlterConfigs and the Markdown reference all read this table, so a
 * key added here is loadable, describable, alterable (if dynamic) and documented at once.
 *
 * Docs are one line in our own words. The update modes mirror Kafka's DynamicBrokerConfig:
 * the broker keys that back a topic key are cluster-wide, except the hour/minute forms of a
 * setting, which Kafka never made dynamic (alter the `.ms` form instead).
 */

import {
  atLeast,
  between,
  boolean,
  type ConfigKey,
  defineKey,
  double,
  int,
  javaClass,
  list,
  listOf,
  long,
  LONG_MAX,
  INT_MAX,
  oneOf,
  password,
  short,
  string,
  validator,
  type KeySpec,
} from './config-key.ts';
import {
  formatListeners,
  formatSecurityProtocolMap,
  type Listener,
  parseListeners,
  parseSecurityProtocolMap,
  type SecurityProtocol,
  securityProtocols,
} from './listeners.ts';

const compressionTypes = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const;
const cleanupPolicies = ['compact', 'delete'] as const;
const timestampTypes = ['CreateTime', 'LogAppendTime'] as const;
const keystoreTypes = ['PEM', 'PKCS12'] as const;

const HOUR_MS = 3_600_000;

const noJavaClasses = validator<string>('unset: Samsa does not load Java classes', () => false);

const gzipLevel = validator<number>('-1, or between 1 and 9', (level) => level === -1 || (level >= 1 && level <= 9));

const clusterIdShape = validator<string>(
  '22 characters of base64url (a Kafka Uuid, as kafka-storage random-uuid prints it)',
  (id) => /^[A-Za-z0-9_-]{22}$/.test(id),
);

const kafkaAssignorClasses = ['org.apache.kafka.coordinator.group.assignor.UniformAssignor', 'org.apache.kafka.coordinator.group.assignor.RangeAssignor'];
const consumerGroupAssignors = validator<readonly string[]>(
  'a non-empty list of uniform, range (or Kafka\'s UniformAssignor and RangeAssignor class names)',
  (names) => names.length > 0 && names.every((n) => n === 'uniform' || n === 'range' || kafkaAssignorClasses.includes(n)),
);

const compatibilityOnly =
  'Accepted so Kafka server.properties files load unchanged; Samsa serves requests on the Node.js event loop and does not use it.';

function listeners(spec: KeySpec<readonly Listener[]>): ConfigKey<readonly Listener[]>;
function listeners(spec: KeySpec<readonly Listener[] | null>): ConfigKey<readonly Listener[] | null>;
function listeners(spec: KeySpec<readonly Listener[] | null>): ConfigKey<readonly Listener[] | null> {
  return defineKey('list', 'a comma-separated list of NAME://host:port', parseListeners, formatListeners, spec);
}

function securityProtocolMap(spec: KeySpec<ReadonlyMap<string, SecurityProtocol>>): ConfigKey<ReadonlyMap<string, SecurityProtocol>> {
  return defineKey('string', 'a comma-separated list of NAME:PROTOCOL', parseSecurityProtocolMap, formatSecurityProtocolMap, spec);
}

function listenerName(spec: KeySpec<string | null>): ConfigKey<string | null> {
  const parse = (text: string) =>
    /^[A-Za-z0-9_-]+$/.test(text)
      ? { ok: true as const, value: text.toUpperCase() }
      : { ok: false as const, reason: 'not a listener name' };
  return defineKey('string', 'a listener name (letters, digits, _ and -)', parse, (value) => value, spec);
}

const defaultListeners = parseListeners('PLAINTEXT://127.0.0.1:9092');
const defaultProtocolMap = parseSecurityProtocolMap('PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL');
if (!defaultListeners.ok || !defaultProtocolMap.ok) throw new Error('config table: a built-in default does not parse');

export const brokerConfigs = {
  // --- Identity ---
  'node.id': int({
    default: 1,
    validator: atLeast(0),
    importance: 'high',
    synonyms: ['broker.id'],
    doc: 'Id of this broker, unique within the cluster; it names the broker in metadata, replica lists and the data directory.',
    differsFromKafka: 'Kafka defaults to -1 and requires a value; Samsa defaults to 1 so a single node starts with no config file.',
  }),
  'broker.id': int({
    default: null,
    validator: atLeast(-1),
    importance: 'high',
    synonyms: ['node.id'],
    doc: 'Older name for node.id, read so ZooKeeper-era files load; unset or -1 means "take node.id", and when both are set they must agree.',
    differsFromKafka: 'Kafka defaults to -1 (generate an id); Samsa leaves it unset and always reports the node.id in force.',
  }),
  'cluster.id': string({
    default: null,
    validator: clusterIdShape,
    importance: 'high',
    doc: 'Id every broker of one cluster shares; when unset, one is generated on first start and kept in the data directory.',
    differsFromKafka: 'Kafka takes the cluster id from kafka-storage format, not from server.properties; Samsa accepts it here and generates one when absent.',
  }),
  'broker.rack': string({
    default: null,
    importance: 'medium',
    doc: 'Rack or availability zone of this broker, reported in metadata so replicas and consumers can prefer a nearby copy.',
  }),

  // --- Listeners and sockets ---
  listeners: listeners({
    default: defaultListeners.value,
    importance: 'high',
    updateMode: 'per-broker',
    doc: 'Where to accept connections, as NAME://host:port items separated by commas; an empty host binds every interface, port 0 a free port.',
    differsFromKafka: 'Kafka defaults to PLAINTEXT://:9092 on every interface; Samsa binds 127.0.0.1 so a development broker is not reachable from the network.',
  }),
  'advertised.listeners': listeners({
    default: null,
    importance: 'high',
    updateMode: 'per-broker',
    doc: 'Addresses given to clients in metadata when they differ from listeners (NAT, containers); unset means advertise listeners.',
  }),
  'listener.security.protocol.map': securityProtocolMap({
    default: defaultProtocolMap.value,
    importance: 'low',
    updateMode: 'per-broker',
    doc: 'Security protocol spoken on each listener name, as NAME:PROTOCOL pairs separated by commas.',
  }),
  'inter.broker.listener.name': listenerName({
    default: null,
    importance: 'medium',
    doc: 'Listener other brokers use to replicate from this one; unset means the listener named by security.inter.broker.protocol.',
  }),
  'security.inter.broker.protocol': oneOf(securityProtocols, {
    default: 'PLAINTEXT',
    importance: 'medium',
    doc: 'Security protocol between brokers when inter.broker.listener.name is unset; setting both is an error.',
  }),
  'socket.send.buffer.bytes': int({
    default: 102400,
    validator: atLeast(-1),
    importance: 'high',
    doc: 'Send buffer (SO_SNDBUF) of client sockets; -1 leaves the operating system default.',
  }),
  'socket.receive.buffer.bytes': int({
    default: 102400,
    validator: atLeast(-1),
    importance: 'high',
    doc: 'Receive buffer (SO_RCVBUF) of client sockets; -1 leaves the operating system default.',
  }),
  'socket.request.max.bytes': int({
    default: 104857600,
    validator: atLeast(1),
    importance: 'high',
    doc: 'Largest request frame accepted; a larger size prefix closes the connection before the body is read.',
  }),
  'socket.listen.backlog.size': int({
    default: 50,
    validator: atLeast(1),
    importance: 'medium',
    doc: 'Connections the operating system may queue on each listener before the broker accepts them.',
  }),
  'queued.max.requests': int({
    default: 500,
    validator: atLeast(1),
    importance: 'high',
    doc: 'Requests received but not yet answered before the broker stops reading from sockets.',
  }),
  'queued.max.request.bytes': long({
    default: -1,
    validator: atLeast(-1),
    importance: 'medium',
    doc: 'Bytes of requests received but not yet answered before the broker stops reading; -1 means count requests only.',
  }),
  'connections.max.idle.ms': long({
    default: 600000,
    importance: 'medium',
    doc: 'A connection silent for this long is closed.',
  }),
  'max.connections': int({
    default: INT_MAX,
    validator: atLeast(0),
    importance: 'medium',
    updateMode: 'cluster-wide',
    doc: 'Most client connections this broker holds at once; beyond it new connections are closed on accept.',
  }),
  'max.connections.per.ip': int({
    default: INT_MAX,
    validator: atLeast(0),
    importance: 'medium',
    updateMode: 'cluster-wide',
    doc: 'Most connections one client IP address may hold at once.',
  }),
  'num.network.threads': int({
    default: 3,
    validator: atLeast(1),
    importance: 'high',
    updateMode: 'cluster-wide',
    doc: 'Threads Kafka uses to read and write sockets.',
    differsFromKafka: compatibilityOnly,
  }),
  'num.io.threads': int({
    default: 8,
    validator: atLeast(1),
    importance: 'high',
    updateMode: 'cluster-wide',
    doc: 'Threads Kafka uses to handle requests, disk work included.',
    differsFromKafka: compatibilityOnly,
  }),

  // --- Log directories and topic defaults ---
  'log.dirs': list({
    default: ['./data'],
    validator: validator('at least one directory', (dirs) => dirs.length > 0),
    importance: 'high',
    synonyms: ['log.dir'],
    doc: 'Directories holding partition data, separated by commas; each partition lives wholly in one of them.',
    differsFromKafka: 'Kafka has no default and falls back to log.dir (/tmp/kafka-logs); Samsa uses ./data so data survives a reboot and sits where the broker was started.',
  }),
  'log.dir': string({
    default: null,
    validator: validator('a non-empty path', (dir) => dir !== ''),
    importance: 'high',
    doc: 'One-directory form of log.dirs, used only when log.dirs is not set.',
    differsFromKafka: 'Kafka defaults to /tmp/kafka-logs; Samsa leaves it unset so the ./data default of log.dirs applies.',
  }),
  'num.partitions': int({
    default: 1,
    validator: atLeast(1),
    importance: 'medium',
    doc: 'Partitions given to a topic created without a count: auto-created topics and CreateTopics asking for -1.',
  }),
  'default.replication.factor': int({
    default: 1,
    validator: atLeast(1),
    importance: 'medium',
    doc: 'Replicas given to a topic created without a replication factor.',
  }),
  'auto.create.topics.enable': boolean({
    default: true,
    importance: 'high',
    doc: 'Create a missing topic when a client asks for its metadata (and allows auto-creation) instead of answering UNKNOWN_TOPIC_OR_PARTITION.',
  }),
  'delete.topic.enable': boolean({
    default: true,
    importance: 'high',
    doc: 'Allow DeleteTopics; when false every deletion is refused.',
  }),
  'min.insync.replicas': int({
    default: 1,
    validator: atLeast(1),
    importance: 'high',
    updateMode: 'cluster-wide',
    doc: 'In-sync replicas an acks=all produce needs; with fewer the produce fails rather than risk a write only one copy holds.',
  }),
  'unclean.leader.election.enable': boolean({
    default: false,
    importance: 'high',
    updateMode: 'cluster-wide',
    doc: 'Let an out-of-sync replica become leader when no in-sync one is left: availability bought with lost writes.',
  }),
  'compression.type': oneOf(compressionTypes, {
    default: 'producer',
    importance: 'high',
    updateMode: 'cluster-wide',
    doc: 'Codec batches are stored with: producer keeps what the producer sent, anything else has the broker recompress.',
  }),
  'compression.gzip.level': int({
    default: -1,
    validator: gzipLevel,
    importance: 'medium',
    updateMode: 'cluster-wide',
    doc: 'gzip level used when the broker compresses; -1 is zlib\'s default.',
  }),
  'compression.lz4.level': int({
    default: 9,
    validator: between(1, 17),
    importance: 'medium',
    updateMode: 'cluster-wide',
    doc: 'lz4 level used when the broker compresses.',
  }),
  'compression.zstd.level': int({
    default: 3,
    validator: between(-131072, 22),
    importance: 'medium',
    updateMode: 'cluster-wide',
    doc: 'zstd level used when the broker compresses.',
  }),
  'message.max.bytes': int({
    default: 1048588,
    validator: atLeast(0),
    importance: 'high',
    updateMode: 'cluster-wide',
    doc: 'Largest record batch accepted, after compression; a topic can change it with max.message.bytes.',
  }),
  'fetch.max.bytes': int({
    default: 57671680,
    validator: atLeast(1024),
    importance: 'medium',
    doc: 'Most bytes one Fetch response carries, whatever the request asks for (one oversized batch still goes out whole).',
  }),
  'max.incremental.fetch.session.cache.slots': int({
    default: 1000,
    validator: atLeast(0),
    importance: 'medium',
    doc: 'Incremental fetch sessions (KIP-227) kept at once; 0 turns them off and every fetch is a full one.',
  }),

  // --- Segments, retention, flushing ---
  'log.segment.bytes': int({
    default: 1073741824,
    validator: atLeast(14),
    importance: 'high',
    updateMode: 'cluster-wide',
    doc: 'Size at which the active segment is closed and a new one started.',
  }),
  'log.roll.ms': long({
    default: null,
    validator: atLeast(1),
    importance: 'high',
    updateMode: 'cluster-wide',
    synonyms: ['log.roll.hours'],
    doc: 'Age at which the active segment is rolled even if not full; unset means log.roll.hours.',
  }),
  'log.roll.hours': int({
    default: 168,
    validator: atLeast(1),
    importance: 'high',
    doc: 'log.roll.ms in hours, used when log.roll.ms is unset.',
  }),
  'log.roll.jitter.ms': long({
    default: null,
    validator: atLeast(0),
    importance: 'high',
    updateMode: 'cluster-wide',
    synonyms: ['log.roll.jitter.hours'],
    doc: 'Random amount up to this much taken off the roll time, so many partitions do not roll at the same moment; unset means log.roll.jitter.hours.',
  }),
  'log.roll.jitter.hours': int({
    default: 0,
    validator: atLeast(0),
    importance: 'high',
    doc: 'log.roll.jitter.ms in hours, used when log.roll.jitter.ms is unset.',
  }),
  'log.retention.ms': long({
    default: null,
    validator: atLeast(-1),
    importance: 'high',
    updateMode: 'cluster-wide',
    synonyms: ['log.retention.minutes', 'log.retention.hours'],
    doc: 'How long a closed segment is kept before deletion, -1 for ever; wins over log.retention.minutes and log.retention.hours.',
  }),
  'log.retention.minutes': int({
    default: null,
    validator: atLeast(-1),
    importance: 'high',
    synonyms: ['log.retention.hours'],
    doc: 'log.retention.ms in minutes, used when log.retention.ms is unset; wins over log.retention.hours.',
  }),
  'log.retention.hours': int({
    default: 168,
    validator: atLeast(-1),
    importance: 'high',
    doc: 'log.retention.ms in hours, used when neither log.retention.ms nor log.retention.minutes is set.',
  }),
  'log.retention.bytes': long({
    default: -1,
    importance: 'high',
    updateMode: 'cluster-wide',
    doc: 'Size a partition may grow to before its oldest segments are deleted; -1 means no size limit.',
  }),
  'log.retention.check.interval.ms': long({
    default: 300000,
    validator: atLeast(1),
    importance: 'medium',
    doc: 'How often the broker looks for segments that retention allows it to delete.',
  }),
  'log.segment.delete.delay.ms': long({
    default: 60000,
    validator: atLeast(0),
    importance: 'high',
    updateMode: 'cluster-wide',
    doc: 'Grace period between a segment leaving the log and its files being removed, so reads already under way finish.',
  }),
  'log.index.size.max.bytes': int({
    default: 10485760,
    validator: atLeast(4),
    importance: 'medium',
    updateMode: 'cluster-wide',
    doc: 'Largest offset or time index a segment may have; a full index rolls the segment.',
  }),
  'log.index.interval.bytes': int({
    default: 4096,
    validator: atLeast(0),
    importance: 'medium',
    updateMode: 'cluster-wide',
    doc: 'Bytes appended between two offset index entries: smaller means denser indexes and shorter scans.',
  }),
  'log.preallocate': boolean({
    default: false,
    importance: 'medium',
    updateMode: 'cluster-wide',
    doc: 'Reserve a new segment\'s full size on disk when it is created.',
  }),
  'log.flush.interval.messages': long({
    default: LONG_MAX,
    validator: atLeast(1),
    importance: 'high',
    updateMode: 'cluster-wide',
    doc: 'Force an fsync once this many messages are unflushed; the default leaves durability to replication and the page cache.',
  }),
  'log.flush.interval.ms': long({
    default: null,
    validator: atLeast(0),
    importance: 'high',
    updateMode: 'cluster-wide',
    synonyms: ['log.flush.scheduler.interval.ms'],
    doc: 'Force an fsync once data has been unflushed this long; unset means log.flush.scheduler.interval.ms.',
  }),
  'log.flush.scheduler.interval.ms': long({
    default: LONG_MAX,
    importance: 'high',
    doc: 'How often the broker checks whether a log is due for a time-based flush.',
  }),
  'log.flush.offset.checkpoint.interval.ms': int({
    default: 60000,
    validator: atLeast(0),
    importance: 'high',
    doc: 'How often the recovery point of each log is written down, bounding what a restart after a crash must rescan.',
  }),
  'log.flush.start.offset.checkpoint.interval.ms': int({
    default: 60000,
    validator: atLeast(0),
    importance: 'high',
    doc: 'How often each log\'s start offset (moved by retention and DeleteRecords) is written down.',
  }),

  // --- Compaction ---
  'log.cleanup.policy': listOf(cleanupPolicies, {
    default: ['delete'],
    importance: 'medium',
    updateMode: 'cluster-wide',
    doc: 'What happens to old segments: delete drops them by age or size, compact keeps the latest record per key, or both.',
  }),
  'log.cleaner.enable': boolean({
    default: true,
    importance: 'medium',
    doc: 'Run the log cleaner; without it compacted topics (including __consumer_offsets) grow without bound.',
  }),
  'log.cleaner.threads': int({
    default: 1,
    validator: atLeast(0),
    importance: 'medium',
    updateMode: 'cluster-wide',
    doc: 'Logs compacted at the same time.',
  }),
  'log.cleaner.backoff.ms': long({
    default: 15000,
    validator: atLeast(0),
    importance: 'medium',
    updateMode: 'cluster-wide',
    doc: 'Pause before the cleaner looks again when no log needs compaction.',
  }),
  'log.cleaner.dedupe.buffer.size': long({
    default: 134217728,
    importance: 'medium',
    updateMode: 'cluster-wide',
    doc: 'Memory the cleaner uses for its key-to-offset map across all its threads.',
  }),
  'log.cleaner.io.max.bytes.per.second': double({
    default: Number.MAX_VALUE,
    importance: 'medium',
    updateMode: 'cluster-wide',
    doc: 'Read plus write rate the cleaner may use, to leave disk bandwidth for produce and fetch.',
  }),
  'log.cleaner.delete.retention.ms': long({
    default: 86400000,
    validator: atLeast(0),
    importance: 'medium',
    updateMode: 'cluster-wide',
    doc: 'How long a tombstone stays readable after compaction reaches it, so slow consumers still see the delete.',
  }),
  'log.cleaner.min.cleanable.ratio': double({
    default: 0.5,
    validator: between(0, 1),
    importance: 'medium',
    updateMode: 'cluster-wide',
    doc: 'Share of a log that must be uncompacted before the cleaner takes it on.',
  }),
  'log.cleaner.min.compaction.lag.ms': long({
    default: 0,
    validator: atLeast(0),
    importance: 'medium',
    updateMode: 'cluster-wide',
    doc: 'Youngest a record may be and still be compacted away.',
  }),
  'log.cleaner.max.compaction.lag.ms': long({
    default: LONG_MAX,
    validator: atLeast(1),
    importance: 'medium',
    updateMode: 'cluster-wide',
    doc: 'Oldest an uncompacted record may get before its log is compacted regardless of the dirty ratio.',
  }),

  // --- Timestamps ---
  'log.message.timestamp.type': oneOf(timestampTypes, {
    default: 'CreateTime',
    importance: 'medium',
    updateMode: 'cluster-wide',
    doc: 'Whether stored timestamps are the producer\'s (CreateTime) or the broker\'s clock at append (LogAppendTime).',
  }),
  'log.message.timestamp.before.max.ms': long({
    default: LONG_MAX,
    validator: atLeast(0),
    importance: 'medium',
    updateMode: 'cluster-wide',
    doc: 'With CreateTime, reject a batch whose timestamp is further than this in the broker\'s past (KIP-937).',
  }),
  'log.message.timestamp.after.max.ms': long({
    default: LONG_MAX,
    validator: atLeast(0),
    importance: 'medium',
    updateMode: 'cluster-wide',
    doc: 'With CreateTime, reject a batch whose timestamp is further than this in the broker\'s future (KIP-937).',
  }),
  'log.message.timestamp.difference.max.ms': long({
    default: LONG_MAX,
    validator: atLeast(0),
    importance: 'medium',
    updateMode: 'cluster-wide',
    doc: 'Deprecated bound in either direction between a batch\'s timestamp and the broker clock; prefer the before/after keys.',
  }),
  'log.message.downconversion.enable': boolean({
    default: true,
    importance: 'low',
    updateMode: 'cluster-wide',
    doc: 'Convert batches to the old message format for fetches of version 3 and below; when false such fetches get UNSUPPORTED_VERSION.',
  }),

  // --- Replication ---
  'num.replica.fetchers': int({
    default: 1,
    validator: atLeast(1),
    importance: 'high',
    updateMode: 'cluster-wide',
    doc: 'Fetch sessions a follower runs against each leader broker; more spreads partitions over more connections.',
  }),
  'replica.fetch.max.bytes': int({
    default: 1048576,
    validator: atLeast(0),
    importance: 'medium',
    doc: 'Bytes a follower asks for per partition in each fetch (an oversized batch still comes whole).',
  }),
  'replica.fetch.response.max.bytes': int({
    default: 10485760,
    validator: atLeast(0),
    importance: 'medium',
    doc: 'Bytes a follower asks for in one fetch across all partitions.',
  }),
  'replica.fetch.wait.max.ms': int({
    default: 500,
    validator: atLeast(0),
    importance: 'medium',
    doc: 'Longest a follower\'s fetch waits at the leader for data; must not exceed replica.lag.time.max.ms.',
  }),
  'replica.fetch.min.bytes': int({
    default: 1,
    validator: atLeast(1),
    importance: 'medium',
    doc: 'Bytes a follower\'s fetch waits for before the leader answers early.',
  }),
  'replica.lag.time.max.ms': long({
    default: 30000,
    validator: atLeast(1),
    importance: 'high',
    doc: 'A follower that has not caught up with the leader for this long leaves the in-sync replicas.',
  }),
  'num.recovery.threads.per.data.dir': int({
    default: 1,
    validator: atLeast(1),
    importance: 'high',
    updateMode: 'cluster-wide',
    doc: 'Logs per data directory recovered at once at startup and flushed at once at shutdown.',
  }),

  // --- Group coordinator ---
  'offsets.topic.num.partitions': int({
    default: 50,
    validator: atLeast(1),
    importance: 'high',
    doc: 'Partitions of __consumer_offsets; fixed once the topic exists.',
  }),
  'offsets.topic.replication.factor': short({
    default: 1,
    validator: atLeast(1),
    importance: 'high',
    doc: 'Replicas of __consumer_offsets; creating it waits until this many brokers are alive.',
    differsFromKafka: 'Kafka defaults to 3; Samsa defaults to 1, as Kafka\'s own sample server.properties does, because a single node is the default deployment. Set 3 for a cluster.',
  }),
  'offsets.topic.segment.bytes': int({
    default: 104857600,
    validator: atLeast(1),
    importance: 'high',
    doc: 'Segment size of __consumer_offsets, kept small so compaction and loading stay quick.',
  }),
  'offsets.retention.minutes': int({
    default: 10080,
    validator: atLeast(1),
    importance: 'high',
    doc: 'How long a group\'s committed offsets outlive the group becoming empty.',
  }),
  'offsets.retention.check.interval.ms': long({
    default: 600000,
    validator: atLeast(1),
    importance: 'high',
    doc: 'How often expired committed offsets are looked for.',
  }),
  'offsets.commit.timeout.ms': int({
    default: 5000,
    validator: atLeast(1),
    importance: 'high',
    doc: 'Longest an offset commit waits for __consumer_offsets to acknowledge the write.',
  }),
  'offset.metadata.max.bytes': int({
    default: 4096,
    importance: 'high',
    doc: 'Largest metadata string a consumer may attach to a committed offset.',
  }),
  'group.initial.rebalance.delay.ms': int({
    default: 3000,
    importance: 'medium',
    doc: 'How long the first rebalance of an empty group waits for more members to join.',
  }),
  'group.min.session.timeout.ms': int({
    default: 6000,
    importance: 'medium',
    doc: 'Shortest session timeout a group member may ask for.',
  }),
  'group.max.session.timeout.ms': int({
    default: 1800000,
    importance: 'medium',
    doc: 'Longest session timeout a group member may ask for.',
  }),
  'group.max.size': int({
    default: INT_MAX,
    validator: atLeast(1),
    importance: 'medium',
    doc: 'Most members one consumer group may have.',
  }),
  'group.consumer.session.timeout.ms': int({
    default: 45000,
    validator: atLeast(1),
    importance: 'medium',
    doc: 'How long a member of a KIP-848 consumer group may go without a heartbeat before it is removed.',
  }),
  'group.consumer.min.session.timeout.ms': int({
    default: 45000,
    validator: atLeast(1),
    importance: 'medium',
    doc: 'Lowest value group.consumer.session.timeout.ms may take.',
  }),
  'group.consumer.max.session.timeout.ms': int({
    default: 60000,
    validator: atLeast(1),
    importance: 'medium',
    doc: 'Highest value group.consumer.session.timeout.ms may take.',
  }),
  'group.consumer.heartbeat.interval.ms': int({
    default: 5000,
    validator: atLeast(1),
    importance: 'medium',
    doc: 'How often members of a KIP-848 consumer group are told to heartbeat.',
  }),
  'group.consumer.min.heartbeat.interval.ms': int({
    default: 5000,
    validator: atLeast(1),
    importance: 'medium',
    doc: 'Lowest value group.consumer.heartbeat.interval.ms may take.',
  }),
  'group.consumer.max.heartbeat.interval.ms': int({
    default: 15000,
    validator: atLeast(1),
    importance: 'medium',
    doc: 'Highest value group.consumer.heartbeat.interval.ms may take.',
  }),
  'group.consumer.max.size': int({
    default: INT_MAX,
    validator: atLeast(1),
    importance: 'medium',
    doc: 'Most members one KIP-848 consumer group may have.',
  }),
  'group.consumer.assignors': list({
    default: ['uniform', 'range'],
    validator: consumerGroupAssignors,
    importance: 'medium',
    doc: 'Server-side assignors KIP-848 consumer groups may ask for; the first is used when a group asks for none.',
    differsFromKafka: 'Kafka 3.x lists assignor class names and loads custom ones; Samsa has uniform and range, named as Kafka 4 names them, and accepts Kafka\'s class names for those two.',
  }),

  // --- Transactions and idempotence ---
  'transaction.state.log.num.partitions': int({
    default: 50,
    validator: atLeast(1),
    importance: 'high',
    doc: 'Partitions of __transaction_state; fixed once the topic exists.',
  }),
  'transaction.state.log.replication.factor': short({
    default: 1,
    validator: atLeast(1),
    importance: 'high',
    doc: 'Replicas of __transaction_state; creating it waits until this many brokers are alive.',
    differsFromKafka: 'Kafka defaults to 3; Samsa defaults to 1 because a single node is the default deployment. Set 3 for a cluster.',
  }),
  'transaction.state.log.min.isr': int({
    default: 1,
    validator: atLeast(1),
    importance: 'high',
    doc: 'min.insync.replicas of __transaction_state.',
    differsFromKafka: 'Kafka defaults to 2; Samsa defaults to 1 to match its replication factor of 1. Set 2 for a cluster.',
  }),
  'transaction.state.log.segment.bytes': int({
    default: 104857600,
    validator: atLeast(1),
    importance: 'high',
    doc: 'Segment size of __transaction_state, kept small so compaction and loading stay quick.',
  }),
  'transaction.max.timeout.ms': int({
    default: 900000,
    validator: atLeast(1),
    importance: 'high',
    doc: 'Longest transaction timeout a producer may ask for; longer requests are refused.',
  }),
  'transactional.id.expiration.ms': int({
    default: 604800000,
    validator: atLeast(1),
    importance: 'high',
    doc: 'How long a transactional id is remembered after its producer last used it.',
  }),
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': int({
    default: 10000,
    validator: atLeast(1),
    importance: 'low',
    doc: 'How often transactions past their timeout are looked for and aborted.',
  }),
  'transaction.partition.verification.enable': boolean({
    default: true,
    importance: 'low',
    updateMode: 'cluster-wide',
    doc: 'Check with the transaction coordinator that a partition is in the producer\'s transaction before a transactional batch starts one there (KIP-890).',
  }),
  'transaction.remove.expired.transaction.cleanup.interval.ms': int({
    default: 3600000,
    validator: atLeast(1),
    importance: 'low',
    doc: 'How often expired transactional ids are looked for and forgotten.',
  }),
  'producer.id.expiration.ms': int({
    default: 86400000,
    validator: atLeast(1),
    importance: 'low',
    updateMode: 'cluster-wide',
    doc: 'How long a partition remembers an idle producer id\'s sequence numbers for duplicate detection.',
  }),
  'producer.id.expiration.check.interval.ms': int({
    default: 600000,
    validator: atLeast(1),
    importance: 'low',
    doc: 'How often idle producer ids are looked for and forgotten.',
  }),

  // --- TLS ---
  'ssl.keystore.type': oneOf(keystoreTypes, {
    default: 'PEM',
    importance: 'medium',
    doc: 'Format of the key store that holds this broker\'s certificate and key.',
    differsFromKafka: 'Kafka defaults to JKS, a Java format Node.js cannot read; Samsa takes PEM or PKCS12.',
  }),
  'ssl.keystore.location': string({
    default: null,
    importance: 'high',
    doc: 'File holding this broker\'s certificate chain and private key, for SSL and SASL_SSL listeners.',
  }),
  'ssl.keystore.password': password({
    default: null,
    importance: 'high',
    doc: 'Password of the key store file.',
    differsFromKafka: 'Kafka can change TLS keys per listener at run time; Samsa reads them at startup only.',
  }),
  'ssl.key.password': password({
    default: null,
    importance: 'high',
    doc: 'Password of the private key inside the key store.',
    differsFromKafka: 'Kafka can change TLS keys per listener at run time; Samsa reads them at startup only.',
  }),
  'ssl.truststore.type': oneOf(keystoreTypes, {
    default: 'PEM',
    importance: 'medium',
    doc: 'Format of the trust store.',
    differsFromKafka: 'Kafka defaults to JKS, a Java format Node.js cannot read; Samsa takes PEM or PKCS12.',
  }),
  'ssl.truststore.location': string({
    default: null,
    importance: 'high',
    doc: 'File of certificate authorities trusted to sign client certificates.',
  }),
  'ssl.truststore.password': password({
    default: null,
    importance: 'high',
    doc: 'Password of the trust store file, when it has one.',
  }),
  'ssl.client.auth': oneOf(['required', 'requested', 'none'], {
    default: 'none',
    importance: 'medium',
    doc: 'Whether TLS clients must, may or need not present a certificate.',
  }),

  // --- Plug-ins Samsa cannot load ---
  'create.topic.policy.class.name': javaClass({
    default: null,
    validator: noJavaClasses,
    importance: 'low',
    doc: 'Java class Kafka asks before creating a topic; listed so a file that sets it fails clearly rather than silently.',
  }),
  'alter.config.policy.class.name': javaClass({
    default: null,
    validator: noJavaClasses,
    importance: 'low',
    doc: 'Java class Kafka asks before altering configs; listed so a file that sets it fails clearly rather than silently.',
  }),
} as const;

export type BrokerConfigName = keyof typeof brokerConfigs;
export type BrokerConfigValue<K extends BrokerConfigName> = (typeof brokerConfigs)[K] extends ConfigKey<infer T> ? T : never;
export type BrokerConfigValues = { readonly [K in BrokerConfigName]: BrokerConfigValue<K> };
export type BrokerConfigGetter = <K extends BrokerConfigName>(key: K) => BrokerConfigValue<K>;

export function isBrokerConfigName(name: string): name is BrokerConfigName {
  return Object.hasOwn(brokerConfigs, name);
}

export const brokerConfigEntries = Object.entries(brokerConfigs) as ReadonlyArray<readonly [BrokerConfigName, ConfigKey<unknown>]>;

export function brokerConfigKey(name: BrokerConfigName): ConfigKey<unknown> {
  return brokerConfigs[name] as ConfigKey<unknown>;
}

// Kafka's precedence for settings that come in several units: the finest unit that is set wins.

export function effectiveRetentionMs(get: BrokerConfigGetter): number {
  const ms = get('log.retention.ms') ?? (get('log.retention.minutes') ?? NaN) * 60_000;
  const value = Number.isNaN(ms) ? get('log.retention.hours') * HOUR_MS : ms;
  return value < 0 ? -1 : value;
}

export function effectiveRollMs(get: BrokerConfigGetter): number {
  return get('log.roll.ms') ?? get('log.roll.hours') * HOUR_MS;
}

export function effectiveRollJitterMs(get: BrokerConfigGetter): number {
  return get('log.roll.jitter.ms') ?? get('log.roll.jitter.hours') * HOUR_MS;
}

export function effectiveFlushMs(get: BrokerConfigGetter): number {
  return get('log.flush.interval.ms') ?? get('log.flush.scheduler.interval.ms');
}

/** A topic key: its own declaration plus where its default comes from on the broker. */
export interface TopicConfigKey<T> extends ConfigKey<T> {
  /** Broker keys that supply the default, highest precedence first (Kafka's synonyms). */
  readonly brokerSynonyms: readonly BrokerConfigName[];
  /** The default in force given the broker's config. */
  brokerDefault(get: BrokerConfigGetter): T;
}

interface BrokerSource<T> {
  readonly synonyms: readonly BrokerConfigName[];
  readonly value: (get: BrokerConfigGetter) => T;
}

function inherit<K extends BrokerConfigName>(key: K): BrokerSource<BrokerConfigValue<K>> {
  return { synonyms: [key], value: (get) => get(key) };
}

function topic<T>(key: ConfigKey<T>, source: BrokerSource<T> | null): TopicConfigKey<T> {
  return {
    ...key,
    brokerSynonyms: source?.synonyms ?? [],
    brokerDefault: source === null ? () => key.default : source.value,
  };
}

const throttledReplicas = validator<readonly string[]>(
  'partition:broker pairs, or *',
  (items) => (items.length === 1 && items[0] === '*') || items.every((item) => /^\d+:\d+$/.test(item)),
);

/** Topic-level keys, as CreateTopics, AlterConfigs and DescribeConfigs name them. */
export const topicConfigs = {
  'cleanup.policy': topic(listOf(cleanupPolicies, {
    default: ['delete'],
    importance: 'medium',
    doc: 'delete drops old segments by age or size, compact keeps the latest record per key; both may be given.',
  }), inherit('log.cleanup.policy')),
  'compression.type': topic(oneOf(compressionTypes, {
    default: 'producer',
    importance: 'medium',
    doc: 'Codec this topic\'s batches are stored with; producer keeps what the producer sent.',
  }), inherit('compression.type')),
  'compression.gzip.level': topic(int({
    default: -1,
    validator: gzipLevel,
    importance: 'medium',
    doc: 'gzip level when the broker compresses this topic\'s batches.',
  }), inherit('compression.gzip.level')),
  'compression.lz4.level': topic(int({
    default: 9,
    validator: between(1, 17),
    importance: 'medium',
    doc: 'lz4 level when the broker compresses this topic\'s batches.',
  }), inherit('compression.lz4.level')),
  'compression.zstd.level': topic(int({
    default: 3,
    validator: between(-131072, 22),
    importance: 'medium',
    doc: 'zstd level when the broker compresses this topic\'s batches.',
  }), inherit('compression.zstd.level')),
  'delete.retention.ms': topic(long({
    default: 86400000,
    validator: atLeast(0),
    importance: 'medium',
    doc: 'How long tombstones of a compacted topic stay readable once compaction reaches them.',
  }), inherit('log.cleaner.delete.retention.ms')),
  'file.delete.delay.ms': topic(long({
    default: 60000,
    validator: atLeast(0),
    importance: 'medium',
    doc: 'Grace period before a deleted segment\'s files are removed.',
  }), inherit('log.segment.delete.delay.ms')),
  'flush.messages': topic(long({
    default: LONG_MAX,
    validator: atLeast(1),
    importance: 'medium',
    doc: 'fsync once this many messages are unflushed; 1 syncs every write (as a group commit).',
  }), inherit('log.flush.interval.messages')),
  'flush.ms': topic(long({
    default: LONG_MAX,
    validator: atLeast(0),
    importance: 'medium',
    doc: 'fsync once data has been unflushed this long.',
  }), { synonyms: ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'], value: effectiveFlushMs }),
  'follower.replication.throttled.replicas': topic(list({
    default: [],
    validator: throttledReplicas,
    importance: 'medium',
    doc: 'Replicas whose follower-side replication is throttled, as partition:broker pairs or * for all.',
  }), null),
  'index.interval.bytes': topic(int({
    default: 4096,
    validator: atLeast(0),
    importance: 'medium',
    doc: 'Bytes appended between two offset index entries.',
  }), inherit('log.index.interval.bytes')),
  'leader.replication.throttled.replicas': topic(list({
    default: [],
    validator: throttledReplicas,
    importance: 'medium',
    doc: 'Replicas whose leader-side replication is throttled, as partition:broker pairs or * for all.',
  }), null),
  'max.compaction.lag.ms': topic(long({
    default: LONG_MAX,
    validator: atLeast(1),
    importance: 'medium',
    doc: 'Oldest an uncompacted record may get before the log is compacted regardless of the dirty ratio.',
  }), inherit('log.cleaner.max.compaction.lag.ms')),
  'max.message.bytes': topic(int({
    default: 1048588,
    validator: atLeast(0),
    importance: 'medium',
    doc: 'Largest record batch this topic accepts, after compression.',
  }), inherit('message.max.bytes')),
  'message.downconversion.enable': topic(boolean({
    default: true,
    importance: 'low',
    doc: 'Serve old-format fetches (version 3 and below) of this topic by converting batches.',
  }), inherit('log.message.downconversion.enable')),
  'message.timestamp.after.max.ms': topic(long({
    default: LONG_MAX,
    validator: atLeast(0),
    importance: 'medium',
    doc: 'With CreateTime, reject batches timestamped further than this ahead of the broker clock (KIP-937).',
  }), inherit('log.message.timestamp.after.max.ms')),
  'message.timestamp.before.max.ms': topic(long({
    default: LONG_MAX,
    validator: atLeast(0),
    importance: 'medium',
    doc: 'With CreateTime, reject batches timestamped further than this behind the broker clock (KIP-937).',
  }), inherit('log.message.timestamp.before.max.ms')),
  'message.timestamp.difference.max.ms': topic(long({
    default: LONG_MAX,
    validator: atLeast(0),
    importance: 'medium',
    doc: 'Deprecated two-sided bound between batch timestamps and the broker clock; prefer the before/after keys.',
  }), inherit('log.message.timestamp.difference.max.ms')),
  'message.timestamp.type': topic(oneOf(timestampTypes, {
    default: 'CreateTime',
    importance: 'medium',
    doc: 'Keep the producer\'s timestamps (CreateTime) or stamp batches with the broker clock on append (LogAppendTime).',
  }), inherit('log.message.timestamp.type')),
  'min.cleanable.dirty.ratio': topic(double({
    default: 0.5,
    validator: between(0, 1),
    importance: 'medium',
    doc: 'Share of the log that must be uncompacted before the cleaner takes it on.',
  }), inherit('log.cleaner.min.cleanable.ratio')),
  'min.compaction.lag.ms': topic(long({
    default: 0,
    validator: atLeast(0),
    importance: 'medium',
    doc: 'Youngest a record may be and still be compacted away.',
  }), inherit('log.cleaner.min.compaction.lag.ms')),
  'min.insync.replicas': topic(int({
    default: 1,
    validator: atLeast(1),
    importance: 'medium',
    doc: 'In-sync replicas an acks=all produce to this topic needs.',
  }), inherit('min.insync.replicas')),
  preallocate: topic(boolean({
    default: false,
    importance: 'medium',
    doc: 'Reserve a new segment\'s full size on disk when it is created.',
  }), inherit('log.preallocate')),
  'retention.bytes': topic(long({
    default: -1,
    importance: 'medium',
    doc: 'Size each partition may grow to before its oldest segments are deleted; -1 means no limit.',
  }), inherit('log.retention.bytes')),
  'retention.ms': topic(long({
    default: 604800000,
    validator: atLeast(-1),
    importance: 'medium',
    doc: 'How long closed segments are kept before deletion; -1 keeps them for ever.',
  }), { synonyms: ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'], value: effectiveRetentionMs }),
  'segment.bytes': topic(int({
    default: 1073741824,
    validator: atLeast(14),
    importance: 'medium',
    doc: 'Size at which the active segment is closed and a new one started.',
  }), inherit('log.segment.bytes')),
  'segment.index.bytes': topic(int({
    default: 10485760,
    validator: atLeast(4),
    importance: 'medium',
    doc: 'Largest index a segment may have; a full index rolls the segment.',
  }), inherit('log.index.size.max.bytes')),
  'segment.jitter.ms': topic(long({
    default: 0,
    validator: atLeast(0),
    importance: 'medium',
    doc: 'Random amount up to this much taken off segment.ms, so partitions do not all roll at once.',
  }), { synonyms: ['log.roll.jitter.ms', 'log.roll.jitter.hours'], value: effectiveRollJitterMs }),
  'segment.ms': topic(long({
    default: 604800000,
    validator: atLeast(1),
    importance: 'medium',
    doc: 'Age at which the active segment is rolled even if not full, so retention and compaction can reach its data.',
  }), { synonyms: ['log.roll.ms', 'log.roll.hours'], value: effectiveRollMs }),
  'unclean.leader.election.enable': topic(boolean({
    default: false,
    importance: 'medium',
    doc: 'Let an out-of-sync replica of this topic become leader when no in-sync one is left.',
  }), inherit('unclean.leader.election.enable')),
} as const;

export type TopicConfigName = keyof typeof topicConfigs;
export type TopicConfigValue<K extends TopicConfigName> = (typeof topicConfigs)[K] extends TopicConfigKey<infer T> ? T : never;
/** A topic's full, effective configuration. */
export type TopicConfig = { readonly [K in TopicConfigName]: TopicConfigValue<K> };
/** The keys a topic sets itself (CreateTopics configs, AlterConfigs on the topic). */
export type TopicConfigOverrides = { readonly [K in TopicConfigName]?: TopicConfigValue<K> };

export function isTopicConfigName(name: string): name is TopicConfigName {
  return Object.hasOwn(topicConfigs, name);
}

export const topicConfigEntries = Object.entries(topicConfigs) as ReadonlyArray<readonly [TopicConfigName, TopicConfigKey<unknown>]>;
