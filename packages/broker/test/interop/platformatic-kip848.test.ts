/**
 * KIP-848 consumer groups with a real client (issue 5): @platformatic/kafka consumers with
 * `groupProtocol: 'consumer'` (ConsumerGroupHeartbeat, OffsetCommit/OffsetFetch v9 with
 * member epochs) against a real broker process, consuming a 6-partition topic while
 * members join and leave, with messages produced between each change.
 *
 * Checked: every message produced is consumed (at least once: a partition that moves
 * resumes from the last committed offset, so some may be read twice); at no instant do
 * two members own the same partition (the consumers' own assignments, sampled every
 * millisecond or two and on every message; a member delivers only from partitions it
 * owned, possibly a moment ago, as the client hands out what it had already fetched
 * before giving a partition up); each member that stays long enough consumes; the broker's
 * ConsumerGroupDescribe and ListGroups agree with the clients once the group settles.
 * A second test restarts the broker under a running group: the group, member ids, epochs
 * and assignments come back from __consumer_offsets and the members carry on without
 * rejoining. Every wait is for a condition, bounded by a deadline.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Admin, Connection, Consumer, consumerGroupDescribeV0, Producer, stringDeserializers, stringSerializers, type MessagesStream,
} from '@platformatic/kafka';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.ts';

const TOPIC = 'kip848-events';
const GROUP = 'kip848-group';
const PARTITIONS = 6;
const BATCH = 600;
const DEADLINE_MS = 30_000;

const brokerOverrides = {
  // Fast heartbeats let partitions move in well under a second (Kafka's default is 5 s).
  'group.consumer.heartbeat.interval.ms': 250,
  'group.consumer.min.heartbeat.interval.ms': 100,
  'group.consumer.session.timeout.ms': 10_000,
  'group.consumer.min.session.timeout.ms': 1000,
};

interface Seen {
  member: string;
  partition: number;
  offset: number;
  value: string;
}

class Member {
  readonly label: string;
  readonly topic: string;
  readonly consumer: Consumer<string, string, string, string>;
  stream: MessagesStream<string, string, string, string> | null = null;
  closed = false;
  /** Each change of owned() the test saw, with its time. */
  history: Array<[number, number[]]> = [];

  constructor(label: string, bootstrap: string, topic = TOPIC, group = GROUP) {
    this.label = label;
    this.topic = topic;
    this.consumer = new Consumer({
      groupId: group, clientId: `kip848-${label}`, bootstrapBrokers: [bootstrap], deserializers: stringDeserializers,
      groupProtocol: 'consumer', maxWaitTime: 200, retries: 10,
    });
  }

  /** The partitions this member's client says it owns now. */
  owned(): number[] {
    if (this.closed) return [];
    return (this.consumer.assignments ?? []).filter((a) => a.topic === this.topic).flatMap((a) => a.partitions);
  }
}

