/**
 * Consumer groups with real clients against a real broker process (issue 5):
 *
 * - one group of three members from three clients (kafkajs, confluent-kafka/librdkafka,
 *   kafka-python) on a 12-partition topic: no partition owned twice in a generation, all
 *   12 owned once stable; a SIGKILLed member's partitions move to the others within the
 *   session timeout; committed offsets survive a broker restart and the group resumes
 *   re-reading only what was not committed;
 * - librdkafka static membership (KIP-345): a member restarted under the same
 *   group.instance.id within the session timeout gets its partitions back and nobody
 *   else rebalances;
 * - librdkafka cooperative-sticky (KIP-429): a joining member takes partitions from the
 *   others without them giving up any partition they keep.
 *
 * Each member is its own process (clients/group-consumer-*.{ts,py}) and reports every
 * rebalance callback, record and commit as a JSON line with its wall-clock time, so the
 * test can check ownership per generation and, on one machine's clock, over time.
 * Members commit offset+1 synchronously after each record unless its value ends in
 * ":hold", which makes "what was uncommitted" exact at the moments the test disrupts
 * the group.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.ts';

const PYTHON = '/usr/bin/python3';
const clientsDir = join(import.meta.dirname, 'clients');
const SESSION_TIMEOUT_MS = 6000;
const HEARTBEAT_INTERVAL_MS = 1000;
/** Keeps the first join of an empty group from waiting (KIP-134's default is 3 s). */
const brokerOverrides = { 'group.initial.rebalance.delay.ms': 0 };

type Client = 'kafkajs' | 'confluent' | 'kafka-python';

interface AssignmentEvent { ev: 'assigned' | 'revoked' | 'lost'; c: string; t: number; gen: number; member: string; parts: number[]; incremental: boolean }
interface RecordEvent { ev: 'rec'; c: string; t: number; p: number; o: number; v: string }
interface CommitEvent { ev: 'committed' | 'commit-failed'; c: string; t: number; p: number; o: number; err?: string }
interface OtherEvent { ev: 'error' | 'closed' | 'unparsed'; c: string; t: number; err?: string }
type GroupEvent = AssignmentEvent | RecordEvent | CommitEvent | OtherEvent;

const isAssignment = (e: GroupEvent): e is AssignmentEvent => e.ev === 'assigned' || e.ev === 'revoked' || e.ev === 'lost';

interface Member {
  readonly label: string;
  readonly client: Client;
  readonly child: ChildProcessWithoutNullStreams;
  readonly stderr: () => string;
  /** SIGKILL and wait for the exit; resolves to the time the exit was seen, after any report of the process. */
  kill(): Promise<number>;
}

/**
 * Runs group members and collects their reports in arrival order; `waitFor` re-checks a
 * condition on every report, up to a deadline, and fails with the recent reports.
 */
class GroupRecorder {
  readonly events: GroupEvent[] = [];
  readonly members: Member[] = [];
  readonly #bootstrap: () => string;
  readonly #brokerLog: () => string;
  readonly #wakeups = new Set<() => void>();

  constructor(bootstrap: () => string, brokerLog: () => string) {
    this.#bootstrap = bootstrap;
    this.#brokerLog = brokerLog;
  }

