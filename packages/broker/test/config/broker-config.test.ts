import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SamsaError } from '@samsa/protocol';
import {
  type BrokerConfig,
  envVarFor,
  loadBrokerConfig,
  type LoadBrokerConfigOptions,
  parseOverride,
} from '../../src/config/broker-config.ts';
import { ConfigError, type ConfigProblem } from '../../src/config/config-error.ts';
import { LONG_MAX, Password } from '../../src/config/config-key.ts';
import { brokerConfigEntries, brokerConfigs, type BrokerConfigName } from '../../src/config/config-table.ts';

const dir = mkdtempSync(join(tmpdir(), 'samsa-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function propertiesFile(text: string): string {
  const path = join(dir, `server-${++files}.properties`);
  writeFileSync(path, text);
  return path;
}

function load(overrides: Record<string, string>, options: Omit<LoadBrokerConfigOptions, 'overrides'> = {}): BrokerConfig {
  return loadBrokerConfig({ ...options, overrides });
}

function problemsOf(fn: () => unknown): readonly ConfigProblem[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

function rejects(overrides: Record<string, string>, key: string, pattern?: RegExp): ConfigError {
  try {
    load(overrides);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'SAMSA_ERR_CONFIG_INVALID');
    assert.ok(err.problems.some((problem) => problem.key === key), `no problem names ${key}: ${err.message}`);
    assert.ok(err.message.includes(key), err.message);
    if (pattern !== undefined) assert.match(err.message, pattern);
    return err;
  }
  assert.fail(`expected ${JSON.stringify(overrides)} to be refused`);
}

describe('loadBrokerConfig defaults', () => {
  it('runs with nothing given: loopback listener, ./data, Kafka\'s defaults with typed values', () => {
    const config = loadBrokerConfig();
    assert.deepEqual(config.get('listeners'), [{ name: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }]);
    assert.deepEqual(config.get('log.dirs'), ['./data']);
    assert.equal(config.get('num.partitions'), 1);
    assert.equal(config.get('auto.create.topics.enable'), true);
    assert.equal(config.get('log.segment.bytes'), 1073741824);
    assert.equal(config.get('message.max.bytes'), 1048588);
    assert.equal(config.get('log.flush.interval.messages'), LONG_MAX);
    assert.equal(config.get('log.cleaner.min.cleanable.ratio'), 0.5);
    assert.deepEqual(config.get('log.cleanup.policy'), ['delete']);
    assert.equal(config.get('log.message.timestamp.type'), 'CreateTime');
    assert.equal(config.get('cluster.id'), null);
    assert.equal(config.get('node.id'), 1);
    assert.equal(config.get('broker.id'), 1);
    assert.equal(config.logRetentionMs, 168 * 3_600_000);
    assert.equal(config.logRollMs, 168 * 3_600_000);
    assert.equal(config.interBrokerListenerName, 'PLAINTEXT');
    assert.deepEqual(config.warnings, []);
  });

  it('does not read process.env unless given it', () => {
    process.env['SAMSA_NUM_PARTITIONS'] = '7';
    try {
      assert.equal(loadBrokerConfig().get('num.partitions'), 1);
      assert.equal(loadBrokerConfig({ env: process.env }).get('num.partitions'), 7);
    } finally {
      delete process.env['SAMSA_NUM_PARTITIONS'];
    }
  });
});

describe('loadBrokerConfig sources and precedence', () => {
  const file = propertiesFile('# a broker\nnum.partitions=2\nlog.dirs = /tmp/a , /tmp/b\ndefault.replication.factor: 1\n');

  it('reads a server.properties file', () => {
    const config = loadBrokerConfig({ file });
    assert.equal(config.get('num.partitions'), 2);
    assert.deepEqual(config.get('log.dirs'), ['/tmp/a', '/tmp/b']);
    assert.deepEqual(config.originOf('num.partitions'), { kind: 'file', file, line: 2 });
    assert.deepEqual(config.originOf('node.id'), { kind: 'default' });
  });

  it('file < environment < --override', () => {
    const env = { SAMSA_NUM_PARTITIONS: '3', PATH: '/bin' };
    assert.equal(loadBrokerConfig({ file, env }).get('num.partitions'), 3);
    assert.deepEqual(loadBrokerConfig({ file, env }).originOf('num.partitions'), { kind: 'env', variable: 'SAMSA_NUM_PARTITIONS' });
    const overridden = loadBrokerConfig({ file, env, overrides: { 'num.partitions': '4' } });
    assert.equal(overridden.get('num.partitions'), 4);
    assert.deepEqual(overridden.originOf('num.partitions'), { kind: 'override' });
    assert.deepEqual(overridden.get('log.dirs'), ['/tmp/a', '/tmp/b']);
  });

  it('only the value in force is validated: a bad file value overridden by a good flag is fine', () => {
    const bad = propertiesFile('num.partitions=zero\n');
    assert.equal(loadBrokerConfig({ file: bad, overrides: { 'num.partitions': '5' } }).get('num.partitions'), 5);
  });

  it('overrides as pairs: the last of a key wins', () => {
    const config = loadBrokerConfig({ overrides: [['num.partitions', '2'], ['num.partitions', '6']] });
    assert.equal(config.get('num.partitions'), 6);
  });

  it('maps SAMSA_ variables to keys by upper-casing with dots as underscores', () => {
    assert.equal(envVarFor('log.retention.ms'), 'SAMSA_LOG_RETENTION_MS');
    const config = loadBrokerConfig({ env: { SAMSA_LOG_DIRS: '/x,/y', SAMSA_AUTO_CREATE_TOPICS_ENABLE: 'false', SAMSA_LOG_LEVEL: 'debug' } });
    assert.deepEqual(config.get('log.dirs'), ['/x', '/y']);
    assert.equal(config.get('auto.create.topics.enable'), false);
  });

  it('refuses a SAMSA_ variable that names no key, suggesting the close one', () => {
    const [problem] = problemsOf(() => loadBrokerConfig({ env: { SAMSA_NUM_PARTITONS: '3' } }));
    assert.equal(problem?.key, 'SAMSA_NUM_PARTITONS');
    assert.match(problem?.reason ?? '', /SAMSA_NUM_PARTITIONS \(num\.partitions\)/);
  });

  it('warns when the file sets a key twice, and the later line wins', () => {
    const config = loadBrokerConfig({ file: propertiesFile('num.partitions=2\nnum.partitions=3\n') });
    assert.equal(config.get('num.partitions'), 3);
    assert.match(config.warnings.join('\n'), /num\.partitions is set twice .*lines 1 and 2/);
  });

  it('trims values as Kafka does', () => {
    assert.equal(load({ 'num.partitions': '  8  ', 'log.message.timestamp.type': ' LogAppendTime ' }).get('num.partitions'), 8);
  });

  it('parseOverride splits at the first =', () => {
    assert.deepEqual(parseOverride('listeners=PLAINTEXT://127.0.0.1:19092'), ['listeners', 'PLAINTEXT://127.0.0.1:19092']);
    assert.deepEqual(parseOverride('a=b=c'), ['a', 'b=c']);
    assert.throws(() => parseOverride('novalue'), ConfigError);
  });
});

describe('loadBrokerConfig errors', () => {
  it('is a SamsaError with code SAMSA_ERR_CONFIG_INVALID', () => {
    const err = rejects({ 'num.partitions': 'x' }, 'num.partitions');
    // The brand makes it one of Samsa's errors before its code joins the shared registry.
    assert.equal(err instanceof SamsaError, true);
    assert.equal(err.code, 'SAMSA_ERR_CONFIG_INVALID');
  });

  it('names the key, the bad value, file and line, and what is allowed', () => {
    const file = propertiesFile('# header\n\nlog.segment.bytes=12\n');
    assert.throws(() => loadBrokerConfig({ file }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /log\.segment\.bytes = "12" \(from .*server-\d+\.properties:3\): not at least 14; allowed: an int, at least 14/);
      return true;
    });
  });

  it('names the environment variable and the flag as sources', () => {
    assert.throws(() => loadBrokerConfig({ env: { SAMSA_NUM_PARTITIONS: 'many' } }), /num\.partitions = "many" \(from environment variable SAMSA_NUM_PARTITIONS\)/);
    assert.throws(() => load({ 'num.partitions': 'many' }), /num\.partitions = "many" \(from --override\)/);
  });

  it('refuses unknown keys, suggesting the close one', () => {
    const err = rejects({ 'log.retention.hour': '1' }, 'log.retention.hour', /unknown config key; did you mean log\.retention\.hours\?/);
    assert.equal(err.problems.length, 1);
  });

  it('explains Kafka keys Samsa has no use for', () => {
    rejects({ 'zookeeper.connect': 'localhost:2181' }, 'zookeeper.connect', /ZooKeeper/);
    rejects({ 'process.roles': 'broker,controller' }, 'process.roles', /KRaft/);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf(() => load({ 'num.partitions': '0', 'nope.nope': '1', 'delete.topic.enable': 'yes' }));
    assert.deepEqual(problems.map((problem) => problem.key).sort(), ['delete.topic.enable', 'nope.nope', 'num.partitions']);
  });

  it('a missing file is a ConfigError naming the file', () => {
    assert.throws(() => loadBrokerConfig({ file: join(dir, 'missing.properties') }), /cannot read config file .*missing\.properties \(ENOENT\)/);
  });

  it('a malformed escape in the file names file and line', () => {
    assert.throws(() => loadBrokerConfig({ file: propertiesFile('a=1\nb=\\uZZZZ\n') }), /server-\d+\.properties:2/);
  });

  it('never echoes a password', () => {
    const [problem] = problemsOf(() => load({ 'ssl.keystore.password': 'hunter2', 'ssl.client.auth': 'sometimes' }).get('node.id'));
    assert.equal(problem?.key, 'ssl.client.auth');
    const config = load({ 'ssl.keystore.password': 'hunter2' });
    const secret = config.get('ssl.keystore.password');
    assert.ok(secret instanceof Password);
    assert.equal(secret.reveal(), 'hunter2');
    assert.equal(String(secret), '[hidden]');
    assert.equal(JSON.stringify({ secret }), '{"secret":"[hidden]"}');
  });
});