/** Polls a condition until it holds or the deadline passes (then fails with `what`). */
async function waitFor(what: () => string, condition: () => boolean, timeoutMs = DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('@platformatic/kafka with groupProtocol consumer (KIP-848)', () => {
  let broker: BrokerProcess;
  before(async () => { broker = await startBrokerProcess({ overrides: brokerOverrides }); });
  after(async () => { assert.equal(await broker.stop(), 0, broker.stderr()); });

  it('consumes every message while members join and leave, and never lets two members own a partition', async () => {
    const bootstrap = broker.bootstrap;
    const admin = new Admin({ clientId: 'kip848-admin', bootstrapBrokers: [bootstrap] });
    await admin.createTopics({ topics: [TOPIC], partitions: PARTITIONS, replicas: 1 });
    const producer = new Producer({ clientId: 'kip848-producer', bootstrapBrokers: [bootstrap], serializers: stringSerializers, acks: -1 });
    let produced = 0;
    const produce = async (n: number): Promise<void> => {
      const messages = [];
      for (let i = 0; i < n; i++, produced++) messages.push({ topic: TOPIC, key: `k${produced}`, value: `v${produced}`, partition: produced % PARTITIONS });
      await producer.send({ messages });
    };

    const seen: Seen[] = [];
    const violations: string[] = [];
    const members: Member[] = [];
    const active = (): Member[] => members.filter((m) => !m.closed);
    const checkOwnership = (): void => {
      const owner = new Map<number, string>();
      for (const m of active()) {
        const last = m.history.at(-1);
        if (last === undefined || JSON.stringify(last[1]) !== JSON.stringify(m.owned())) m.history.push([Date.now(), m.owned()]);
        for (const p of m.owned()) {
          const other = owner.get(p);
          if (other !== undefined && violations.length < 20) violations.push(`partition ${p} owned by ${other} and ${m.label} at ${Date.now()}`);
          owner.set(p, m.label);
        }
      }
    };
    const sampler = setInterval(checkOwnership, 1);

    const join = async (label: string): Promise<Member> => {
      const m = new Member(label, bootstrap);
      members.push(m);
      const stream = await m.consumer.consume({ topics: [TOPIC], mode: 'committed', fallbackMode: 'earliest', autocommit: 100 });
      m.stream = stream;
      stream.on('data', (msg) => {
        // The client may still hand out records it fetched before it gave the partition up,
        // so the check is that it owned the partition at some point, not at this instant.
        if (!m.owned().includes(msg.partition) && !m.history.some(([, ps]) => ps.includes(msg.partition)) && violations.length < 20) {
          violations.push(`${label} delivered ${msg.partition}@${msg.offset} from a partition it never owned`);
        }
        seen.push({ member: label, partition: msg.partition, offset: Number(msg.offset), value: msg.value });
        checkOwnership();
      });
      stream.on('error', (err: Error) => { violations.push(`${label} stream error: ${err.message}`); });
      return m;
    };
    const leave = async (m: Member): Promise<void> => {
      await m.stream!.close();
      await m.consumer.close(true);
      m.closed = true;
    };
    const consumed = (): Set<string> => new Set(seen.map((s) => s.value));
    const allConsumed = async (): Promise<void> => {
      await waitFor(() => `all ${produced} messages (have ${consumed().size})`, () => consumed().size === produced);
    };
    /** Every partition owned by exactly one of the active members, spread evenly. */
    const settled = async (): Promise<void> => {
      await waitFor(
        () => `a settled group: ${active().map((m) => `${m.label}=${JSON.stringify(m.owned())}`).join(' ')}`,
        () => {
          const counts = active().map((m) => m.owned().length);
          const all = active().flatMap((m) => m.owned());
          return new Set(all).size === PARTITIONS && all.length === PARTITIONS && Math.max(...counts) - Math.min(...counts) <= 1;
        },
      );
    };

    /** A membership change, then messages while the group rebalances, then more once it has settled. */
    const phase = async (change: () => Promise<unknown>): Promise<void> => {
      await change();
      await produce(BATCH / 2);
      await settled();
      await produce(BATCH / 2);
      await allConsumed();
      await brokerAgrees();
    };
    const describeConnection = new Connection('kip848-describe');
    const [host, port] = bootstrap.split(':') as [string, string];
    await describeConnection.connect(host, Number(port));
    /** ConsumerGroupDescribe (key 69) and ListGroups v5 say what the clients say. */
    const brokerAgrees = async (): Promise<void> => {
      const response = await consumerGroupDescribeV0.api.async(describeConnection, [GROUP], false);
      const group = response.groups[0]!;
      assert.equal(group.groupState, 'Stable');
      assert.equal(group.assignorName, 'uniform');
      const byClient = new Map(group.members.map((m) => [m.clientId, m.assignment.topicPartitions.flatMap((t) => t.partitions).sort()]));
      assert.deepEqual(byClient, new Map(active().map((m) => [`kip848-${m.label}`, [...m.owned()].sort()])));
      for (const m of group.members) assert.equal(m.memberEpoch, group.assignmentEpoch);
      const listed = await admin.listGroups({ types: ['consumer'] });
      assert.equal(listed.get(GROUP)?.state, 'Stable');
      assert.equal(listed.get(GROUP)?.protocolType, 'consumer');
    };

    try {
      const m1 = await join('m1');
      await phase(async () => undefined);
      await phase(async () => Promise.all([join('m2'), join('m3')]));
      await phase(() => leave(m1));
      const m4 = await join('m4');
      await phase(async () => undefined);
      await phase(() => leave(m4));
      const late = await join('m5');
      await phase(async () => undefined);
      await phase(() => Promise.all(active().filter((m) => m !== late).map(leave)));
      assert.deepEqual(late.owned().sort(), [0, 1, 2, 3, 4, 5], 'the last member owns every partition');
    } finally {
      clearInterval(sampler);
      for (const m of active()) await leave(m).catch(() => undefined);
      await producer.close();
      await admin.close();
      await describeConnection.close();
    }

    assert.deepEqual(violations, []);
    assert.equal(consumed().size, produced);
    // Each message was read from the partition and offset it was written to (values carry their sequence).
    for (const s of seen) assert.equal(Number(s.value.slice(1)) % PARTITIONS, s.partition);
    const byMember = new Map<string, number>();
    for (const s of seen) byMember.set(s.member, (byMember.get(s.member) ?? 0) + 1);
    assert.deepEqual([...byMember.keys()].sort(), ['m1', 'm2', 'm3', 'm4', 'm5'], 'every member consumed something');
  });
});

describe('a KIP-848 group across a broker restart', () => {
  it('keeps the group, member epochs and assignments; the members carry on without rejoining', async () => {
    const topic = 'kip848-restart';
    const group = 'kip848-restart-group';
    let broker = await startBrokerProcess({ overrides: brokerOverrides });
    const bootstrap = broker.bootstrap;
    const admin = new Admin({ clientId: 'kip848-admin', bootstrapBrokers: [bootstrap] });
    const producer = new Producer({ clientId: 'kip848-producer', bootstrapBrokers: [bootstrap], serializers: stringSerializers, acks: -1, retries: 20 });
    const members = [new Member('r1', bootstrap, topic, group), new Member('r2', bootstrap, topic, group)];
    const values = new Set<string>();
    let produced = 0;
    const produce = async (n: number): Promise<void> => {
      const messages = [];
      for (let i = 0; i < n; i++, produced++) messages.push({ topic, key: `k${produced}`, value: `v${produced}`, partition: produced % 4 });
      await producer.send({ messages });
    };
    const describeGroup = async () => {
      const connection = new Connection('kip848-describe');
      try {
        const [host, port] = bootstrap.split(':') as [string, string];
        await connection.connect(host, Number(port));
        const g = (await consumerGroupDescribeV0.api.async(connection, [group], false)).groups[0]!;
        return {
          state: g.groupState, groupEpoch: g.groupEpoch,
          members: g.members.map((m) => [m.clientId, m.memberId, m.memberEpoch, m.assignment.topicPartitions.flatMap((t) => t.partitions).sort()] as const).sort(),
        };
      } finally {
        await connection.close();
      }
    };
    const settled = () => members.every((m) => m.owned().length === 2) && new Set(members.flatMap((m) => m.owned())).size === 4;
    try {
      await admin.createTopics({ topics: [topic], partitions: 4, replicas: 1 });
      for (const m of members) {
        m.stream = await m.consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: 100 });
        m.stream.on('data', (msg) => { values.add(msg.value); });
      }
      await produce(200);
      await waitFor(() => `${values.size} of ${produced} consumed, group settled`, () => values.size === produced && settled());
      const before = await describeGroup();
      assert.equal(before.state, 'Stable');

      assert.equal(await broker.stop(), 0, broker.stderr());
      broker = await startBrokerProcess({ dataDir: broker.dataDir, port: broker.port, overrides: brokerOverrides });
      assert.deepEqual(await describeGroup(), before, 'the group as it was, from the log');

      await produce(200);
      await waitFor(() => `${values.size} of ${produced} consumed after the restart`, () => values.size === produced);
      assert.deepEqual(await describeGroup(), before, 'the same members at the same epochs: nobody rejoined or was fenced');
      assert.ok(settled());
    } finally {
      for (const m of members) {
        await m.stream?.close().catch(() => undefined);
        await m.consumer.close(true).catch(() => undefined);
      }
      await producer.close();
      await admin.close();
      assert.equal(await broker.stop(), 0, broker.stderr());
    }
  });
});