  spawn(client: Client, label: string, topic: string, group: string, extra: readonly string[] = []): Member {
    // -B: importing clients/group_report.py writes no __pycache__ into the source tree.
    const args = client === 'kafkajs'
      ? [join(clientsDir, 'group-consumer-kafkajs.ts'), this.#bootstrap(), topic, group, label, String(SESSION_TIMEOUT_MS)]
      : ['-u', '-B', join(clientsDir, `group-consumer-${client}.py`), this.#bootstrap(), topic, group, label,
        '--session-timeout-ms', String(SESSION_TIMEOUT_MS), ...extra];
    const child = spawn(client === 'kafkajs' ? process.execPath : PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = once(child, 'exit');
    createInterface({ input: child.stdout }).on('line', (line) => {
      let event: GroupEvent;
      try {
        event = JSON.parse(line) as GroupEvent;
      } catch {
        event = { ev: 'unparsed', c: label, t: Date.now(), err: line };
      }
      this.events.push(event);
      for (const wake of this.#wakeups) wake();
    });
    const member: Member = {
      label, client, child, stderr: () => stderr,
      async kill() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL');
          await exited;
        }
        return Date.now();
      },
    };
    this.members.push(member);
    return member;
  }

  waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
    const first = probe();
    if (first !== undefined) return Promise.resolve(first);
    return new Promise((resolve, reject) => {
      const wake = (): void => {
        const value = probe();
        if (value === undefined) return;
        clearTimeout(timer);
        this.#wakeups.delete(wake);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.#wakeups.delete(wake);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.diagnostics()}`));
      }, timeoutMs);
      this.#wakeups.add(wake);
    });
  }

  /** The last assignment report of each label, in the order given. */
  lastAssignment(label: string): AssignmentEvent | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i]!;
      if (e.c === label && isAssignment(e)) return e;
    }
    return undefined;
  }

  diagnostics(): string {
    const recent = this.events.filter((e) => e.ev !== 'rec' && e.ev !== 'committed').slice(-40);
    const stderrs = this.members.map((m) => `--- ${m.label} (${m.client}) stderr ---\n${m.stderr().slice(-1500)}`);
    return `recent reports (records and commits left out):\n${recent.map((e) => JSON.stringify(e)).join('\n')}\n${stderrs.join('\n')}\n` +
      `--- broker log ---\n${this.#brokerLog().slice(-4000)}`;
  }

  async killAll(): Promise<void> {
    await Promise.all(this.members.map((m) => m.kill()));
  }
}

/**
 * The generation every given member has most recently been assigned in (eager protocol:
 * an assignment is the member's whole set), if they all agree, it is above `after`, and
 * together they own partitions 0..count-1.
 */
function stableGeneration(rec: GroupRecorder, labels: readonly string[], count: number, after = -1): number | undefined {
  const last = labels.map((l) => rec.lastAssignment(l));
  if (last.some((e) => e?.ev !== 'assigned')) return undefined;
  const gen = last[0]!.gen;
  if (gen <= after || last.some((e) => e!.gen !== gen)) return undefined;
  const owned = last.flatMap((e) => e!.parts);
  return owned.length === count && new Set(owned).size === count ? gen : undefined;
}

/** Kafka's invariant for a generation: one leader computed it, so no partition is given to two members. */
function assertNoPartitionSharedInAGeneration(events: readonly GroupEvent[]): void {
  const owners = new Map<string, string>();
  for (const e of events) {
    if (e.ev !== 'assigned') continue;
    for (const p of e.parts) {
      const key = `${e.gen}/${p}`;
      const owner = owners.get(key);
      assert.ok(owner === undefined || owner === e.c, `partition ${p} assigned to both ${owner} and ${e.c} in generation ${e.gen}`);
      owners.set(key, e.c);
    }
  }
}

/**
 * Ownership over time, from the members' own clocks (one machine): a partition is
 * assigned to a member only while no other member holds it. An eager assignment replaces
 * the member's whole set, an incremental one adds to it; a revocation (or a kill, given
 * as a synthetic "lost" report) removes partitions.
 */
