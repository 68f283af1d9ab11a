/**
 * `samsa topics`: kafka-topics.sh. One action per call (--create, --list, --describe,
 * --delete, --alter), Kafka's flag names. As in Kafka, --topic is a regular expression
 * (matched against the whole name) for every action but --create.
 */
import type { Admin } from '@platformatic/kafka';
import { Option } from 'commander';
import { addConnectionOptions, type ConnectionOptions } from './common/bootstrap.ts';
import { CliError, usageError } from './common/cli-error.ts';
import { closeAll, openAdmin } from './common/clients.ts';
import { collectKeyValue, parsePositiveInt } from './common/arguments.ts';
import { ConfigResourceType, ConfigSource } from './common/kafka-constants.ts';
import { createOutput, type Output } from './common/output.ts';
import { createTool } from './common/tool.ts';

interface TopicsOptions extends ConnectionOptions {
  create?: boolean;
  list?: boolean;
  describe?: boolean;
  delete?: boolean;
  alter?: boolean;
  topic?: string;
  partitions?: number;
  replicationFactor?: number;
  config?: Array<[string, string]>;
  ifExists?: boolean;
  ifNotExists?: boolean;
  excludeInternal?: boolean;
  topicsWithOverrides?: boolean;
  underReplicatedPartitions?: boolean;
  unavailablePartitions?: boolean;
  json?: boolean;
}

export interface TopicDescription {
  name: string;
  topicId: string;
  partitionCount: number;
  replicationFactor: number;
  configs: Record<string, string | null>;
  partitions: Array<{ partition: number; leader: number; leaderEpoch: number; replicas: number[]; isr: number[]; offlineReplicas: number[] }>;
}

const ACTIONS = ['create', 'list', 'describe', 'delete', 'alter'] as const;

export function topicsCommand() {
  const cmd = createTool('topics', 'create, list, describe, delete and alter topics (kafka-topics.sh)')
    .option('--create', 'create a topic')
    .option('--list', 'list topic names')
    .option('--describe', 'show partitions, leaders, replicas, ISR and config overrides')
    .option('--delete', 'delete topics')
    .option('--alter', 'change the partition count of topics (configs: samsa configs)')
    .option('--topic <topic>', 'the topic; a regular expression except with --create')
    .addOption(new Option('--partitions <n>', 'number of partitions (create: broker\'s num.partitions if absent)').argParser(parsePositiveInt))
    .addOption(new Option('--replication-factor <n>', 'replicas per partition (create: broker\'s default.replication.factor if absent)').argParser(parsePositiveInt))
    .option('--config <key=value...>', 'a topic config override for --create (repeatable)', collectKeyValue)
    .option('--if-exists', 'with --alter, --delete or --describe: do nothing when no topic matches')
    .option('--if-not-exists', 'with --create: do nothing when the topic exists')
    .option('--exclude-internal', 'leave internal topics (__consumer_offsets, ...) out of --list and --describe')
    .option('--topics-with-overrides', 'with --describe: only topics that override a config')
    .option('--under-replicated-partitions', 'with --describe: only partitions whose ISR is smaller than their replica set')
    .option('--unavailable-partitions', 'with --describe: only partitions without a leader')
    .option('--json', 'print JSON instead of text');
  return addConnectionOptions(cmd).action(async (opts: TopicsOptions) => {
    const chosen = ACTIONS.filter((a) => opts[a] === true);
    if (chosen.length !== 1) {
      throw usageError(`exactly one of ${ACTIONS.map((a) => `--${a}`).join(', ')} is required${chosen.length > 1 ? `, got ${chosen.map((a) => `--${a}`).join(' and ')}` : ''}`);
    }
    const action = chosen[0]!;
    if ((action === 'create' || action === 'delete' || action === 'alter') && opts.topic === undefined) {
      throw usageError(`--${action} needs --topic`);
    }
    if (action === 'alter') {
      if (opts.config !== undefined) throw usageError('--alter changes partitions only; change configs with: samsa configs --alter --entity-type topics --entity-name <topic> --add-config k=v');
      if (opts.partitions === undefined) throw usageError('--alter needs --partitions');
    }
    if (action !== 'create' && (opts.config !== undefined || opts.replicationFactor !== undefined)) {
      throw usageError('--config and --replication-factor go with --create');
    }
    const out = createOutput();
    const admin = await openAdmin(opts, 'samsa-topics');
    try {
      switch (action) {
        case 'create': return await create(admin, out, opts);
        case 'list': return await list(admin, out, opts);
        case 'describe': return await describe(admin, out, opts);
        case 'delete': return await remove(admin, out, opts);
        case 'alter': return await alter(admin, out, opts);
      }
    } finally {
      await closeAll(admin);
    }
  });
}

async function create(admin: Admin, out: Output, opts: TopicsOptions): Promise<void> {
  const topic = opts.topic!;
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(topic) || topic === '.' || topic === '..') {
    throw usageError(`"${topic}" is not a legal topic name: use at most 249 characters from a-z, A-Z, 0-9, '.', '_' and '-'`);
  }
  if (opts.ifNotExists === true && (await admin.listTopics({ includeInternals: true })).includes(topic)) {
    if (opts.json === true) out.json({ topic, created: false });
    return;
  }
  const [created] = await admin.createTopics({
    topics: [topic],
    ...(opts.partitions === undefined ? {} : { partitions: opts.partitions }),
    ...(opts.replicationFactor === undefined ? {} : { replicas: opts.replicationFactor }),
    configs: (opts.config ?? []).map(([name, value]) => ({ name, value })),
  });
  if (opts.json === true) {
    out.json({ topic, created: true, topicId: created?.id, partitions: created?.partitions, replicationFactor: created?.replicas });
  } else {
    out.line(`Created topic ${topic}.`);
  }
}

