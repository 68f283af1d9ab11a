import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from './helpers/broker.ts';
import { assertFailure, assertSuccess } from './helpers/assertions.ts';
import { samsa, startSamsa } from './helpers/run-samsa.ts';
import { testClient, type TestClient } from './helpers/kafka.ts';

interface Lag { topic: string; partition: number; currentOffset: number | null; logEndOffset: number | null; lag: number | null; consumerId: string | null; host: string | null }
interface Described { group: string; state: string; partitions: Lag[] }

const sum = (xs: Array<number | null>): number => xs.reduce<number>((a, b) => a + (b ?? 0), 0);

describe('samsa consumer-groups and console-consumer --group', () => {
  let broker: BrokerProcess;
  let bs: string[];
  let kafka: TestClient;
  const describeJson = async (group: string): Promise<Described> => {
    const r = await samsa(['consumer-groups', '--describe', '--group', group, '--json', ...bs]);
    assertSuccess(r);
    return (JSON.parse(r.stdout) as Described[])[0]!;
  };
  before(async () => {
    broker = await startBrokerProcess({ overrides: { 'group.initial.rebalance.delay.ms': 0 } });
    bs = ['--bootstrap-server', broker.bootstrap];
    kafka = testClient(broker.bootstrap);
    // 30 events, 10 in each of three partitions.
    await kafka.createTopic('events', 3);
    for (let p = 0; p < 3; p++) await kafka.produce('events', p, Array.from({ length: 10 }, (_, i) => `event-${p * 10 + i}`));
  });
  after(async () => {
    await kafka.close();
    await broker.stop();
  });

  it('commits what a group member printed, shows the lag, and resumes from there', async () => {
    const first = await samsa(['console-consumer', '--topic', 'events', '--group', 'readers', '--from-beginning', '--max-messages', '12', ...bs]);
    assertSuccess(first);
    const firstValues = first.stdout.trimEnd().split('\n');
    assert.equal(firstValues.length, 12);

    // Only partitions the group has offsets for are shown once it has no members.
    const [text, d] = await Promise.all([samsa(['consumer-groups', '--describe', '--group', 'readers', ...bs]), describeJson('readers')]);
    assertSuccess(text);
    const lines = text.stdout.trimEnd().split('\n');
    assert.equal(lines[0], "Consumer group 'readers' has no active members.");
    assert.match(lines[1]!, /^GROUP +TOPIC +PARTITION +CURRENT-OFFSET +LOG-END-OFFSET +LAG +CONSUMER-ID +HOST +CLIENT-ID$/);
    assert.equal(d.state, 'Empty');
    assert.equal(lines.length, 2 + d.partitions.length);
    assert.equal(sum(d.partitions.map((p) => p.currentOffset)), 12);
    for (const p of d.partitions) {
      assert.match(lines.find((l) => l.startsWith(`readers  events  ${' '.repeat(8)}${p.partition}`))!, new RegExp(` ${p.currentOffset} +10 +${p.lag} +- +- +-$`));
      assert.equal(p.lag, 10 - p.currentOffset!);
      assert.equal(p.consumerId, null);
    }

    // --from-beginning only matters for partitions without a committed offset.
    const rest = await samsa(['console-consumer', '--topic', 'events', '--group', 'readers', '--from-beginning', '--timeout-ms', '1000', ...bs]);
    assertSuccess(rest);
    const restValues = rest.stdout.trimEnd().split('\n');
    assert.deepEqual([...firstValues, ...restValues].sort(), Array.from({ length: 30 }, (_, i) => `event-${i}`).sort());
    assert.deepEqual(await kafka.committed('readers', 'events', 3), [10, 10, 10]);

    const listed = await samsa(['consumer-groups', '--list', '--state', ...bs]);
    assertSuccess(listed);
    assert.match(listed.stdout, /^GROUP +STATE\n(.*\n)*readers +Empty\n/);
  });

  it('shows an active member, and refuses to reset or delete its group', async () => {
    const member = startSamsa(['console-consumer', '--topic', 'events', '--group', 'live', '--from-beginning', ...bs]);
    await member.waitFor(/^(event-\d+\n){30}$/);
    const [offsets, members, state, reset, deleted] = await Promise.all([
      describeJson('live'),
      samsa(['consumer-groups', '--describe', '--group', 'live', '--members', '--verbose', ...bs]),
      samsa(['consumer-groups', '--describe', '--group', 'live', '--state', ...bs]),
      samsa(['consumer-groups', '--reset-offsets', '--group', 'live', '--all-topics', '--to-earliest', '--execute', ...bs]),
      samsa(['consumer-groups', '--delete', '--group', 'live', ...bs]),
    ]);
    assert.equal(offsets.state, 'Stable');
    const ids = new Set(offsets.partitions.map((p) => p.consumerId));
    assert.equal(ids.size, 1);
    assert.match([...ids][0]!, /^samsa-console-consumer-/);
    assert.ok(offsets.partitions.every((p) => p.host?.includes('127.0.0.1')), JSON.stringify(offsets));
    assertSuccess(members);
    assert.match(members.stdout, /^GROUP +CONSUMER-ID +HOST +CLIENT-ID +#PARTITIONS +ASSIGNMENT\nlive +samsa-console-consumer-\S+ +\S*127\.0\.0\.1 +samsa-console-consumer +3 +events\(0,1,2\)\n$/);
    assertSuccess(state);
    assert.match(state.stdout, /^GROUP +ASSIGNMENT-STRATEGY +STATE +#MEMBERS\nlive +\S+ +Stable +1\n$/);
    assertFailure(reset, 'consumer-groups', 1, /only be reset for a group without active members: "live" is Stable with 1 member/);
    assertFailure(deleted, 'consumer-groups', 1, /NON_EMPTY_GROUP/);
    member.child.kill('SIGINT');
    const done = await member.exited();
    assertSuccess(done);
    assert.equal(done.stderr, 'Processed a total of 30 messages\n');
  });

  it('reads and describes a KIP-848 consumer group (group.protocol=consumer)', async () => {
    const member = startSamsa(['console-consumer', '--topic', 'events', '--group', 'next-gen', '--from-beginning',
      '--consumer-property', 'group.protocol=consumer', ...bs]);
    await member.waitFor(/^(event-\d+\n){30}$/);
    const [members, state, listed] = await Promise.all([
      samsa(['consumer-groups', '--describe', '--group', 'next-gen', '--members', '--verbose', ...bs]),
      samsa(['consumer-groups', '--describe', '--group', 'next-gen', '--state', ...bs]),
      samsa(['consumer-groups', '--list', '--json', ...bs]),
    ]);
    assertSuccess(members);
    assert.match(members.stdout, /^GROUP +CONSUMER-ID +HOST +CLIENT-ID +#PARTITIONS +ASSIGNMENT\nnext-gen +\S+ +\S*127\.0\.0\.1 +samsa-console-consumer +3 +events\(0,1,2\)\n$/);
    assertSuccess(state);
    assert.match(state.stdout, /^GROUP +ASSIGNMENT-STRATEGY +STATE +#MEMBERS\nnext-gen +\S+ +Stable +1\n$/);
    assertSuccess(listed);
    assert.deepEqual((JSON.parse(listed.stdout) as Array<{ group: string; type: string }>).find((g) => g.group === 'next-gen'),
      { group: 'next-gen', state: 'Stable', type: 'consumer', protocolType: 'consumer' });
    member.child.kill('SIGINT');
    assertSuccess(await member.exited());
    assert.deepEqual(await kafka.committed('next-gen', 'events', 3), [10, 10, 10]);
  });

  it('resets offsets in each of Kafka\'s ways, dry run first', async () => {
    assertSuccess(await samsa(['console-consumer', '--topic', 'events', '--group', 'resets', '--from-beginning', '--max-messages', '30', ...bs]));
    const dry = await samsa(['consumer-groups', '--reset-offsets', '--group', 'resets', '--topic', 'events', '--to-earliest', ...bs]);
    assertSuccess(dry);
    assert.match(dry.stderr, /dry run/);
    assert.match(dry.stdout, /^GROUP +TOPIC +PARTITION +NEW-OFFSET\nresets +events +0 +0\nresets +events +1 +0\nresets +events +2 +0\n$/);

    const planned = async (args: string[]): Promise<number[]> => {
      const r = await samsa(['consumer-groups', '--reset-offsets', '--group', 'resets', ...args, '--dry-run', '--json', ...bs]);
      assertSuccess(r);
      const plan = JSON.parse(r.stdout) as { executed: boolean; offsets: Array<{ partition: number; newOffset: number }> };
      assert.equal(plan.executed, false);
      return plan.offsets.map((o) => o.newOffset);
    };
    const plans = await Promise.all([
      planned(['--topic', 'events', '--to-offset', '1000']),
      planned(['--topic', 'events', '--by-duration', 'PT1H']),
      planned(['--topic', 'events', '--to-datetime', '2999-01-01T00:00:00.000']),
      planned(['--topic', 'events', '--shift-by', '-1']),
      planned(['--topic', 'events:1,2', '--to-offset', '2']),
    ]);
    assert.deepEqual(plans, [[10, 10, 10], [0, 0, 0], [10, 10, 10], [9, 9, 9], [2, 2]]);
    assert.deepEqual(await kafka.committed('resets', 'events', 3), [10, 10, 10], 'dry runs change nothing');

    const execute = async (args: string[]): Promise<number[]> => {
      assertSuccess(await samsa(['consumer-groups', '--reset-offsets', '--group', 'resets', ...args, '--execute', ...bs]));
      return kafka.committed('resets', 'events', 3);
    };
    assert.deepEqual(await execute(['--topic', 'events', '--to-earliest']), [0, 0, 0]);
    assert.deepEqual(await execute(['--all-topics', '--shift-by', '3']), [3, 3, 3]);
    assert.deepEqual(await execute(['--topic', 'events:1', '--to-latest']), [3, 10, 3]);

    const deleted = await samsa(['consumer-groups', '--delete', '--group', 'resets', ...bs]);
    assertSuccess(deleted);
    assert.equal(deleted.stdout, "Deletion of requested consumer groups ('resets') was successful.\n");
    assertFailure(await samsa(['consumer-groups', '--describe', '--group', 'resets', ...bs]), 'consumer-groups', 1,
      /consumer group "resets" does not exist/);
  });

  it('fails clearly on unknown groups and topics and on bad flags', async () => {
    const [unknownGroup, unknownTopic, noScenario, twoModes, noGroup, badDuration, deleteUnknown, unreachable] = await Promise.all([
      samsa(['consumer-groups', '--describe', '--group', 'nobody', ...bs]),
      samsa(['consumer-groups', '--reset-offsets', '--group', 'readers', '--topic', 'nowhere', '--to-earliest', ...bs]),
      samsa(['consumer-groups', '--reset-offsets', '--group', 'readers', '--topic', 'events', ...bs]),
      samsa(['consumer-groups', '--reset-offsets', '--group', 'readers', '--topic', 'events', '--to-latest', '--dry-run', '--execute', ...bs]),
      samsa(['consumer-groups', '--describe', ...bs]),
      samsa(['consumer-groups', '--reset-offsets', '--group', 'readers', '--topic', 'events', '--by-duration', '1 hour', ...bs]),
      samsa(['consumer-groups', '--delete', '--group', 'nobody', ...bs]),
      samsa(['consumer-groups', '--list', '--bootstrap-server', '127.0.0.1:1', '--connect-timeout-ms', '300']),
    ]);
    assertFailure(unknownGroup, 'consumer-groups', 1, /consumer group "nobody" does not exist/);
    assertFailure(unknownTopic, 'consumer-groups', 1, /topic "nowhere" does not exist/);
    assertFailure(noScenario, 'consumer-groups', 2, /needs exactly one of --to-earliest/);
    assertFailure(twoModes, 'consumer-groups', 2, /--dry-run and --execute exclude each other/);
    assertFailure(noGroup, 'consumer-groups', 2, /--describe needs --group or --all-groups/);
    assertFailure(badDuration, 'consumer-groups', 2, /not an ISO-8601 duration/);
    assertFailure(deleteUnknown, 'consumer-groups', 1, /GROUP_ID_NOT_FOUND/);
    assertFailure(unreachable, 'consumer-groups', 1, /cannot reach a broker: tried 127\.0\.0\.1:1/);
  });
});
