/**
 * kafkajs 2.2.4 (admin and producer) against a real broker process: topic administration,
 * configs, keyed produce, offsets by timestamp. (kafkajs consumers need consumer groups,
 * which come with the group coordinator.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.ts';

describe('kafkajs admin and producer interop', () => {
  let broker: BrokerProcess;
  let admin: Admin;
  let producer: Producer;

  before(async () => {
    broker = await startBrokerProcess();
    const kafka = new Kafka({ clientId: 'samsa-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    producer = kafka.producer();
    await admin.connect();
    await producer.connect();
  });

  after(async () => {
    await producer.disconnect();
    await admin.disconnect();
    assert.equal(await broker.stop(), 0);
  });

  it('creates, lists, grows and deletes topics with Kafka\'s errors', async () => {
    assert.equal(await admin.createTopics({ topics: [{ topic: 'admin-t1', numPartitions: 4, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] }), true);
    assert.equal(await admin.createTopics({ topics: [{ topic: 'admin-t1', numPartitions: 4 }] }), false, 'existing topic: nothing created');
    const errorType = (err: unknown): string | undefined => (err as { errors?: Array<{ type?: string }> }).errors?.[0]?.type;
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'bad name!', numPartitions: 1 }] }),
      (err) => errorType(err) === 'INVALID_TOPIC_EXCEPTION');
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'admin-bad-config', configEntries: [{ name: 'retention.ms', value: 'soon' }] }] }),
      (err) => errorType(err) === 'INVALID_CONFIG');
    assert.ok((await admin.listTopics()).includes('admin-t1'));
    await admin.createPartitions({ topicPartitions: [{ topic: 'admin-t1', count: 6 }] });
    const md = await admin.fetchTopicMetadata({ topics: ['admin-t1'] });
    assert.equal(md.topics[0]!.partitions.length, 6);
    await admin.deleteTopics({ topics: ['admin-t1'] });
    assert.ok(!(await admin.listTopics()).includes('admin-t1'));
  });

  it('describes and alters topic configs with their sources', async () => {
    await admin.createTopics({ topics: [{ topic: 'admin-configs', numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    const described = await admin.describeConfigs({ resources: [{ type: 2, name: 'admin-configs', configNames: ['cleanup.policy', 'segment.bytes'] }], includeSynonyms: false });
    const entries = new Map(described.resources[0]!.configEntries.map((e) => [e.configName, e]));
    assert.equal(entries.get('cleanup.policy')!.configValue, 'compact');
    assert.equal(entries.get('cleanup.policy')!.isDefault, false);
    assert.equal(entries.get('segment.bytes')!.configValue, '1073741824');
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'admin-configs', configEntries: [{ name: 'retention.ms', value: '60000' }] }] });
    const after = await admin.describeConfigs({ resources: [{ type: 2, name: 'admin-configs', configNames: ['retention.ms', 'cleanup.policy'] }], includeSynonyms: false });
    const values = new Map(after.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
    assert.equal(values.get('retention.ms'), '60000');
    // Legacy AlterConfigs replaces the whole set: cleanup.policy is back to its default.
    assert.equal(values.get('cleanup.policy'), 'delete');
  });

  it('produces keyed messages with headers and finds offsets by timestamp', async () => {
    await admin.createTopics({ topics: [{ topic: 'kafkajs-produce', numPartitions: 3 }] });
    const t0 = Date.now();
    const messages = Array.from({ length: 300 }, (_, i) => ({
      key: `key-${i % 7}`, value: `value-${i}`, headers: { source: 'kafkajs' }, timestamp: String(t0 + i),
    }));
    const acks = await producer.send({ topic: 'kafkajs-produce', messages, acks: -1 });
    assert.equal(acks.length, 3, 'all three partitions received messages');
    for (const a of acks) assert.equal(a.errorCode, 0);
    const offsets = await admin.fetchTopicOffsets('kafkajs-produce');
    const total = offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
    assert.equal(total, 300);
    const byTime = await admin.fetchTopicOffsetsByTimestamp('kafkajs-produce', t0 + 10_000);
    for (const o of byTime) {
      const high = offsets.find((x) => x.partition === o.partition)!.high;
      assert.equal(o.offset, high, 'a timestamp after every message resolves to the end');
    }
    const atStart = await admin.fetchTopicOffsetsByTimestamp('kafkajs-produce', t0);
    for (const o of atStart) assert.equal(o.offset, '0');
  });
});
