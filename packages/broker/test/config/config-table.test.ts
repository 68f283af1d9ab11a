import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { envVarFor } from '../../src/config/broker-config.ts';
import { LONG_MAX } from '../../src/config/config-key.ts';
import {
  brokerConfigEntries,
  brokerConfigs,
  isBrokerConfigName,
  topicConfigEntries,
} from '../../src/config/config-table.ts';

const allEntries = [...brokerConfigEntries, ...topicConfigEntries];

describe('the config table', () => {
  it('every key has a one-line doc that ends with a full stop', () => {
    for (const [name, key] of allEntries) {
      assert.ok(key.doc.trim().length >= 10, `${name} has no doc`);
      assert.ok(!key.doc.includes('\n'), `${name}: doc is more than one line`);
      assert.match(key.doc, /[.)]$/, `${name}: doc does not end with a full stop`);
      if (key.differsFromKafka !== null) assert.match(key.differsFromKafka, /\.$/, `${name}: differsFromKafka`);
    }
  });

  it('key names are lower-case dotted words, so SAMSA_ variable names map back without escapes', () => {
    for (const [name] of allEntries) assert.match(name, /^[a-z0-9]+(\.[a-z0-9]+)*$/, name);
    const envNames = brokerConfigEntries.map(([name]) => envVarFor(name));
    assert.equal(new Set(envNames).size, envNames.length);
  });

  it('every default passes its own validator and survives printing and reading back', () => {
    for (const [name, key] of allEntries) {
      const printed = key.format(key.default);
      if (printed === null) continue;
      const decoded = key.decode(printed);
      assert.ok(decoded.ok, `${name}: default ${printed} does not decode: ${decoded.ok ? '' : decoded.reason}`);
      assert.equal(key.format(decoded.value), printed, name);
    }
  });

  it('synonyms name broker keys that exist', () => {
    for (const [name, key] of brokerConfigEntries) {
      for (const synonym of key.synonyms) assert.ok(isBrokerConfigName(synonym), `${name}: synonym ${synonym}`);
    }
    for (const [name, key] of topicConfigEntries) {
      for (const synonym of key.brokerSynonyms) assert.ok(isBrokerConfigName(synonym), `${name}: broker synonym ${synonym}`);
    }
  });

  it('a topic key and the broker key behind it agree on type, and Kafka\'s defaults agree', () => {
    for (const [name, key] of topicConfigEntries) {
      const [primary] = key.brokerSynonyms;
      if (primary === undefined) continue;
      const broker = brokerConfigs[primary];
      assert.equal(key.type, broker.type, `${name} vs ${primary}`);
      if (broker.default !== null) assert.deepEqual(key.format(key.default), broker.format(broker.default as never), `${name} vs ${primary}`);
      assert.equal(key.allowed, broker.allowed, `${name} vs ${primary}`);
    }
  });

  it('Kafka\'s update modes: the broker key behind a topic key is cluster-wide, its hour/minute forms read-only', () => {
    for (const [name, key] of topicConfigEntries) {
      const [primary, ...lesser] = key.brokerSynonyms;
      if (primary === undefined) continue;
      assert.equal(brokerConfigs[primary].updateMode, 'cluster-wide', `${primary} (behind ${name})`);
      for (const synonym of lesser) assert.equal(brokerConfigs[synonym].updateMode, 'read-only', `${synonym} (behind ${name})`);
    }
    assert.equal(brokerConfigs['listeners'].updateMode, 'per-broker');
    assert.equal(brokerConfigs['node.id'].updateMode, 'read-only');
    assert.equal(brokerConfigs['log.dirs'].updateMode, 'read-only');
  });

  it('Kafka 3.8 defaults for the keys a server.properties most often sets', () => {
    const expected: Record<string, unknown> = {
      'num.partitions': 1,
      'default.replication.factor': 1,
      'log.retention.hours': 168,
      'log.retention.bytes': -1,
      'log.segment.bytes': 1073741824,
      'log.retention.check.interval.ms': 300000,
      'message.max.bytes': 1048588,
      'replica.fetch.max.bytes': 1048576,
      'socket.request.max.bytes': 104857600,
      'socket.send.buffer.bytes': 102400,
      'socket.receive.buffer.bytes': 102400,
      'queued.max.requests': 500,
      'connections.max.idle.ms': 600000,
      'offsets.topic.num.partitions': 50,
      'offsets.retention.minutes': 10080,
      'group.initial.rebalance.delay.ms': 3000,
      'group.min.session.timeout.ms': 6000,
      'group.max.session.timeout.ms': 1800000,
      'transaction.max.timeout.ms': 900000,
      'transactional.id.expiration.ms': 604800000,
      'producer.id.expiration.ms': 86400000,
      'fetch.max.bytes': 57671680,
      'log.flush.interval.messages': LONG_MAX,
      'log.message.timestamp.before.max.ms': LONG_MAX,
    };
    for (const [name, value] of Object.entries(expected)) {
      assert.ok(isBrokerConfigName(name));
      assert.equal(brokerConfigs[name].default, value, name);
    }
  });
});
