/**
 * `samsa consumer-groups`: kafka-consumer-groups.sh. --list, --describe (offsets and lag
 * per partition by default; --members, --state), --reset-offsets (Kafka's scenarios,
 * --dry-run by default, --execute to commit them; only for a group without active
 * members, as Kafka requires), --delete and --delete-offsets.
 * Groups of both protocols are described: classic groups with DescribeGroups, KIP-848
 * consumer groups (which DescribeGroups answers as Dead) with ConsumerGroupDescribe.
 */
import type { Admin } from '@platformatic/kafka';
import { Option } from 'commander';
import { addConnectionOptions, type ConnectionOptions } from './common/bootstrap.ts';
import { describeGroups, stateName, type GroupView } from './common/describe-groups.ts';
import { CliError, usageError } from './common/cli-error.ts';
import { closeAll, openAdmin } from './common/clients.ts';
import { collect, parseInteger, parseNonNegativeInt } from './common/arguments.ts';
import { ListOffsetsTimestamp } from './common/kafka-constants.ts';
import { createOutput, type Output } from './common/output.ts';
import { createTool } from './common/tool.ts';

interface ConsumerGroupsOptions extends ConnectionOptions {
  list?: boolean;
  describe?: boolean;
  resetOffsets?: boolean;
  delete?: boolean;
  deleteOffsets?: boolean;
  group?: string[];
  allGroups?: boolean;
  topic?: string[];
  allTopics?: boolean;
  members?: boolean;
  state?: boolean | string;
  verbose?: boolean;
  toEarliest?: boolean;
  toLatest?: boolean;
  toCurrent?: boolean;
  toOffset?: number;
  shiftBy?: number;
  toDatetime?: string;
  byDuration?: string;
  dryRun?: boolean;
  execute?: boolean;
  json?: boolean;
}

export interface PartitionLag {
  group: string;
  topic: string;
  partition: number;
  currentOffset: bigint | null;
  logEndOffset: bigint | null;
  lag: bigint | null;
  consumerId: string | null;
  host: string | null;
  clientId: string | null;
}