describe('every key refuses a value of the wrong type', () => {
  const wrong: Record<string, string | undefined> = {
    boolean: 'maybe',
    int: '1.5',
    short: '40000',
    long: '9223372036854775808',
    double: 'half',
    list: 'a,,b',
    class: 'com.example.Policy',
  };
  for (const [name, key] of brokerConfigEntries) {
    let bad = wrong[key.type];
    // Every validated string key refuses punctuation, except log.dir, whose only rule is non-empty.
    if (key.type === 'string' && key.validValues !== '' && name !== 'log.dir') bad = '!not valid!';
    if (name === 'listener.security.protocol.map') bad = 'A:TLS';
    if (bad === undefined) continue;
    it(`${name} refuses ${JSON.stringify(bad)}`, () => {
      rejects({ [name]: bad }, name, /allowed: /);
    });
  }
});

describe('every range validator refuses the first value outside it', () => {
  for (const [name, key] of brokerConfigEntries) {
    const atLeast = /^at least (-?\d+)$/.exec(key.validValues);
    const between = /^between (-?[\d.]+) and (-?[\d.]+)$/.exec(key.validValues);
    if (atLeast !== null) {
      const bad = String(Number(atLeast[1]) - 1);
      it(`${name} refuses ${bad}`, () => {
        rejects({ [name]: bad }, name, new RegExp(`not ${key.validValues}`));
      });
    }
    if (between !== null) {
      const step = key.type === 'double' ? 0.25 : 1;
      for (const bad of [String(Number(between[1]) - step), String(Number(between[2]) + step)]) {
        it(`${name} refuses ${bad}`, () => {
          rejects({ [name]: bad }, name, /not between/);
        });
      }
    }
  }

  it('refuses the rest of the custom validators', () => {
    rejects({ 'compression.gzip.level': '0' }, 'compression.gzip.level', /-1, or between 1 and 9/);
    rejects({ 'compression.type': 'brotli' }, 'compression.type', /one of uncompressed, zstd, lz4, snappy, gzip, producer/);
    rejects({ 'log.cleanup.policy': 'delete,archive' }, 'log.cleanup.policy', /"archive" is not one of compact, delete/);
    rejects({ 'cluster.id': 'my-cluster' }, 'cluster.id', /22 characters of base64url/);
    rejects({ 'log.dirs': '' }, 'log.dirs', /at least one directory/);
    rejects({ 'log.dir': '' }, 'log.dir', /non-empty path/);
    rejects({ 'create.topic.policy.class.name': 'a.B' }, 'create.topic.policy.class.name', /does not load Java classes/);
    rejects({ 'inter.broker.listener.name': 'not a name' }, 'inter.broker.listener.name');
    rejects({ 'log.message.timestamp.type': 'createtime' }, 'log.message.timestamp.type', /CreateTime, LogAppendTime/);
  });

  it('accepts the edges', () => {
    const config = load({
      'compression.gzip.level': '-1',
      'compression.zstd.level': '-131072',
      'log.cleaner.min.cleanable.ratio': '1',
      'log.segment.bytes': '14',
      'log.retention.bytes': '-1',
      'log.flush.interval.messages': '9223372036854775807',
      'cluster.id': 'MkU3OEVBNTcwNTJENDM2Qg',
      'log.cleanup.policy': 'compact, delete',
    });
    assert.equal(config.get('log.flush.interval.messages'), LONG_MAX);
    assert.deepEqual(config.get('log.cleanup.policy'), ['compact', 'delete']);
    assert.equal(config.get('cluster.id'), 'MkU3OEVBNTcwNTJENDM2Qg');
  });
});

