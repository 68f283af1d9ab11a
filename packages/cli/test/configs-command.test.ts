import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from './helpers/broker.ts';
import { assertFailure, assertSuccess } from './helpers/assertions.ts';
import { samsa } from './helpers/run-samsa.ts';

interface Described { entityType: string; entityName: string; configs: Array<{ name: string; value: string | null; source: string }> }

describe('samsa configs', () => {
  let broker: BrokerProcess;
  let bs: string[];
  before(async () => {
    broker = await startBrokerProcess();
    bs = ['--bootstrap-server', broker.bootstrap];
    assertSuccess(await samsa(['topics', '--create', '--topic', 'settings', ...bs]));
  });
  after(async () => { await broker.stop(); });

  it('adds, shows and deletes topic overrides', async () => {
    const altered = await samsa(['configs', '--alter', '--entity-type', 'topics', '--entity-name', 'settings',
      '--add-config', 'retention.ms=60000,cleanup.policy=[compact,delete]', '--add-config', 'max.message.bytes=2048', ...bs]);
    assertSuccess(altered);
    assert.equal(altered.stdout, 'Completed updating config for topic settings.\n');

    const shown = await samsa(['configs', '--describe', '--entity-type', 'topics', '--entity-name', 'settings', ...bs]);
    assertSuccess(shown);
    assert.deepEqual(shown.stdout.trimEnd().split('\n').map((l) => l.trim().split(/\s+/)), [
      ['Dynamic', 'configs', 'for', 'topic', 'settings', 'are:'],
      ['NAME', 'VALUE', 'SOURCE'],
      ['cleanup.policy', 'compact,delete', 'DYNAMIC_TOPIC_CONFIG'],
      ['max.message.bytes', '2048', 'DYNAMIC_TOPIC_CONFIG'],
      ['retention.ms', '60000', 'DYNAMIC_TOPIC_CONFIG'],
    ]);

    assertSuccess(await samsa(['configs', '--alter', '--topic', 'settings', '--delete-config', 'retention.ms,max.message.bytes', ...bs]));
    const all = await samsa(['configs', '--describe', '--topic', 'settings', '--all', '--json', ...bs]);
    assertSuccess(all);
    const [d] = JSON.parse(all.stdout) as Described[];
    const byName = new Map(d!.configs.map((c) => [c.name, c]));
    assert.deepEqual(byName.get('cleanup.policy'), { name: 'cleanup.policy', value: 'compact,delete', source: 'DYNAMIC_TOPIC_CONFIG', readOnly: false, sensitive: false });
    assert.equal(byName.get('retention.ms')?.source, 'DEFAULT_CONFIG');
    assert.equal(byName.get('max.message.bytes')?.source, 'DEFAULT_CONFIG');
  });

  it('alters a broker and the cluster-wide broker default', async () => {
    assertSuccess(await samsa(['configs', '--alter', '--entity-type', 'brokers', '--entity-name', '1', '--add-config', 'log.cleaner.threads=2', ...bs]));
    const defaults = await samsa(['configs', '--alter', '--entity-type', 'brokers', '--entity-default', '--add-config', 'log.retention.ms=7200000', ...bs]);
    assertSuccess(defaults);
    assert.equal(defaults.stdout, 'Completed updating default config for brokers in the cluster.\n');

    const [one, cluster] = await Promise.all([
      samsa(['configs', '--describe', '--broker', '1', '--json', ...bs]),
      samsa(['configs', '--describe', '--broker-defaults', ...bs]),
    ]);
    assertSuccess(one);
    assert.deepEqual((JSON.parse(one.stdout) as Described[])[0]!.configs.map((c) => [c.name, c.value, c.source]), [
      ['log.cleaner.threads', '2', 'DYNAMIC_BROKER_CONFIG'],
      ['log.retention.ms', '7200000', 'DYNAMIC_DEFAULT_BROKER_CONFIG'],
    ]);
    assertSuccess(cluster);
    assert.match(cluster.stdout, /^Dynamic configs for brokers \(cluster-wide default\) are:\nNAME +VALUE +SOURCE\nlog\.retention\.ms +7200000 +DYNAMIC_DEFAULT_BROKER_CONFIG\n$/);
  });

  it('fails on an unknown topic, an unknown key, a bad value and bad flags', async () => {
    const [unknownTopic, unknownKey, badValue, badType, both, noName, unreachable] = await Promise.all([
      samsa(['configs', '--describe', '--topic', 'no-such-topic', ...bs]),
      samsa(['configs', '--alter', '--topic', 'settings', '--add-config', 'no.such.key=1', ...bs]),
      samsa(['configs', '--alter', '--topic', 'settings', '--add-config', 'retention.ms=soon', ...bs]),
      samsa(['configs', '--describe', '--entity-type', 'users', ...bs]),
      samsa(['configs', '--describe', '--alter', '--topic', 'settings', ...bs]),
      samsa(['configs', '--alter', '--entity-type', 'topics', '--add-config', 'retention.ms=1', ...bs]),
      samsa(['configs', '--describe', '--topic', 'settings', '--bootstrap-server', '127.0.0.1:1', '--connect-timeout-ms', '300']),
    ]);
    assertFailure(unknownTopic, 'configs', 1, /topic "no-such-topic" does not exist/);
    assertFailure(unknownKey, 'configs', 1, /INVALID_CONFIG: .*no\.such\.key/);
    assertFailure(badValue, 'configs', 1, /INVALID_CONFIG: .*retention\.ms/);
    assertFailure(badType, 'configs', 2, /'users' is invalid.*topics, brokers/);
    assertFailure(both, 'configs', 2, /exactly one of --describe, --alter/);
    assertFailure(noName, 'configs', 2, /--alter needs --entity-name/);
    assertFailure(unreachable, 'configs', 1, /cannot reach a broker: tried 127\.0\.0\.1:1 \(ECONNREFUSED\) for 0\.\d s/);
  });
});
