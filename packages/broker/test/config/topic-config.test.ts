import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import { AlterConfigOpType } from '../../src/config/alter-config-op.ts';
import { loadBrokerConfig } from '../../src/config/broker-config.ts';
import { ConfigSource, ConfigType, LONG_MAX, type ConfigEntryDescription } from '../../src/config/config-key.ts';
import type { TopicConfigOverrides } from '../../src/config/config-table.ts';
import {
  effectiveTopicConfig,
  incrementalAlterTopicConfig,
  toLogConfig,
  type TopicConfigValidation,
  validateTopicConfig,
} from '../../src/config/topic-config.ts';
import { defaultLogConfig } from '../../src/storage/log-config.ts';

function overridesOf(result: TopicConfigValidation): TopicConfigOverrides {
  assert.ok(result.ok, result.ok ? '' : result.errorMessage);
  return result.overrides;
}

function refusal(result: TopicConfigValidation): { errorCode: number; errorMessage: string } {
  assert.equal(result.ok, false, 'expected the configs to be refused');
  assert.ok(!result.ok);
  return { errorCode: result.errorCode, errorMessage: result.errorMessage };
}

function describeOne(entries: ConfigEntryDescription[], name: string): ConfigEntryDescription {
  const found = entries.find((entry) => entry.name === name);
  assert.ok(found, name);
  return found;
}

describe('validateTopicConfig', () => {
  it('returns typed overrides and canonical text for the store', () => {
    const result = validateTopicConfig({ 'retention.ms': ' 86400000 ', 'cleanup.policy': 'compact , delete', 'min.cleanable.dirty.ratio': '0.1', preallocate: 'TRUE' });
    assert.ok(result.ok);
    assert.deepEqual(result.overrides, { 'retention.ms': 86400000, 'cleanup.policy': ['compact', 'delete'], 'min.cleanable.dirty.ratio': 0.1, preallocate: true });
    assert.deepEqual(result.texts, { 'retention.ms': '86400000', 'cleanup.policy': 'compact,delete', 'min.cleanable.dirty.ratio': '0.1', preallocate: 'true' });
  });

  it('accepts pairs as CreateTopics carries them', () => {
    assert.deepEqual(overridesOf(validateTopicConfig([['segment.bytes', '1048576']])), { 'segment.bytes': 1048576 });
    assert.deepEqual(overridesOf(validateTopicConfig({})), {});
  });

  it('an unknown key is INVALID_CONFIG, with a hint when it is the broker\'s name for the key', () => {
    const broker = refusal(validateTopicConfig({ 'log.retention.ms': '1000' }));
    assert.equal(broker.errorCode, ErrorCode.INVALID_CONFIG);
    assert.match(broker.errorMessage, /unknown topic config log\.retention\.ms; log\.retention\.ms is a broker config, the topic config is retention\.ms/);
    assert.match(refusal(validateTopicConfig({ 'retention.msec': '1' })).errorMessage, /did you mean retention\.ms\?/);
    assert.match(refusal(validateTopicConfig({ 'num.partitions': '1' })).errorMessage, /broker config with no topic-level form/);
  });

  it('a bad value is INVALID_CONFIG naming key, value and what is allowed', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['retention.ms', '-2', /retention\.ms = "-2": not at least -1; allowed: a long, at least -1/],
      ['segment.bytes', '13', /segment\.bytes = "13": not at least 14/],
      ['segment.ms', '0', /segment\.ms = "0": not at least 1/],
      ['cleanup.policy', 'compact,archive', /"archive" is not one of compact, delete/],
      ['compression.type', 'brotli', /compression\.type = "brotli"/],
      ['min.cleanable.dirty.ratio', '1.5', /not between 0 and 1/],
      ['message.timestamp.type', 'NoTime', /one of CreateTime, LogAppendTime/],
      ['unclean.leader.election.enable', 'yes', /not true or false/],
      ['max.message.bytes', '1e3', /not an int/],
      ['leader.replication.throttled.replicas', '0:1,x', /partition:broker pairs, or \*/],
      ['flush.messages', '0', /not at least 1/],
    ];
    for (const [name, value, pattern] of cases) {
      const result = refusal(validateTopicConfig({ [name]: value }));
      assert.equal(result.errorCode, ErrorCode.INVALID_CONFIG, name);
      assert.match(result.errorMessage, pattern);
    }
  });

  it('reports every bad key, each with its own error', () => {
    const result = validateTopicConfig({ 'retention.ms': 'x', 'segment.bytes': 'y', 'nope': 'z' });
    assert.ok(!result.ok);
    assert.deepEqual(result.errors.map((error) => error.name), ['retention.ms', 'segment.bytes', 'nope']);
  });

  it('a null value is INVALID_CONFIG; a key given twice is INVALID_REQUEST', () => {
    assert.equal(refusal(validateTopicConfig({ 'retention.ms': null })).errorCode, ErrorCode.INVALID_CONFIG);
    assert.equal(refusal(validateTopicConfig([['retention.ms', '1'], ['retention.ms', '2']])).errorCode, ErrorCode.INVALID_REQUEST);
  });

  it('min.compaction.lag.ms may not exceed max.compaction.lag.ms, the broker filling in what the topic omits', () => {
    assert.match(refusal(validateTopicConfig({ 'min.compaction.lag.ms': '10', 'max.compaction.lag.ms': '5' })).errorMessage, /min\.compaction\.lag\.ms \(10\) is above max\.compaction\.lag\.ms \(5\)/);
    const broker = loadBrokerConfig({ overrides: { 'log.cleaner.max.compaction.lag.ms': '100' } });
    assert.equal(validateTopicConfig({ 'min.compaction.lag.ms': '200' }).ok, true);
    assert.equal(validateTopicConfig({ 'min.compaction.lag.ms': '200' }, broker).ok, false);
  });
});