/** Both protocols' groups: the library lists classic groups only unless told otherwise. */
const GROUP_TYPES = ['classic', 'consumer'];
const ACTIONS = ['list', 'describe', 'resetOffsets', 'delete', 'deleteOffsets'] as const;
const flag = (a: string): string => `--${a.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
const SCENARIOS = ['toEarliest', 'toLatest', 'toCurrent', 'toOffset', 'shiftBy', 'toDatetime', 'byDuration'] as const;

export function consumerGroupsCommand() {
  const cmd = createTool('consumer-groups', 'list, describe, reset offsets of and delete consumer groups (kafka-consumer-groups.sh)')
    .option('--list', 'list the groups')
    .option('--describe', 'per partition: committed offset, log end offset, lag, member and host')
    .option('--reset-offsets', 'move the group\'s committed offsets (a group without active members only)')
    .option('--delete', 'delete groups (without active members) and their offsets')
    .option('--delete-offsets', 'delete the group\'s committed offsets for --topic')
    .option('--group <group>', 'the group (repeatable)', collect)
    .option('--all-groups', 'every group')
    .option('--topic <topic>', 'with --reset-offsets or --delete-offsets: a topic, or topic:0,1,2 for some partitions (repeatable)', collect)
    .option('--all-topics', 'with --reset-offsets: every topic the group has offsets for')
    .option('--members', 'with --describe: the members and their partitions')
    .option('--state [state]', 'with --describe: the group\'s state; with --list: show states (or only groups in this one)')
    .option('--verbose', 'with --describe --members: each member\'s assignment')
    .option('--to-earliest', 'reset to the earliest offset')
    .option('--to-latest', 'reset to the log end offset')
    .option('--to-current', 'reset to the committed offset (log end where none)')
    .addOption(new Option('--to-offset <offset>', 'reset to this offset (kept within the log)').argParser(parseNonNegativeInt))
    .addOption(new Option('--shift-by <n>', 'move the committed offsets by n (may be negative)').argParser(parseInteger))
    .option('--to-datetime <datetime>', 'reset to the first offset at or after YYYY-MM-DDTHH:mm:SS.sss (local time unless a zone is given)')
    .option('--by-duration <duration>', 'reset to the first offset at or after now minus an ISO-8601 duration (PnDTnHnMnS)')
    .option('--dry-run', 'show the new offsets without committing them (the default)')
    .option('--execute', 'commit the new offsets')
    .option('--json', 'print JSON instead of text');
  return addConnectionOptions(cmd).action(async (opts: ConsumerGroupsOptions) => {
    const chosen = ACTIONS.filter((a) => opts[a] === true);
    if (chosen.length !== 1) {
      throw usageError(`exactly one of ${ACTIONS.map(flag).join(', ')} is required${chosen.length > 1 ? `, got ${chosen.map(flag).join(' and ')}` : ''}`);
    }
    const action = chosen[0]!;
    if (action !== 'list' && opts.group === undefined && opts.allGroups !== true) throw usageError(`${flag(action)} needs --group or --all-groups`);
    if (opts.group !== undefined && opts.allGroups === true) throw usageError('--group and --all-groups exclude each other');
    if (action === 'resetOffsets') validateReset(opts);
    else if (SCENARIOS.some((s) => opts[s] !== undefined) || opts.dryRun === true || opts.execute === true) {
      throw usageError('--to-*, --shift-by, --by-duration, --dry-run and --execute go with --reset-offsets');
    }
    if (action === 'deleteOffsets' && opts.topic === undefined) throw usageError('--delete-offsets needs --topic');
    const out = createOutput();
    const admin = await openAdmin(opts, 'samsa-consumer-groups');
    try {
      if (action === 'list') return await list(admin, out, opts);
      const groups = opts.allGroups === true ? [...(await admin.listGroups({ types: GROUP_TYPES })).keys()].sort() : opts.group!;
      switch (action) {
        case 'describe': return await describe(admin, out, groups, opts);
        case 'resetOffsets': return await resetOffsets(admin, out, groups, opts);
        case 'delete': return await remove(admin, out, groups, opts);
        case 'deleteOffsets': return await deleteOffsets(admin, out, groups, opts);
      }
    } finally {
      await closeAll(admin);
    }
  });
}

function validateReset(opts: ConsumerGroupsOptions): void {
  const scenarios = SCENARIOS.filter((s) => opts[s] !== undefined);
  if (scenarios.length !== 1) {
    throw usageError(`--reset-offsets needs exactly one of ${SCENARIOS.map(flag).join(', ')}${scenarios.length > 1 ? `, got ${scenarios.map(flag).join(' and ')}` : ''}`);
  }
  if (opts.dryRun === true && opts.execute === true) throw usageError('--dry-run and --execute exclude each other');
  if ((opts.topic === undefined) === (opts.allTopics !== true)) throw usageError('--reset-offsets needs --topic or --all-topics');
}

async function list(admin: Admin, out: Output, opts: ConsumerGroupsOptions): Promise<void> {
  const groups = [...(await admin.listGroups({ types: GROUP_TYPES })).values()]
    .filter((g) => typeof opts.state !== 'string' || g.state.toLowerCase() === opts.state.toLowerCase())
    .sort((a, b) => a.id.localeCompare(b.id));
  if (opts.json === true) {
    out.json(groups.map((g) => ({ group: g.id, state: stateName(g.state), type: g.groupType ?? 'classic', protocolType: g.protocolType })));
  } else if (opts.state !== undefined) {
    out.table(['GROUP', 'STATE'], groups.map((g) => [g.id, stateName(g.state)]));
  } else {
    for (const g of groups) out.line(g.id);
  }
}

async function describeExisting(admin: Admin, groups: string[]): Promise<Map<string, GroupView>> {
  const described = await describeGroups(admin, groups);
  for (const g of groups) {
    if (described.get(g)?.state === 'Dead') throw new CliError(`consumer group "${g}" does not exist`);
  }
  return described;
}

/** Committed offsets of each group, by topic and partition (-1 = none). */
async function committedOffsets(admin: Admin, group: string): Promise<Map<string, Map<number, bigint>>> {
  const [result] = await admin.listConsumerGroupOffsets({ groups: [group] });
  const out = new Map<string, Map<number, bigint>>();
  for (const t of result?.topics ?? []) {
    const m = new Map<number, bigint>();
    for (const p of t.partitions) if (p.committedOffset >= 0n) m.set(p.partitionIndex, p.committedOffset);
    if (m.size > 0) out.set(t.name, m);
  }
  return out;
}

async function offsetsAt(admin: Admin, partitions: Map<string, number[]>, timestamp: bigint): Promise<Map<string, Map<number, bigint>>> {
  const out = new Map<string, Map<number, bigint>>();
  const topics = [...partitions].filter(([, ps]) => ps.length > 0)
    .map(([name, ps]) => ({ name, partitions: ps.map((partitionIndex) => ({ partitionIndex, timestamp })) }));
  if (topics.length === 0) return out;
  for (const t of await admin.listOffsets({ topics })) {
    out.set(t.name, new Map(t.partitions.map((p) => [p.partitionIndex, p.offset])));
  }
  return out;
}

export async function groupLag(admin: Admin, group: GroupView): Promise<PartitionLag[]> {
  const committed = await committedOffsets(admin, group.id);
  const owner = new Map<string, GroupView['members'][number]>();
  for (const m of group.members) {
    for (const a of m.assignment) for (const p of a.partitions) owner.set(`${a.topic}\0${p}`, m);
  }
  const partitions = new Map<string, Set<number>>();
  const add = (t: string, p: number): void => { partitions.set(t, (partitions.get(t) ?? new Set()).add(p)); };
  for (const [t, ps] of committed) for (const p of ps.keys()) add(t, p);
  for (const key of owner.keys()) {
    const [t, p] = key.split('\0') as [string, string];
    add(t, Number(p));
  }
  const topics = await admin.listTopics({ includeInternals: true });
  const existing = new Map([...partitions].filter(([t]) => topics.includes(t)).map(([t, ps]) => [t, [...ps]]));
  const ends = await offsetsAt(admin, existing, ListOffsetsTimestamp.LATEST);
  const rows: PartitionLag[] = [];
  for (const [topic, ps] of partitions) {
    for (const partition of ps) {
      const current = committed.get(topic)?.get(partition) ?? null;
      const end = ends.get(topic)?.get(partition) ?? null;
      const member = owner.get(`${topic}\0${partition}`);
      rows.push({
        group: group.id,
        topic,
        partition,
        currentOffset: current,
        logEndOffset: end,
        lag: current !== null && end !== null ? (end > current ? end - current : 0n) : null,
        consumerId: member?.memberId ?? null,
        host: member?.clientHost ?? null,
        clientId: member?.clientId ?? null,
      });
    }
  }
  return rows.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

async function describe(admin: Admin, out: Output, groups: string[], opts: ConsumerGroupsOptions): Promise<void> {
  const described = await describeExisting(admin, groups);
  const json: unknown[] = [];
  for (const [i, id] of groups.entries()) {
    const g = described.get(id)!;
    if (i > 0 && opts.json !== true) out.line();
    if (opts.state !== undefined && opts.state !== false) {
      const row = { group: id, state: g.state, assignmentStrategy: g.assignor, members: g.members.length, protocol: g.groupProtocol };
      if (opts.json === true) json.push(row);
      else out.table(['GROUP', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'], [[id, row.assignmentStrategy || '-', row.state, row.members]]);
      continue;
    }
    if (opts.members === true) {
      const members = g.members.map((m) => ({ group: id, consumerId: m.memberId, groupInstanceId: m.groupInstanceId, host: m.clientHost,
        clientId: m.clientId, assignment: m.assignment }));
      if (opts.json === true) {
        json.push(...members);
        continue;
      }
      if (members.length === 0) out.line(`Consumer group '${id}' has no active members.`);
      const headers = ['GROUP', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS', ...(opts.verbose === true ? ['ASSIGNMENT'] : [])];
      out.table(headers, members.map((m) => [id, m.consumerId, m.host, m.clientId, m.assignment.reduce((n, a) => n + a.partitions.length, 0),
        ...(opts.verbose === true ? [m.assignment.map((a) => `${a.topic}(${a.partitions.join(',')})`).join(',') || '-'] : [])]));
      continue;
    }
    const rows = await groupLag(admin, g);
    if (opts.json === true) {
      json.push({ group: id, state: g.state, partitions: rows });
      continue;
    }
    if (g.members.length === 0) out.line(`Consumer group '${id}' has no active members.`);
    out.table(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'],
      rows.map((r) => [r.group, r.topic, r.partition, r.currentOffset, r.logEndOffset, r.lag, r.consumerId, r.host, r.clientId]),
      [false, false, true, true, true, true, false, false, false]);
  }
  if (opts.json === true) out.json(json);
}

/** `topic` or `topic:0,1,2`. */
function parseTopicPartitions(spec: string): { topic: string; partitions: number[] | null } {
  const colon = spec.indexOf(':');
  if (colon < 0) return { topic: spec, partitions: null };
  const partitions = spec.slice(colon + 1).split(',').map((p) => p.trim());
  if (partitions.some((p) => !/^\d+$/.test(p))) throw usageError(`--topic ${spec}: partitions must be whole numbers, as in topic:0,1,2`);
  return { topic: spec.slice(0, colon), partitions: partitions.map(Number) };
}

/** PnDTnHnMnS (ISO-8601, days and smaller) in milliseconds. */
function parseDuration(text: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text.trim().toUpperCase());
  if (m === null || text.trim().toUpperCase() === 'P' || text.trim().toUpperCase().endsWith('T')) {
    throw usageError(`--by-duration "${text}" is not an ISO-8601 duration like P1DT2H30M`);
  }
  const [, d, h, min, s] = m;
  return ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 + Number(s ?? 0) * 1000;
}

function parseDatetime(text: string): bigint {
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(ms)) {
    throw usageError(`--to-datetime "${text}" is not a date-time like 2024-05-01T12:00:00.000 (optionally with Z or +02:00)`);
  }
  return BigInt(ms);
}

async function resetOffsets(admin: Admin, out: Output, groups: string[], opts: ConsumerGroupsOptions): Promise<void> {
  const targetTimestamp = opts.toDatetime !== undefined ? parseDatetime(opts.toDatetime)
    : opts.byDuration !== undefined ? BigInt(Date.now() - parseDuration(opts.byDuration)) : null;
  const execute = opts.execute === true;
  const described = await describeGroups(admin, groups);
  const allTopics = await admin.listTopics({ includeInternals: true });
  const results: Array<{ group: string; topic: string; partition: number; newOffset: bigint }> = [];
  for (const group of groups) {
    const d = described.get(group);
    const state = d?.state ?? 'Dead';
    if (state !== 'Empty' && state !== 'Dead') {
      throw new CliError(`offsets can only be reset for a group without active members: "${group}" is ${state} with ${d?.members.length ?? 0} member(s)`);
    }
    const committed = await committedOffsets(admin, group);
    // Which partitions: named ones, every partition of named topics, or all with offsets.
    const wanted = new Map<string, number[]>();
    if (opts.allTopics === true) {
      // Offsets of a deleted topic may outlive it; there is nothing to reset them to.
      for (const [t, ps] of committed) if (allTopics.includes(t)) wanted.set(t, [...ps.keys()].sort((a, b) => a - b));
    } else {
      for (const spec of opts.topic!) {
        const { topic, partitions } = parseTopicPartitions(spec);
        if (!allTopics.includes(topic)) throw new CliError(`topic "${topic}" does not exist`);
        wanted.set(topic, partitions ?? []);
      }
      const md = await admin.metadata({ topics: [...wanted.keys()] });
      for (const [t, ps] of wanted) {
        const count = md.topics.get(t)!.partitionsCount;
        if (ps.length === 0) wanted.set(t, Array.from({ length: count }, (_, i) => i));
        const bad = ps.find((p) => p >= count);
        if (bad !== undefined) throw new CliError(`partition ${bad} does not exist: topic "${t}" has ${count} partition${count === 1 ? '' : 's'}`);
      }
    }
    const [earliest, latest] = await Promise.all([
      offsetsAt(admin, wanted, ListOffsetsTimestamp.EARLIEST),
      offsetsAt(admin, wanted, ListOffsetsTimestamp.LATEST),
    ]);
    const byTime = targetTimestamp === null ? null : await offsetsAt(admin, wanted, targetTimestamp);
    for (const [topic, ps] of wanted) {
      for (const partition of ps) {
        const lo = earliest.get(topic)!.get(partition)!;
        const hi = latest.get(topic)!.get(partition)!;
        const current = committed.get(topic)?.get(partition);
        let target: bigint;
        if (opts.toEarliest === true) target = lo;
        else if (opts.toLatest === true) target = hi;
        else if (opts.toCurrent === true) target = current ?? hi;
        else if (opts.toOffset !== undefined) target = BigInt(opts.toOffset);
        else if (opts.shiftBy !== undefined) {
          if (current === undefined) throw new CliError(`cannot shift partition ${partition} of "${topic}": group "${group}" has no committed offset for it`);
          target = current + BigInt(opts.shiftBy);
        } else {
          const found = byTime!.get(topic)!.get(partition)!;
          target = found < 0n ? hi : found;
        }
        // Kafka keeps a reset within the log.
        if (target < lo) target = lo;
        if (target > hi) target = hi;
        results.push({ group, topic, partition, newOffset: target });
      }
    }
    if (execute) {
      const topics = new Map<string, Array<{ partition: number; offset: bigint }>>();
      for (const r of results.filter((x) => x.group === group)) {
        topics.set(r.topic, [...(topics.get(r.topic) ?? []), { partition: r.partition, offset: r.newOffset }]);
      }
      if (topics.size > 0) {
        await admin.alterConsumerGroupOffsets({ groupId: group, topics: [...topics].map(([name, partitionOffsets]) => ({ name, partitionOffsets })) });
      }
    }
  }
  if (!execute && opts.dryRun !== true) out.note('No offsets are changed without --execute: this is a dry run (add --dry-run to say so, or --execute to commit them).');
  if (opts.json === true) {
    out.json({ executed: execute, offsets: results });
  } else {
    out.table(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], results.map((r) => [r.group, r.topic, r.partition, r.newOffset]));
  }
}

async function remove(admin: Admin, out: Output, groups: string[], opts: ConsumerGroupsOptions): Promise<void> {
  await admin.deleteGroups({ groups });
  if (opts.json === true) out.json({ deleted: groups });
  else out.line(`Deletion of requested consumer groups (${groups.map((g) => `'${g}'`).join(', ')}) was successful.`);
}

async function deleteOffsets(admin: Admin, out: Output, groups: string[], opts: ConsumerGroupsOptions): Promise<void> {
  if (groups.length !== 1) throw usageError('--delete-offsets takes one --group');
  const group = groups[0]!;
  const committed = await committedOffsets(admin, group);
  const topics = opts.topic!.map(parseTopicPartitions).map(({ topic, partitions }) => ({
    name: topic,
    partitionIndexes: partitions ?? [...(committed.get(topic)?.keys() ?? [])].sort((a, b) => a - b),
  })).filter((t) => t.partitionIndexes.length > 0);
  if (topics.length > 0) await admin.deleteConsumerGroupOffsets({ groupId: group, topics });
  const rows = topics.flatMap((t) => t.partitionIndexes.map((p) => ({ topic: t.name, partition: p })));
  if (opts.json === true) out.json({ group, deleted: rows });
  else if (rows.length === 0) out.line(`Group '${group}' has no committed offsets for ${opts.topic!.join(', ')}.`);
  else out.table(['TOPIC', 'PARTITION', 'STATUS'], rows.map((r) => [r.topic, r.partition, 'Successful']));
}
