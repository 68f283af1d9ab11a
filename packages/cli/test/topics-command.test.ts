import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from './helpers/broker.ts';
import { assertFailure, assertSuccess } from './helpers/assertions.ts';
import { samsa } from './helpers/run-samsa.ts';

describe('samsa topics', () => {
  let broker: BrokerProcess;
  let bs: string[];
  before(async () => {
    broker = await startBrokerProcess();
    bs = ['--bootstrap-server', broker.bootstrap];
  });
  after(async () => { await broker.stop(); });

  it('creates, lists, describes (table and JSON), alters and deletes a topic', async () => {
    const created = await samsa(['topics', '--create', '--topic', 'orders', '--partitions', '3', '--replication-factor', '1',
      '--config', 'retention.ms=3600000', '--config', 'cleanup.policy=compact', ...bs]);
    assertSuccess(created);
    assert.equal(created.stdout, 'Created topic orders.\n');

    const [listed, described] = await Promise.all([
      samsa(['topics', '--list', ...bs]),
      samsa(['topics', '--describe', '--topic', 'orders', ...bs]),
    ]);
    assertSuccess(listed);
    assert.ok(listed.stdout.split('\n').includes('orders'), listed.stdout);

    assertSuccess(described);
    const lines = described.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^Topic: orders {2}TopicId: [0-9a-f-]{36} {2}PartitionCount: 3 {2}ReplicationFactor: 1 {2}Configs: cleanup\.policy=compact,retention\.ms=3600000$/);
    assert.match(lines[1]!, /^PARTITION\s+LEADER\s+REPLICAS\s+ISR$/);
    assert.deepEqual(lines.slice(2).map((l) => l.trim().split(/\s+/)), [['0', '1', '1', '1'], ['1', '1', '1', '1'], ['2', '1', '1', '1']]);

    const altered = await samsa(['topics', '--alter', '--topic', 'orders', '--partitions', '5', ...bs]);
    assertSuccess(altered);
    assert.equal(altered.stdout, 'Topic orders now has 5 partitions (was 3).\n');

    const [json, piped, coloured] = await Promise.all([
      samsa(['topics', '--describe', '--topic', 'ord.*', '--json', ...bs]),
      samsa(['topics', '--describe', '--topic', 'orders', ...bs], { env: { NO_COLOR: undefined, FORCE_COLOR: undefined } }),
      samsa(['topics', '--describe', '--topic', 'orders', ...bs], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } }),
    ]);
    // Colour only where it can be shown: not into a pipe, unless forced.
    assert.ok(!piped.stdout.includes('\x1b['), piped.stdout);
    assert.ok(coloured.stdout.includes('\x1b[1mTopic:\x1b[22m orders'), coloured.stdout);
    assertSuccess(json);
    const [topic] = JSON.parse(json.stdout) as Array<{ name: string; partitionCount: number; configs: Record<string, string>; partitions: Array<{ leader: number; isr: number[] }> }>;
    assert.equal(topic!.name, 'orders');
    assert.equal(topic!.partitionCount, 5);
    assert.deepEqual(topic!.configs, { 'cleanup.policy': 'compact', 'retention.ms': '3600000' });
    assert.deepEqual(topic!.partitions.map((p) => [p.leader, p.isr]), Array(5).fill([1, [1]]));

    const deleted = await samsa(['topics', '--delete', '--topic', 'orders', ...bs]);
    assertSuccess(deleted);
    assert.equal(deleted.stdout, 'Deleted topic orders.\n');
    const after = await samsa(['topics', '--list', '--json', ...bs]);
    assert.ok(!(JSON.parse(after.stdout) as string[]).includes('orders'));
  });

  it('says why a create is refused, and --if-not-exists makes an existing topic fine', async () => {
    assertSuccess(await samsa(['topics', '--create', '--topic', 'twice', ...bs]));
    const [dup, again, wide, badName, shrink] = await Promise.all([
      samsa(['topics', '--create', '--topic', 'twice', ...bs]),
      samsa(['topics', '--create', '--topic', 'twice', '--if-not-exists', ...bs]),
      samsa(['topics', '--create', '--topic', 'wide', '--replication-factor', '3', ...bs]),
      samsa(['topics', '--create', '--topic', 'bad name', ...bs]),
      samsa(['topics', '--alter', '--topic', 'twice', '--partitions', '1', ...bs]),
    ]);
    assertFailure(dup, 'topics', 1, /TOPIC_ALREADY_EXISTS/);
    assertSuccess(again);
    assert.equal(again.stdout, '');
    assertFailure(wide, 'topics', 1, /INVALID_REPLICATION_FACTOR/);
    assertFailure(badName, 'topics', 2, /not a legal topic name/);
    assertFailure(shrink, 'topics', 1, /already has 1 partitions/);
  });

  it('fails on an unknown topic, and --if-exists turns that into nothing to do', async () => {
    const [describeMissing, deleteMissing, quiet] = await Promise.all([
      samsa(['topics', '--describe', '--topic', 'no-such-topic', ...bs]),
      samsa(['topics', '--delete', '--topic', 'no-such-topic', ...bs]),
      samsa(['topics', '--delete', '--topic', 'no-such-topic', '--if-exists', ...bs]),
    ]);
    assertFailure(describeMissing, 'topics', 1, /topic "no-such-topic" does not exist/);
    assertFailure(deleteMissing, 'topics', 1, /does not exist/);
    assertSuccess(quiet);
    assert.equal(quiet.stdout, '');
  });

  it('rejects invalid flags and missing or conflicting actions with exit code 2', async () => {
    const [typo, none, two, many, alter] = await Promise.all([
      samsa(['topics', '--list', '--topc', 'x', ...bs]),
      samsa(['topics', ...bs]),
      samsa(['topics', '--list', '--delete', ...bs]),
      samsa(['topics', '--create', '--topic', 't', '--partitions', 'many', ...bs]),
      samsa(['topics', '--alter', '--topic', 't', ...bs]),
    ]);
    assertFailure(typo, 'topics', 2, /unknown option '--topc'.*--topic/);
    assertFailure(none, 'topics', 2, /exactly one of --create, --list/);
    assertFailure(two, 'topics', 2, /got --list and --delete/);
    assertFailure(many, 'topics', 2, /--partitions/);
    assertFailure(alter, 'topics', 2, /--alter needs --partitions/);
  });

  it('names the address it tried and for how long when no broker answers', async () => {
    const started = performance.now();
    const r = await samsa(['topics', '--list', '--bootstrap-server', '127.0.0.1:1', '--connect-timeout-ms', '600']);
    assertFailure(r, 'topics', 1, /cannot reach a broker: tried 127\.0\.0\.1:1 \(ECONNREFUSED\) for 0\.[6-9] s/);
    assert.ok(performance.now() - started < 10_000);
  });

  it('prints help with Kafka\'s flag names', async () => {
    const r = await samsa(['topics', '--help']);
    assertSuccess(r);
    for (const flag of ['--bootstrap-server', '--create', '--replication-factor', '--if-not-exists', '--config']) assert.ok(r.stdout.includes(flag), flag);
  });
});