/** Kafka's topic filter: the whole name must match the expression. */
function topicMatcher(pattern: string | undefined): (name: string) => boolean {
  if (pattern === undefined) return () => true;
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${pattern})$`);
  } catch (err) {
    throw usageError(`--topic "${pattern}" is not a valid regular expression: ${(err as Error).message}`);
  }
  return (name) => re.test(name);
}

async function matchingTopics(admin: Admin, opts: TopicsOptions): Promise<string[]> {
  const all = await admin.listTopics({ includeInternals: opts.excludeInternal !== true });
  const names = all.filter(topicMatcher(opts.topic)).sort();
  if (names.length === 0 && opts.topic !== undefined && opts.ifExists !== true) {
    throw new CliError(`topic "${opts.topic}" does not exist`);
  }
  return names;
}

async function list(admin: Admin, out: Output, opts: TopicsOptions): Promise<void> {
  const all = await admin.listTopics({ includeInternals: opts.excludeInternal !== true });
  const names = all.filter(topicMatcher(opts.topic)).sort();
  if (opts.json === true) out.json(names);
  else for (const n of names) out.line(n);
}

export async function describeTopics(admin: Admin, names: string[]): Promise<TopicDescription[]> {
  if (names.length === 0) return [];
  const metadata = await admin.metadata({ topics: names, forceUpdate: true });
  const configs = await admin.describeConfigs({
    resources: names.map((resourceName) => ({ resourceType: ConfigResourceType.TOPIC, resourceName })),
  });
  const overrides = new Map<string, Record<string, string | null>>();
  for (const c of configs) {
    const entries = c.configs.filter((e) => e.configSource === ConfigSource.DYNAMIC_TOPIC_CONFIG);
    overrides.set(c.resourceName, Object.fromEntries(entries.map((e) => [e.name, e.isSensitive ? null : e.value ?? null])));
  }
  return names.map((name) => {
    const t = metadata.topics.get(name);
    if (t === undefined) throw new CliError(`topic "${name}" does not exist`);
    return {
      name,
      topicId: t.id,
      partitionCount: t.partitionsCount,
      replicationFactor: t.partitions[0]?.replicas.length ?? 0,
      configs: overrides.get(name) ?? {},
      partitions: t.partitions.map((p, partition) => ({
        partition,
        leader: p.leader,
        leaderEpoch: p.leaderEpoch,
        replicas: p.replicas,
        isr: p.isr,
        offlineReplicas: p.offlineReplicas,
      })),
    };
  });
}

async function describe(admin: Admin, out: Output, opts: TopicsOptions): Promise<void> {
  const names = await matchingTopics(admin, opts);
  let topics = await describeTopics(admin, names);
  if (opts.topicsWithOverrides === true) topics = topics.filter((t) => Object.keys(t.configs).length > 0);
  const partitionFilter = (p: TopicDescription['partitions'][number]): boolean => {
    if (opts.underReplicatedPartitions === true && p.isr.length >= p.replicas.length) return false;
    if (opts.unavailablePartitions === true && p.leader >= 0) return false;
    return true;
  };
  const filtering = opts.underReplicatedPartitions === true || opts.unavailablePartitions === true;
  if (filtering) {
    topics = topics.map((t) => ({ ...t, partitions: t.partitions.filter(partitionFilter) })).filter((t) => t.partitions.length > 0);
  }
  if (opts.json === true) {
    out.json(topics);
    return;
  }
  topics.forEach((t, i) => {
    if (i > 0) out.line();
    const configs = Object.entries(t.configs).map(([k, v]) => `${k}=${v ?? '(sensitive)'}`).join(',');
    out.line([
      `${out.style('bold', 'Topic:')} ${t.name}`,
      `TopicId: ${t.topicId}`,
      `PartitionCount: ${t.partitionCount}`,
      `ReplicationFactor: ${t.replicationFactor}`,
      `Configs: ${configs}`,
    ].join('  '));
    if (opts.topicsWithOverrides === true) return;
    out.table(['PARTITION', 'LEADER', 'REPLICAS', 'ISR'],
      t.partitions.map((p) => [p.partition, p.leader < 0 ? 'none' : p.leader, p.replicas.join(','), p.isr.join(',')]));
  });
}

async function remove(admin: Admin, out: Output, opts: TopicsOptions): Promise<void> {
  const names = await matchingTopics(admin, { ...opts, excludeInternal: true });
  if (names.length > 0) await admin.deleteTopics({ topics: names });
  if (opts.json === true) out.json({ deleted: names });
  else for (const n of names) out.line(`Deleted topic ${n}.`);
}

async function alter(admin: Admin, out: Output, opts: TopicsOptions): Promise<void> {
  const names = await matchingTopics(admin, { ...opts, excludeInternal: true });
  const count = opts.partitions!;
  if (names.length === 0) {
    if (opts.json === true) out.json({ altered: [] });
    return;
  }
  const before = await admin.metadata({ topics: names, forceUpdate: true });
  for (const name of names) {
    const current = before.topics.get(name)?.partitionsCount ?? 0;
    if (count < current) throw new CliError(`topic "${name}" has ${current} partitions; the count can only grow`);
    if (count === current) throw new CliError(`topic "${name}" already has ${current} partitions`);
  }
  await admin.createPartitions({ topics: names.map((name) => ({ name, count })) });
  if (opts.json === true) {
    out.json({ altered: names.map((name) => ({ topic: name, partitions: count, before: before.topics.get(name)?.partitionsCount })) });
  } else {
    for (const name of names) out.line(`Topic ${name} now has ${count} partitions (was ${before.topics.get(name)?.partitionsCount}).`);
  }
}