function assertExclusiveOwnershipOverTime(events: readonly GroupEvent[], kills: ReadonlyArray<{ c: string; t: number }> = []): void {
  const timeline: Array<AssignmentEvent> = [
    ...events.filter(isAssignment),
    ...kills.map((k) => ({ ev: 'lost' as const, c: k.c, t: k.t, gen: -1, member: '', parts: [] as number[], incremental: false })),
  ].sort((a, b) => a.t - b.t);
  const owner = new Map<number, string>();
  const held = new Map<string, Set<number>>();
  for (const e of timeline) {
    const mine = held.get(e.c) ?? new Set<number>();
    held.set(e.c, mine);
    if (e.ev === 'assigned') {
      if (!e.incremental) {
        for (const p of mine) owner.delete(p);
        mine.clear();
      }
      for (const p of e.parts) {
        const other = owner.get(p);
        assert.ok(other === undefined || other === e.c, `partition ${p} assigned to ${e.c} at ${e.t} while ${other} still held it`);
        owner.set(p, e.c);
        mine.add(p);
      }
    } else {
      const dropped = e.incremental ? e.parts : [...mine];
      for (const p of dropped) {
        if (owner.get(p) === e.c) owner.delete(p);
        mine.delete(p);
      }
    }
  }
}

/** What a member holds after its reports so far: eager assignments replace, incremental ones add. */
function ownedNow(rec: GroupRecorder, label: string): Set<number> {
  const owned = new Set<number>();
  for (const e of rec.events) {
    if (e.c !== label || !isAssignment(e)) continue;
    if (e.ev === 'assigned') {
      if (!e.incremental) owned.clear();
      for (const p of e.parts) owned.add(p);
    } else if (e.incremental) {
      for (const p of e.parts) owned.delete(p);
    } else {
      owned.clear();
    }
  }
  return owned;
}

const sorted = (xs: Iterable<number>): number[] => [...xs].sort((a, b) => a - b);