describe('effectiveTopicConfig', () => {
  it('with nothing set anywhere, Kafka\'s defaults with source DEFAULT_CONFIG', () => {
    const effective = effectiveTopicConfig(loadBrokerConfig(), {});
    assert.equal(effective.values['retention.ms'], 604800000);
    assert.equal(effective.values['segment.ms'], 604800000);
    assert.equal(effective.values['flush.messages'], LONG_MAX);
    assert.deepEqual(effective.values['cleanup.policy'], ['delete']);
    const retention = describeOne(effective.describe(), 'retention.ms');
    assert.equal(retention.value, '604800000');
    assert.equal(retention.source, ConfigSource.DEFAULT_CONFIG);
    assert.equal(retention.isDefault, true);
    assert.equal(retention.readOnly, false);
    assert.equal(retention.type, ConfigType.LONG);
    assert.deepEqual(retention.synonyms, [{ name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG }]);
  });

  it('a topic override wins: DYNAMIC_TOPIC_CONFIG, then the broker synonyms', () => {
    const broker = loadBrokerConfig({ overrides: { 'log.retention.hours': '24' } });
    const overrides = overridesOf(validateTopicConfig({ 'retention.ms': '1000' }));
    const effective = effectiveTopicConfig(broker, overrides);
    assert.equal(effective.values['retention.ms'], 1000);
    const retention = describeOne(effective.describe(['retention.ms']), 'retention.ms');
    assert.equal(retention.source, ConfigSource.DYNAMIC_TOPIC_CONFIG);
    assert.deepEqual(retention.synonyms.map((s) => [s.name, s.value, s.source]), [
      ['retention.ms', '1000', ConfigSource.DYNAMIC_TOPIC_CONFIG],
      ['log.retention.hours', '24', ConfigSource.STATIC_BROKER_CONFIG],
      ['log.retention.hours', '168', ConfigSource.DEFAULT_CONFIG],
    ]);
  });

  it('the broker\'s static value is the default: STATIC_BROKER_CONFIG, converted to the topic\'s unit', () => {
    const broker = loadBrokerConfig({ overrides: { 'log.retention.minutes': '30', 'log.segment.bytes': '1048576', 'log.roll.hours': '1', 'message.max.bytes': '2000000' } });
    const effective = effectiveTopicConfig(broker, {});
    assert.equal(effective.values['retention.ms'], 30 * 60_000);
    assert.equal(effective.values['segment.bytes'], 1048576);
    assert.equal(effective.values['segment.ms'], 3_600_000);
    assert.equal(effective.values['max.message.bytes'], 2000000);
    const entries = effective.describe();
    assert.equal(describeOne(entries, 'retention.ms').value, '1800000');
    assert.equal(describeOne(entries, 'retention.ms').source, ConfigSource.STATIC_BROKER_CONFIG);
    assert.equal(describeOne(entries, 'segment.bytes').source, ConfigSource.STATIC_BROKER_CONFIG);
    assert.deepEqual(describeOne(entries, 'max.message.bytes').synonyms.map((s) => s.name), ['message.max.bytes', 'message.max.bytes']);
  });

  it('dynamic broker values reach topic defaults, with their dynamic sources', () => {
    const broker = loadBrokerConfig();
    broker.incrementalAlter([{ name: 'log.cleanup.policy', op: AlterConfigOpType.SET, value: 'compact' }], { level: 'cluster' });
    const policy = describeOne(effectiveTopicConfig(broker, {}).describe(), 'cleanup.policy');
    assert.equal(policy.value, 'compact');
    assert.equal(policy.source, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
    broker.incrementalAlter([{ name: 'log.cleanup.policy', op: AlterConfigOpType.SET, value: 'compact,delete' }], { level: 'broker' });
    assert.equal(describeOne(effectiveTopicConfig(broker, {}).describe(), 'cleanup.policy').source, ConfigSource.DYNAMIC_BROKER_CONFIG);
  });

  it('a key with no broker synonym falls back to Kafka\'s default with no synonyms', () => {
    const entry = describeOne(effectiveTopicConfig(loadBrokerConfig(), {}).describe(), 'leader.replication.throttled.replicas');
    assert.deepEqual([entry.value, entry.source, entry.synonyms, entry.type], ['', ConfigSource.DEFAULT_CONFIG, [], ConfigType.LIST]);
  });

  it('describe() of named keys skips names it does not know', () => {
    const names = effectiveTopicConfig(loadBrokerConfig(), {}).describe(['segment.bytes', 'nope']).map((e) => e.name);
    assert.deepEqual(names, ['segment.bytes']);
  });

  it('toLogConfig() gives storage its shape; Kafka\'s defaults match storage\'s own', () => {
    // transaction.partition.verification.enable is a broker key: config-bridge adds it, not toLogConfig.
    const { transactionPartitionVerificationEnable: _brokerKey, ...topicLevel } = defaultLogConfig;
    assert.deepEqual(toLogConfig(effectiveTopicConfig(loadBrokerConfig(), {}).values), topicLevel);
    const overrides = overridesOf(validateTopicConfig({ 'segment.bytes': '4096', 'message.timestamp.type': 'LogAppendTime', 'retention.ms': '-1' }));
    const log = toLogConfig(effectiveTopicConfig(loadBrokerConfig(), overrides).values);
    assert.equal(log.segmentBytes, 4096);
    assert.equal(log.messageTimestampType, 'LogAppendTime');
    assert.equal(log.retentionMs, -1);
  });
});

describe('incrementalAlterTopicConfig', () => {
  const { SET, DELETE, APPEND, SUBTRACT } = AlterConfigOpType;

  it('applies SET and DELETE to the stored overrides and validates the result', () => {
    const result = incrementalAlterTopicConfig({ 'retention.ms': '1000', 'segment.bytes': '4096' }, [
      { name: 'retention.ms', op: DELETE, value: null },
      { name: 'max.message.bytes', op: SET, value: '2048' },
    ]);
    assert.ok(result.ok);
    assert.deepEqual(result.texts, { 'segment.bytes': '4096', 'max.message.bytes': '2048' });
  });

  it('APPEND and SUBTRACT start from the value in force', () => {
    const broker = loadBrokerConfig({ overrides: { 'log.cleanup.policy': 'compact' } });
    const appended = incrementalAlterTopicConfig({}, [{ name: 'cleanup.policy', op: APPEND, value: 'delete' }], broker);
    assert.ok(appended.ok);
    assert.deepEqual(appended.overrides['cleanup.policy'], ['compact', 'delete']);
    const subtracted = incrementalAlterTopicConfig({ 'cleanup.policy': 'compact,delete' }, [{ name: 'cleanup.policy', op: SUBTRACT, value: 'compact' }]);
    assert.ok(subtracted.ok);
    assert.deepEqual(subtracted.texts, { 'cleanup.policy': 'delete' });
  });

  it('Kafka\'s errors: APPEND on a non-list and unknown keys INVALID_CONFIG; malformed requests INVALID_REQUEST', () => {
    assert.equal(refusal(incrementalAlterTopicConfig({}, [{ name: 'retention.ms', op: APPEND, value: '1' }])).errorCode, ErrorCode.INVALID_CONFIG);
    assert.equal(refusal(incrementalAlterTopicConfig({}, [{ name: 'retention.mss', op: SET, value: '1' }])).errorCode, ErrorCode.INVALID_CONFIG);
    assert.equal(refusal(incrementalAlterTopicConfig({}, [{ name: 'retention.ms', op: SET, value: 'x' }])).errorCode, ErrorCode.INVALID_CONFIG);
    assert.equal(refusal(incrementalAlterTopicConfig({}, [{ name: 'retention.ms', op: SET, value: null }])).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(refusal(incrementalAlterTopicConfig({}, [{ name: 'retention.ms', op: 7, value: '1' }])).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(refusal(incrementalAlterTopicConfig({}, [
      { name: 'retention.ms', op: SET, value: '1' },
      { name: 'retention.ms', op: DELETE, value: null },
    ])).errorCode, ErrorCode.INVALID_REQUEST);
  });
});