describe('retention: log.retention.ms > log.retention.minutes > log.retention.hours', () => {
  const cases: Array<[Record<string, string>, number]> = [
    [{}, 168 * 3_600_000],
    [{ 'log.retention.hours': '24' }, 24 * 3_600_000],
    [{ 'log.retention.hours': '24', 'log.retention.minutes': '30' }, 30 * 60_000],
    [{ 'log.retention.hours': '24', 'log.retention.minutes': '30', 'log.retention.ms': '1000' }, 1000],
    [{ 'log.retention.ms': '1000' }, 1000],
    [{ 'log.retention.hours': '-1' }, -1],
    [{ 'log.retention.ms': '-1', 'log.retention.hours': '5' }, -1],
  ];
  for (const [overrides, expected] of cases) {
    it(`${JSON.stringify(overrides)} → ${expected} ms`, () => assert.equal(load(overrides).logRetentionMs, expected));
  }

  it('refuses a retention of zero in whichever unit sets it', () => {
    rejects({ 'log.retention.minutes': '0' }, 'log.retention.minutes', /retention of 0/);
    rejects({ 'log.retention.ms': '0', 'log.retention.hours': '1' }, 'log.retention.ms', /retention of 0/);
  });

  it('log.roll.ms over log.roll.hours, log.flush.interval.ms over the scheduler interval', () => {
    const config = load({ 'log.roll.hours': '2', 'log.roll.jitter.hours': '1', 'log.flush.scheduler.interval.ms': '500' });
    assert.equal(config.logRollMs, 2 * 3_600_000);
    assert.equal(config.logRollJitterMs, 3_600_000);
    assert.equal(config.logFlushIntervalMs, 500);
    const precise = load({ 'log.roll.hours': '2', 'log.roll.ms': '60000', 'log.roll.jitter.ms': '7', 'log.flush.interval.ms': '10' });
    assert.equal(precise.logRollMs, 60000);
    assert.equal(precise.logRollJitterMs, 7);
    assert.equal(precise.logFlushIntervalMs, 10);
  });
});

