import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import { AlterConfigOpType } from '../../src/config/alter-config-op.ts';
import { type BrokerConfig, type ConfigChange, loadBrokerConfig } from '../../src/config/broker-config.ts';
import { ConfigSource, ConfigType, type ConfigEntryDescription } from '../../src/config/config-key.ts';

const { SET, DELETE, APPEND, SUBTRACT } = AlterConfigOpType;

function entry(config: BrokerConfig, name: string): ConfigEntryDescription {
  const [found] = config.describe([name]);
  assert.ok(found, `no entry for ${name}`);
  return found;
}

describe('describe()', () => {
  it('lists every key by default and skips names it does not know', () => {
    const config = loadBrokerConfig();
    assert.ok(config.describe().length > 100);
    assert.deepEqual(config.describe(['num.partitions', 'no.such.key']).map((e) => e.name), ['num.partitions']);
  });

  it('a default value: DEFAULT_CONFIG, isDefault, Kafka type code, doc, one default synonym', () => {
    const described = entry(loadBrokerConfig(), 'num.partitions');
    assert.deepEqual(described, {
      name: 'num.partitions',
      value: '1',
      source: ConfigSource.DEFAULT_CONFIG,
      readOnly: true,
      isDefault: true,
      isSensitive: false,
      type: ConfigType.INT,
      documentation: described.documentation,
      synonyms: [{ name: 'num.partitions', value: '1', source: ConfigSource.DEFAULT_CONFIG }],
    });
    assert.ok(described.documentation.length > 10);
  });

  it('a static value: STATIC_BROKER_CONFIG, then the default as a synonym', () => {
    const described = entry(loadBrokerConfig({ overrides: { 'num.partitions': '3' } }), 'num.partitions');
    assert.equal(described.value, '3');
    assert.equal(described.source, ConfigSource.STATIC_BROKER_CONFIG);
    assert.equal(described.isDefault, false);
    assert.deepEqual(described.synonyms.map((s) => [s.name, s.value, s.source]), [
      ['num.partitions', '3', ConfigSource.STATIC_BROKER_CONFIG],
      ['num.partitions', '1', ConfigSource.DEFAULT_CONFIG],
    ]);
  });

  it('prints values as Kafka does: lists joined, longs at their extremes, doubles with a point, null for unset', () => {
    const config = loadBrokerConfig({ overrides: { 'log.dirs': '/a, /b', listeners: 'PLAINTEXT://[::1]:0' } });
    assert.equal(entry(config, 'log.dirs').value, '/a,/b');
    assert.equal(entry(config, 'log.dirs').type, ConfigType.LIST);
    assert.equal(entry(config, 'listeners').value, 'PLAINTEXT://[::1]:0');
    assert.equal(entry(config, 'log.flush.interval.messages').value, '9223372036854775807');
    assert.equal(entry(config, 'log.flush.interval.messages').type, ConfigType.LONG);
    assert.equal(entry(config, 'log.cleaner.min.cleanable.ratio').value, '0.5');
    assert.equal(entry(config, 'log.cleaner.io.max.bytes.per.second').value, '1.7976931348623157E308');
    assert.equal(entry(config, 'advertised.listeners').value, null);
    assert.equal(entry(config, 'offsets.topic.replication.factor').type, ConfigType.SHORT);
    assert.equal(entry(config, 'auto.create.topics.enable').type, ConfigType.BOOLEAN);
    assert.equal(entry(config, 'log.message.timestamp.type').type, ConfigType.STRING);
    assert.equal(entry(config, 'create.topic.policy.class.name').type, ConfigType.CLASS);
    assert.equal(entry(config, 'listener.security.protocol.map').value, 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL');
  });

  it('passwords are sensitive and never printed, synonyms included', () => {
    const described = entry(loadBrokerConfig({ overrides: { 'ssl.key.password': 'secret' } }), 'ssl.key.password');
    assert.equal(described.value, null);
    assert.equal(described.isSensitive, true);
    assert.equal(described.type, ConfigType.PASSWORD);
    assert.equal(described.source, ConfigSource.STATIC_BROKER_CONFIG);
    assert.deepEqual(described.synonyms, [{ name: 'ssl.key.password', value: null, source: ConfigSource.STATIC_BROKER_CONFIG }]);
    assert.ok(!JSON.stringify(loadBrokerConfig({ overrides: { 'ssl.key.password': 'secret' } }).describe()).includes('secret'));
  });

  it('log.retention.ms unset prints null; its synonyms show where retention comes from', () => {
    const config = loadBrokerConfig({ overrides: { 'log.retention.hours': '24' } });
    const retention = entry(config, 'log.retention.ms');
    assert.equal(retention.value, null);
    assert.equal(retention.readOnly, false);
    assert.equal(retention.source, ConfigSource.STATIC_BROKER_CONFIG);
    assert.deepEqual(retention.synonyms.map((s) => [s.name, s.value, s.source]), [
      ['log.retention.hours', '24', ConfigSource.STATIC_BROKER_CONFIG],
      ['log.retention.hours', '168', ConfigSource.DEFAULT_CONFIG],
    ]);
    assert.equal(entry(config, 'log.retention.hours').readOnly, true);
  });

  it('readOnly follows the update mode', () => {
    const config = loadBrokerConfig();
    assert.equal(entry(config, 'node.id').readOnly, true);
    assert.equal(entry(config, 'log.dirs').readOnly, true);
    assert.equal(entry(config, 'listeners').readOnly, false);
    assert.equal(entry(config, 'message.max.bytes').readOnly, false);
    assert.equal(entry(config, 'num.io.threads').readOnly, false);
  });
});

describe('incrementalAlter()', () => {
  it('SET at the cluster level: source DYNAMIC_DEFAULT_BROKER_CONFIG, value in force, change reported', () => {
    const config = loadBrokerConfig({ overrides: { 'log.retention.hours': '24' } });
    const seen: ConfigChange[][] = [];
    config.onChange((changes) => seen.push([...changes]));
    const result = config.incrementalAlter([{ name: 'log.retention.ms', op: SET, value: '60000' }], { level: 'cluster' });
    assert.deepEqual(result, { errorCode: 0, errorMessage: null, changes: [{ name: 'log.retention.ms', oldValue: null, newValue: '60000' }] });
    assert.deepEqual(seen, [result.changes]);
    assert.equal(config.get('log.retention.ms'), 60000);
    assert.equal(config.logRetentionMs, 60000);
    const described = entry(config, 'log.retention.ms');
    assert.equal(described.source, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
    assert.deepEqual(described.synonyms.map((s) => [s.name, s.value, s.source]), [
      ['log.retention.ms', '60000', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
      ['log.retention.hours', '24', ConfigSource.STATIC_BROKER_CONFIG],
      ['log.retention.hours', '168', ConfigSource.DEFAULT_CONFIG],
    ]);
    assert.deepEqual(config.originOf('log.retention.ms'), { kind: 'dynamic', level: 'cluster' });
  });

  it('per-broker wins over the cluster default; DELETE falls back level by level', () => {
    const config = loadBrokerConfig({ overrides: { 'message.max.bytes': '2000000' } });
    assert.equal(config.incrementalAlter([{ name: 'message.max.bytes', op: SET, value: '3000000' }], { level: 'cluster' }).errorCode, 0);
    assert.equal(config.incrementalAlter([{ name: 'message.max.bytes', op: SET, value: '4000000' }], { level: 'broker' }).errorCode, 0);
    assert.equal(config.get('message.max.bytes'), 4000000);
    assert.deepEqual(entry(config, 'message.max.bytes').synonyms.map((s) => s.source), [
      ConfigSource.DYNAMIC_BROKER_CONFIG,
      ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
      ConfigSource.STATIC_BROKER_CONFIG,
      ConfigSource.DEFAULT_CONFIG,
    ]);
    config.incrementalAlter([{ name: 'message.max.bytes', op: DELETE, value: null }], { level: 'broker' });
    assert.equal(config.get('message.max.bytes'), 3000000);
    config.incrementalAlter([{ name: 'message.max.bytes', op: DELETE, value: null }], { level: 'cluster' });
    assert.equal(config.get('message.max.bytes'), 2000000);
    assert.equal(entry(config, 'message.max.bytes').source, ConfigSource.STATIC_BROKER_CONFIG);
  });

  it('refuses read-only keys with INVALID_REQUEST, changing nothing', () => {
    const config = loadBrokerConfig();
    for (const name of ['node.id', 'log.dirs', 'log.retention.hours', 'num.partitions', 'socket.request.max.bytes']) {
      const result = config.incrementalAlter([{ name, op: SET, value: '2' }], { level: 'broker' });
      assert.equal(result.errorCode, ErrorCode.INVALID_REQUEST, name);
      assert.match(result.errorMessage ?? '', new RegExp(`${name.replaceAll('.', '\\.')} cannot be changed while the broker runs`));
    }
    assert.equal(config.get('node.id'), 1);
  });

  it('per-broker keys cannot be set as the cluster default', () => {
    const config = loadBrokerConfig({ overrides: { listeners: 'PLAINTEXT://127.0.0.1:0' } });
    const refused = config.incrementalAlter([{ name: 'listeners', op: SET, value: 'PLAINTEXT://127.0.0.1:9999' }], { level: 'cluster' });
    assert.equal(refused.errorCode, ErrorCode.INVALID_REQUEST);
    assert.match(refused.errorMessage ?? '', /only be changed for one broker/);
    const accepted = config.incrementalAlter([{ name: 'listeners', op: SET, value: 'PLAINTEXT://127.0.0.1:9999' }], { level: 'broker' });
    assert.equal(accepted.errorCode, 0);
    assert.equal(config.get('listeners')[0]?.port, 9999);
  });

  it('a bad value is INVALID_REQUEST naming key and value (KAFKA-13609: Kafka answers broker validation failures so)', () => {
    const config = loadBrokerConfig();
    const result = config.incrementalAlter([{ name: 'log.segment.bytes', op: SET, value: '1' }], { level: 'cluster' });
    assert.equal(result.errorCode, ErrorCode.INVALID_REQUEST);
    assert.match(result.errorMessage ?? '', /log\.segment\.bytes = "1" \(from dynamic cluster-wide default\): not at least 14/);
  });

  it('unknown keys, unknown operations, duplicates and missing values are INVALID_REQUEST', () => {
    const config = loadBrokerConfig();
    const opts = { level: 'cluster' } as const;
    assert.match(config.incrementalAlter([{ name: 'log.segment.byte', op: SET, value: '1' }], opts).errorMessage ?? '', /did you mean log\.segment\.bytes/);
    assert.equal(config.incrementalAlter([{ name: 'log.segment.bytes', op: 9, value: '1' }], opts).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(config.incrementalAlter([
      { name: 'log.segment.bytes', op: SET, value: '100000' },
      { name: 'log.segment.bytes', op: DELETE, value: null },
    ], opts).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(config.incrementalAlter([{ name: 'log.segment.bytes', op: SET, value: null }], opts).errorCode, ErrorCode.INVALID_REQUEST);
  });

  it('APPEND and SUBTRACT work on lists from the value in force; on other types they are INVALID_CONFIG', () => {
    const config = loadBrokerConfig();
    assert.equal(config.incrementalAlter([{ name: 'log.cleanup.policy', op: APPEND, value: 'compact' }], { level: 'cluster' }).errorCode, 0);
    assert.deepEqual(config.get('log.cleanup.policy'), ['delete', 'compact']);
    assert.equal(config.incrementalAlter([{ name: 'log.cleanup.policy', op: APPEND, value: 'compact' }], { level: 'cluster' }).errorCode, 0);
    assert.deepEqual(config.get('log.cleanup.policy'), ['delete', 'compact']);
    assert.equal(config.incrementalAlter([{ name: 'log.cleanup.policy', op: SUBTRACT, value: 'delete' }], { level: 'cluster' }).errorCode, 0);
    assert.deepEqual(config.get('log.cleanup.policy'), ['compact']);
    const refused = config.incrementalAlter([{ name: 'message.max.bytes', op: APPEND, value: '1' }], { level: 'cluster' });
    assert.equal(refused.errorCode, ErrorCode.INVALID_CONFIG);
    assert.match(refused.errorMessage ?? '', /message\.max\.bytes is not a list/);
  });

  it('the whole config is checked again: a change that breaks a cross-field rule is refused', () => {
    const config = loadBrokerConfig();
    const result = config.incrementalAlter([{ name: 'advertised.listeners', op: SET, value: 'SSL://broker:9093' }], { level: 'broker' });
    assert.equal(result.errorCode, ErrorCode.INVALID_REQUEST);
    assert.match(result.errorMessage ?? '', /SSL is not in listeners/);
    assert.equal(config.get('advertised.listeners'), null);
    const lag = config.incrementalAlter([{ name: 'log.cleaner.min.compaction.lag.ms', op: SET, value: '10' }, { name: 'log.cleaner.max.compaction.lag.ms', op: SET, value: '5' }], { level: 'cluster' });
    assert.equal(lag.errorCode, ErrorCode.INVALID_REQUEST);
  });

  it('one bad operation refuses the whole request', () => {
    const config = loadBrokerConfig();
    const result = config.incrementalAlter([
      { name: 'message.max.bytes', op: SET, value: '2000000' },
      { name: 'node.id', op: SET, value: '2' },
    ], { level: 'broker' });
    assert.equal(result.errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(config.get('message.max.bytes'), 1048588);
  });

  it('validateOnly checks without changing or notifying', () => {
    const config = loadBrokerConfig();
    let notified = false;
    config.onChange(() => { notified = true; });
    const result = config.incrementalAlter([{ name: 'num.io.threads', op: SET, value: '16' }], { level: 'cluster', validateOnly: true });
    assert.deepEqual(result, { errorCode: 0, errorMessage: null, changes: [] });
    assert.equal(config.get('num.io.threads'), 8);
    assert.equal(notified, false);
  });

  it('reports only values that changed; unsubscribing stops notifications; a throwing listener does not stop the others', async () => {
    const config = loadBrokerConfig({ overrides: { 'num.io.threads': '16' } });
    const seen: string[] = [];
    const stop = config.onChange((changes) => seen.push(...changes.map((c) => c.name)));
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => { warnings.push(warning.message); };
    process.on('warning', onWarning);
    config.onChange(() => { throw new Error('boom'); });
    assert.deepEqual(config.incrementalAlter([{ name: 'num.io.threads', op: SET, value: '16' }], { level: 'cluster' }).changes, []);
    config.incrementalAlter([{ name: 'num.io.threads', op: SET, value: '4' }], { level: 'cluster' });
    stop();
    config.incrementalAlter([{ name: 'num.io.threads', op: SET, value: '5' }], { level: 'cluster' });
    assert.deepEqual(seen, ['num.io.threads']);
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    assert.ok(warnings.some((w) => w.includes('boom')));
  });

  it('TLS passwords are read-only in Samsa', () => {
    const config = loadBrokerConfig();
    const result = config.incrementalAlter([{ name: 'ssl.key.password', op: SET, value: 'x' }], { level: 'broker' });
    assert.equal(result.errorCode, ErrorCode.INVALID_REQUEST);
  });
});

describe('alter() (legacy AlterConfigs)', () => {
  it('replaces every dynamic value at that level with the entries given', () => {
    const config = loadBrokerConfig();
    config.incrementalAlter([{ name: 'log.retention.ms', op: SET, value: '1000' }, { name: 'message.max.bytes', op: SET, value: '2000' }], { level: 'cluster' });
    const result = config.alter([{ name: 'message.max.bytes', value: '3000' }], { level: 'cluster' });
    assert.equal(result.errorCode, 0);
    assert.equal(config.get('message.max.bytes'), 3000);
    assert.equal(config.get('log.retention.ms'), null);
    assert.deepEqual(config.dynamicLayers(), { perBroker: {}, clusterDefault: { 'message.max.bytes': '3000' } });
  });

  it('refuses read-only keys and null values with INVALID_REQUEST', () => {
    const config = loadBrokerConfig();
    assert.equal(config.alter([{ name: 'log.dirs', value: '/x' }], { level: 'broker' }).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(config.alter([{ name: 'message.max.bytes', value: null }], { level: 'broker' }).errorCode, ErrorCode.INVALID_REQUEST);
  });
});

describe('persistence of dynamic values', () => {
  it('dynamicLayers() and restoreDynamic() round-trip', () => {
    const config = loadBrokerConfig();
    config.incrementalAlter([{ name: 'log.retention.ms', op: SET, value: '1000' }], { level: 'cluster' });
    config.incrementalAlter([{ name: 'num.io.threads', op: SET, value: '2' }], { level: 'broker' });
    const stored = config.dynamicLayers();
    const restarted = loadBrokerConfig();
    assert.deepEqual(restarted.restoreDynamic(stored), []);
    assert.equal(restarted.get('log.retention.ms'), 1000);
    assert.equal(restarted.get('num.io.threads'), 2);
    assert.equal(entry(restarted, 'num.io.threads').source, ConfigSource.DYNAMIC_BROKER_CONFIG);
  });

  it('skips stored values that no longer validate, with a warning', () => {
    const config = loadBrokerConfig();
    const warnings = config.restoreDynamic({ clusterDefault: { 'log.retention.ms': 'soon', 'node.id': '4', 'gone.key': '1', 'message.max.bytes': '5000' } });
    assert.equal(warnings.length, 3);
    assert.equal(config.get('message.max.bytes'), 5000);
    assert.equal(config.get('log.retention.ms'), null);
  });
});