describe('consumer groups with real clients', () => {
  let broker: BrokerProcess | undefined;
  let recorder: GroupRecorder | undefined;
  const admins: Admin[] = [];
  const kafkaFor = (b: BrokerProcess): Kafka =>
    new Kafka({ clientId: 'samsa-cg-test', brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 } });
  const connectedAdmin = async (b: BrokerProcess): Promise<Admin> => {
    const admin = kafkaFor(b).admin();
    await admin.connect();
    admins.push(admin);
    return admin;
  };

  after(async () => {
    await recorder?.killAll();
    for (const a of admins) await a.disconnect().catch(() => undefined);
    await broker?.kill();
    if (broker !== undefined) rmSync(broker.dataDir, { recursive: true, force: true });
  });

  /** Stops what the previous test left running, so that each test has its own broker and members. */
  const fresh = async (): Promise<{ broker: BrokerProcess; recorder: GroupRecorder }> => {
    await recorder?.killAll();
    for (const a of admins.splice(0)) await a.disconnect().catch(() => undefined);
    if (broker !== undefined) {
      assert.equal(await broker.stop(), 0, 'broker exits 0 on SIGTERM');
      rmSync(broker.dataDir, { recursive: true, force: true });
    }
    broker = await startBrokerProcess({ overrides: brokerOverrides });
    recorder = new GroupRecorder(() => broker!.bootstrap, () => broker!.stderr());
    return { broker, recorder };
  };

  it('kafkajs, librdkafka and kafka-python share one group: exclusive ownership, failover after SIGKILL, offsets across a restart',
    { timeout: 120_000 }, async (t) => {
      const { recorder: rec } = await fresh();
      const topic = 'cg-mixed';
      const group = 'cg-mixed-group';
      const PARTITIONS = 12;
      const PER_PARTITION = 100;
      const HOLD_FROM = 80; // records 80..99 of each partition are read but not committed
      let admin = await connectedAdmin(broker!);
      assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true }), true);

      const labels = ['kafkajs', 'confluent', 'kafka-python'] as const;
      const members = new Map(labels.map((l) => [l, rec.spawn(l, l, topic, group)]));
      const started = Date.now();
      const gen1 = await rec.waitFor('all three members stable on 12 partitions', 40_000,
        () => stableGeneration(rec, labels, PARTITIONS));
      t.diagnostic(`group of three stable in generation ${gen1} after ${Date.now() - started} ms`);
      const eventsAtStable = rec.events.length;

      const reads = new Map<string, number>(); // "p/o" -> times read
      const committed = new Map<number, number>(); // partition -> highest committed offset reported
      let scanned = 0;
      const scan = (): void => {
        for (; scanned < rec.events.length; scanned++) {
          const e = rec.events[scanned]!;
          if (e.ev === 'rec') reads.set(`${e.p}/${e.o}`, (reads.get(`${e.p}/${e.o}`) ?? 0) + 1);
          else if (e.ev === 'committed') committed.set(e.p, Math.max(committed.get(e.p) ?? 0, e.o));
        }
      };
      const allRead = (from: number, to: number): boolean => {
        for (let p = 0; p < PARTITIONS; p++) for (let o = from; o < to; o++) if (!reads.has(`${p}/${o}`)) return false;
        return true;
      };
      const allCommittedAt = (offset: number): boolean => {
        for (let p = 0; p < PARTITIONS; p++) if (committed.get(p) !== offset) return false;
        return true;
      };
      const produce = async (b: BrokerProcess, from: number, to: number): Promise<void> => {
        const producer = kafkaFor(b).producer();
        await producer.connect();
        try {
          const messages = [];
          for (let i = from; i < to; i++) {
            for (let p = 0; p < PARTITIONS; p++) {
              messages.push({ partition: p, key: `key-${p}-${i}`, value: `${p}:${i}${i >= HOLD_FROM && i < PER_PARTITION ? ':hold' : ''}` });
            }
          }
          await producer.send({ topic, messages, acks: -1 });
        } finally {
          await producer.disconnect();
        }
      };

      // Phase 1: 100 records per partition; each member commits up to offset 80.
      await produce(broker!, 0, PER_PARTITION);
      await rec.waitFor('every record read and offset 80 committed on every partition', 40_000, () => {
        scan();
        return allRead(0, PER_PARTITION) && allCommittedAt(HOLD_FROM) ? true : undefined;
      });
      assert.deepEqual(rec.events.slice(eventsAtStable).filter(isAssignment), [], 'no rebalance while the group is stable');
      assert.deepEqual([...reads].filter(([, n]) => n > 1), [], 'no record read twice while the group is stable');
      const phase1 = new Map(labels.map((l) => [l, rec.events.filter((e) => e.ev === 'rec' && e.c === l).length]));
      for (const [l, n] of phase1) assert.ok(n > 0, `${l} read records (${[...phase1].join(', ')})`);

      // A member dies without leaving: its partitions move once its session expires. The
      // rebalance is eager, so every new owner starts again from the commits (80).
      scan();
      const uncommittedAtKill = [...committed.values()].reduce((n, c) => n + PER_PARTITION - c, 0);
      const victim = members.get('kafka-python')!;
      const lost = rec.lastAssignment(victim.label)!.parts;
      const killedAt = await victim.kill();
      const survivors = labels.filter((l) => l !== victim.label);
      const gen2 = await rec.waitFor('the survivors to take over all 12 partitions', SESSION_TIMEOUT_MS + 15_000,
        () => stableGeneration(rec, survivors, PARTITIONS, gen1));
      const movedAt = Math.max(...survivors.map((l) => rec.lastAssignment(l)!.t));
      t.diagnostic(`partitions ${lost.join(',')} of the killed member moved in generation ${gen2}, ${Math.round(movedAt - killedAt)} ms after the kill`);
      // The coordinator expires the member a session timeout after its last heartbeat (so at
      // most that long after the kill); the survivors hear of the rebalance at their next
      // heartbeat and rejoin. Allow those heartbeats and a loaded machine's scheduling.
      assert.ok(movedAt - killedAt <= SESSION_TIMEOUT_MS + 3 * HEARTBEAT_INTERVAL_MS + 1000,
        `partitions moved ${Math.round(movedAt - killedAt)} ms after the kill (session timeout ${SESSION_TIMEOUT_MS} ms)`);
      // The new owners start from the killed member's commits, so they re-read 80..99.
      await rec.waitFor('the survivors to read the moved partitions to the end', 20_000, () => {
        scan();
        return lost.every((p) => rec.events.some((e) => e.ev === 'rec' && e.t > killedAt && e.p === p && e.o === PER_PARTITION - 1 && e.c !== victim.label))
          ? true : undefined;
      });
      const fetched = async (): Promise<number[]> =>
        (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]!.partitions
          .sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
      assert.deepEqual(await fetched(), Array(PARTITIONS).fill(HOLD_FROM), 'OffsetFetch before the restart');

      // Broker restart (SIGTERM, same data directory and port) with the survivors running.
      // Then a new kafka-python member joins: the eager rebalance makes every member start
      // again from the committed offsets, as the restarted broker loaded them.
      scan();
      const uncommittedAtRestart = new Set<string>();
      for (let p = 0; p < PARTITIONS; p++) for (let o = committed.get(p)!; o < PER_PARTITION; o++) uncommittedAtRestart.add(`${p}/${o}`);
      const eventsBeforeRestart = rec.events.length;
      for (const a of admins.splice(0)) await a.disconnect();
      const { dataDir, port } = broker!;
      assert.equal(await broker!.stop(), 0, 'broker exits 0 on SIGTERM');
      broker = await startBrokerProcess({ dataDir, port, overrides: brokerOverrides });
      admin = await connectedAdmin(broker);
      assert.deepEqual(await fetched(), Array(PARTITIONS).fill(HOLD_FROM), 'committed offsets survive the restart');
      const newcomer = 'kafka-python-2';
      rec.spawn('kafka-python', newcomer, topic, group);
      const finalMembers = [...survivors, newcomer];
      const gen3 = await rec.waitFor('the restarted broker to take a new member into the group', 30_000,
        () => stableGeneration(rec, finalMembers, PARTITIONS, gen2));
      await rec.waitFor('every partition read again from its committed offset to the end', 20_000, () =>
        Array.from({ length: PARTITIONS }, (_, p) => p).every((p) =>
          rec.events.slice(eventsBeforeRestart).some((e) => e.ev === 'rec' && e.p === p && e.o === PER_PARTITION - 1)) ? true : undefined);
      t.diagnostic(`after the restart the group went on in generation ${gen3}`);

      // Phase 2: 100 more records per partition; the group goes on and commits them all.
      await produce(broker, PER_PARTITION, 2 * PER_PARTITION);
      await rec.waitFor('the group to read and commit every new record', 40_000, () => {
        scan();
        return allRead(PER_PARTITION, 2 * PER_PARTITION) && allCommittedAt(2 * PER_PARTITION) ? true : undefined;
      });
      assert.deepEqual(await fetched(), Array(PARTITIONS).fill(2 * PER_PARTITION), 'OffsetFetch after the group caught up');

      // Nothing is read below an offset already committed (the clocks are one machine's:
      // a commit reported before a read was acknowledged before that read was fetched).
      const lastCommit = new Map<number, number>();
      const timeline = [...rec.events].sort((a, b) => a.t - b.t);
      for (const e of timeline) {
        if (e.ev === 'committed') lastCommit.set(e.p, Math.max(lastCommit.get(e.p) ?? 0, e.o));
        else if (e.ev === 'rec') {
          assert.ok(e.o >= (lastCommit.get(e.p) ?? 0),
            `${e.c} read ${e.p}/${e.o} at ${e.t} after offset ${lastCommit.get(e.p)} had been committed`);
        }
      }
      // After the restart each partition was read again from exactly its committed offset.
      const rereadAfterRestart = new Set(rec.events.slice(eventsBeforeRestart)
        .filter((e): e is RecordEvent => e.ev === 'rec' && e.o < PER_PARTITION).map((e) => `${e.p}/${e.o}`));
      for (const k of rereadAfterRestart) assert.ok(uncommittedAtRestart.has(k), `${k} was committed before the restart but read again after it`);
      assert.equal(rereadAfterRestart.size, uncommittedAtRestart.size, 'every uncommitted record was read again after the restart');
      const failedCommits = rec.events.filter((e) => e.ev === 'commit-failed').length;
      const duplicates = [...reads.values()].reduce((n, k) => n + k - 1, 0);
      t.diagnostic(`${duplicates} re-reads in all (${uncommittedAtKill} uncommitted at the kill, ` +
        `${uncommittedAtRestart.size} at the restart, ${rereadAfterRestart.size} of those re-read after it); ${failedCommits} failed commits`);
      assert.ok(duplicates <= uncommittedAtKill + uncommittedAtRestart.size + failedCommits,
        `${duplicates} re-reads: more than was uncommitted when the group was disrupted`);

      assertNoPartitionSharedInAGeneration(rec.events);
      assertExclusiveOwnershipOverTime(rec.events.filter((e) => e.c !== victim.label || e.t < killedAt), [{ c: victim.label, t: killedAt }]);
      assert.equal(stableGeneration(rec, finalMembers, PARTITIONS, gen2), gen3, `no rebalance after generation ${gen3}\n${rec.diagnostics()}`);
      t.diagnostic(`test took ${Date.now() - started} ms`);
    });

  it('librdkafka static membership: a member restarted under its group.instance.id gets its partitions back, nobody rebalances',
    { timeout: 60_000 }, async (t) => {
      const { recorder: rec } = await fresh();
      const topic = 'cg-static';
      const group = 'cg-static-group';
      const PARTITIONS = 6;
      const admin = await connectedAdmin(broker!);
      await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
      const labels = ['static-0', 'static-1', 'static-2'];
      for (const l of labels) rec.spawn('confluent', l, topic, group, ['--instance-id', l]);
      const gen = await rec.waitFor('three static members stable', 40_000, () => stableGeneration(rec, labels, PARTITIONS));
      const before = rec.lastAssignment('static-1')!;
      const eventsAtStable = rec.events.length;

      // SIGKILL: no LeaveGroup (librdkafka would not send one for a static member anyway).
      const killedAt = await rec.members.find((m) => m.label === 'static-1')!.kill();
      rec.spawn('confluent', 'static-1', topic, group, ['--instance-id', 'static-1']);
      const back = await rec.waitFor('the restarted member to be assigned', SESSION_TIMEOUT_MS + 10_000, () => {
        const e = rec.lastAssignment('static-1');
        return e !== undefined && e.t > killedAt && e.ev === 'assigned' ? e : undefined;
      });
      t.diagnostic(`static-1 back with partitions ${back.parts.join(',')} ${Math.round(back.t - killedAt)} ms after the kill`);
      assert.ok(back.t - killedAt < SESSION_TIMEOUT_MS, 'the restart came within the session timeout (else this test tests nothing)');
      assert.notEqual(back.member, before.member, 'the restarted process joined under a new member id');
      assert.deepEqual(back.parts, before.parts, 'the restarted member has its previous partitions');
      assert.equal(back.gen, gen, 'no new generation');

      // A wrong coordinator would rebalance at once (the others see it at their next
      // heartbeat) or when the old member id's session runs out: watch past both. This
      // wait observes; it synchronises nothing.
      await delay(Math.max(0, killedAt + SESSION_TIMEOUT_MS + 3 * HEARTBEAT_INTERVAL_MS - Date.now()));
      const since = rec.events.slice(eventsAtStable).filter(isAssignment).map((e) => `${e.c} ${e.ev} gen ${e.gen} [${e.parts.join(',')}]`);
      assert.deepEqual(since, [`static-1 assigned gen ${gen} [${before.parts.join(',')}]`], 'the only rebalance callback after the kill is the restarted member\'s');
      const [described] = (await admin.describeGroups([group])).groups;
      assert.equal(described?.state, 'Stable');
      assert.equal(described.members.length, 3);
      assert.ok(described.members.some((m) => m.memberId === back.member), 'the new member id replaced the old one');
      assert.ok(!described.members.some((m) => m.memberId === before.member));
      assertNoPartitionSharedInAGeneration(rec.events);
      assertExclusiveOwnershipOverTime(rec.events, [{ c: 'static-1', t: killedAt }]);
    });

  it('librdkafka cooperative-sticky: a joining member takes partitions without the others revoking the ones they keep',
    { timeout: 60_000 }, async (t) => {
      const { recorder: rec } = await fresh();
      const topic = 'cg-coop';
      const group = 'cg-coop-group';
      const PARTITIONS = 12;
      const admin = await connectedAdmin(broker!);
      await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
      const strategy = ['--strategy', 'cooperative-sticky'];
      rec.spawn('confluent', 'coop-0', topic, group, strategy);
      rec.spawn('confluent', 'coop-1', topic, group, strategy);
      const balanced = (labels: readonly string[], each: number): true | undefined => {
        const sets = labels.map((l) => ownedNow(rec, l));
        const all = sets.flatMap((x) => [...x]);
        return sets.every((x) => x.size === each) && new Set(all).size === PARTITIONS ? true : undefined;
      };
      await rec.waitFor('two cooperative members with 6 partitions each', 40_000, () => balanced(['coop-0', 'coop-1'], 6));
      const before = new Map(['coop-0', 'coop-1'].map((l) => [l, ownedNow(rec, l)]));
      const eventsAtJoin = rec.events.length;
      const joinedAt = Date.now();

      rec.spawn('confluent', 'coop-2', topic, group, strategy);
      await rec.waitFor('three cooperative members with 4 partitions each', 40_000, () => balanced(['coop-0', 'coop-1', 'coop-2'], 4));
      t.diagnostic(`third member balanced in ${Date.now() - joinedAt} ms`);
      const since = rec.events.slice(eventsAtJoin).filter(isAssignment);
      assert.deepEqual(since.filter((e) => e.ev === 'lost'), [], 'no partition lost');
      const moved = new Set<number>();
      for (const l of ['coop-0', 'coop-1']) {
        const revoked = since.filter((e) => e.c === l && e.ev === 'revoked').flatMap((e) => e.parts);
        const gained = since.filter((e) => e.c === l && e.ev === 'assigned').flatMap((e) => e.parts);
        assert.deepEqual(gained, [], `${l} gained nothing`);
        assert.equal(revoked.length, 2, `${l} gave up exactly two partitions (revoked ${revoked.join(',')})`);
        for (const p of revoked) {
          assert.ok(before.get(l)!.has(p), `${l} revoked ${p}, which it did not own`);
          moved.add(p);
        }
        assert.deepEqual(sorted(ownedNow(rec, l)), sorted([...before.get(l)!].filter((p) => !revoked.includes(p))), `${l} kept the rest`);
      }
      assert.deepEqual(sorted(ownedNow(rec, 'coop-2')), sorted(moved), 'the new member got exactly the revoked partitions');
      // KIP-429's two rebalances: the one that revokes, then the one that hands out.
      const revokedIn = since.filter((e) => e.ev === 'revoked').map((e) => e.gen);
      const handedOutIn = since.filter((e) => e.c === 'coop-2' && e.ev === 'assigned' && e.parts.length > 0).map((e) => e.gen);
      assert.ok(Math.min(...handedOutIn) > Math.max(...revokedIn),
        `revoked in generation(s) ${revokedIn.join(',')}, handed out in ${handedOutIn.join(',')}`);
      assertNoPartitionSharedInAGeneration(rec.events);
      assertExclusiveOwnershipOverTime(rec.events);
    });
});