describe('cross-field checks', () => {
  it('listener names must be in listener.security.protocol.map', () => {
    rejects({ listeners: 'INTERNAL://127.0.0.1:9092' }, 'listeners', /INTERNAL is not in listener\.security\.protocol\.map/);
    const config = load({
      listeners: 'INTERNAL://127.0.0.1:9092,EXTERNAL://:9093',
      'listener.security.protocol.map': 'INTERNAL:PLAINTEXT,EXTERNAL:SSL',
      'inter.broker.listener.name': 'internal',
    });
    assert.deepEqual(config.get('listeners').map((l) => [l.name, l.securityProtocol]), [['INTERNAL', 'PLAINTEXT'], ['EXTERNAL', 'SSL']]);
    assert.equal(config.interBrokerListenerName, 'INTERNAL');
  });

  it('the inter-broker listener must be advertised', () => {
    rejects(
      { listeners: 'INTERNAL://127.0.0.1:9092', 'listener.security.protocol.map': 'INTERNAL:PLAINTEXT' },
      'security.inter.broker.protocol',
      /PLAINTEXT, which is not advertised.*set inter\.broker\.listener\.name/,
    );
    rejects({ 'inter.broker.listener.name': 'SSL' }, 'inter.broker.listener.name', /not advertised/);
    rejects(
      { 'inter.broker.listener.name': 'PLAINTEXT', 'security.inter.broker.protocol': 'PLAINTEXT' },
      'inter.broker.listener.name',
      /only one of/,
    );
  });

  it('advertised.listeners must name listeners that exist, with reachable addresses', () => {
    rejects({ 'advertised.listeners': 'SSL://broker:9093' }, 'advertised.listeners', /SSL is not in listeners/);
    rejects({ 'advertised.listeners': 'PLAINTEXT://0.0.0.0:9092' }, 'advertised.listeners', /wildcard address/);
    rejects({ 'advertised.listeners': 'PLAINTEXT://broker:0' }, 'advertised.listeners', /port 0 cannot be advertised/);
    const config = load({ listeners: 'PLAINTEXT://:9092', 'advertised.listeners': 'PLAINTEXT://broker.example.com:19092' });
    assert.deepEqual(config.advertisedListeners(), [{ name: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'broker.example.com', port: 19092 }]);
  });

  it('a wildcard listener needs advertised.listeners; an empty host advertises the host name', () => {
    rejects({ listeners: 'PLAINTEXT://0.0.0.0:9092' }, 'listeners', /wildcard address 0\.0\.0\.0/);
    load({ listeners: 'PLAINTEXT://0.0.0.0:9092', 'advertised.listeners': 'PLAINTEXT://broker:9092' });
    const config = load({ listeners: 'PLAINTEXT://:0' });
    assert.deepEqual(config.advertisedListeners(new Map([['PLAINTEXT', 40123]])), [
      { name: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: hostname(), port: 40123 },
    ]);
  });

  it('listener names and addresses are distinct; port 0 may repeat', () => {
    rejects({ listeners: 'PLAINTEXT://:9092,plaintext://:9093' }, 'listeners', /PLAINTEXT appears twice/);
    rejects(
      { listeners: 'PLAINTEXT://:9092,SSL://:9092', 'inter.broker.listener.name': 'PLAINTEXT' },
      'listeners',
      /both bind :9092/,
    );
    load({ listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0' });
    rejects({ listeners: '' }, 'listeners', /no listener given/);
  });

  it('node.id and broker.id: either one names the broker, both must agree', () => {
    const byBrokerId = load({ 'broker.id': '5' });
    assert.equal(byBrokerId.get('node.id'), 5);
    assert.equal(byBrokerId.get('broker.id'), 5);
    assert.equal(load({ 'node.id': '3', 'broker.id': '3' }).get('node.id'), 3);
    assert.equal(load({ 'node.id': '3', 'broker.id': '-1' }).get('broker.id'), 3);
    rejects({ 'node.id': '3', 'broker.id': '4' }, 'broker.id', /disagrees with node\.id = 3/);
  });

  it('log.dir is used only when log.dirs is not set', () => {
    assert.deepEqual(load({ 'log.dir': '/srv/kafka' }).get('log.dirs'), ['/srv/kafka']);
    const both = load({ 'log.dir': '/srv/kafka', 'log.dirs': '/a' });
    assert.deepEqual(both.get('log.dirs'), ['/a']);
    assert.match(both.warnings.join('\n'), /log\.dir is ignored/);
    rejects({ 'log.dirs': '/a,/b/../a' }, 'log.dirs', /same directory/);
  });

  it('other pairs that must be ordered', () => {
    rejects({ 'group.min.session.timeout.ms': '10000', 'group.max.session.timeout.ms': '9000' }, 'group.min.session.timeout.ms', /above group\.max\.session\.timeout\.ms = 9000/);
    rejects({ 'log.cleaner.min.compaction.lag.ms': '10', 'log.cleaner.max.compaction.lag.ms': '5' }, 'log.cleaner.min.compaction.lag.ms');
    rejects({ 'queued.max.request.bytes': '1000' }, 'queued.max.request.bytes', /below socket\.request\.max\.bytes/);
    rejects({ 'replica.fetch.wait.max.ms': '40000' }, 'replica.fetch.wait.max.ms', /replica\.lag\.time\.max\.ms/);
  });

  it('min.insync.replicas above default.replication.factor is a warning, not an error', () => {
    const config = load({ 'min.insync.replicas': '2' });
    assert.equal(config.get('min.insync.replicas'), 2);
    assert.match(config.warnings.join('\n'), /min\.insync\.replicas \(2\) is above default\.replication\.factor \(1\)/);
  });
});

describe('typed access', () => {
  it('get() returns the type the table declares', () => {
    const config = load({ 'log.retention.ms': '5000', 'compression.type': 'zstd' });
    const retention: number | null = config.get('log.retention.ms');
    const compression: 'uncompressed' | 'zstd' | 'lz4' | 'snappy' | 'gzip' | 'producer' = config.get('compression.type');
    const dirs: readonly string[] = config.get('log.dirs');
    assert.equal(retention, 5000);
    assert.equal(compression, 'zstd');
    assert.ok(Array.isArray(dirs));
  });

  it('every key has a value after loading', () => {
    const config = loadBrokerConfig();
    for (const name of Object.keys(brokerConfigs) as BrokerConfigName[]) {
      assert.ok(config.get(name) !== undefined, name);
    }
  });
});
