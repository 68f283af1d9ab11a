/**
 * The two npm clients against a real broker process, each writing 100,000 keyed messages
 * with headers and explicit timestamps to 6-partition topics, spread over every codec the
 * client supports, then reading them back through a consumer group and asking for offsets
 * by timestamp. kafkajs has gzip built in and snappy through kafkajs-snappy (its lz4 and
 * zstd plug-ins are not installed here); @platformatic/kafka has all five.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Consumer as PConsumer, Producer as PProducer, Admin as PAdmin, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import kafkajs from 'kafkajs';
import SnappyCodec from 'kafkajs-snappy';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.ts';
import { checkConsumed, checkStoredCodec, checkTimeQueries, middleTimestamps, type ConsumedRecord, type TimeQuery } from '../helpers/interop-check.ts';

const { CompressionCodecs, CompressionTypes, Kafka, logLevel } = kafkajs;
CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec;

const PARTITIONS = 6;
const TOTAL = 100_000;
const BASE = 1_700_000_000_000;
const key = (i: number): string => `key-${i % 101}`;

describe('kafkajs and @platformatic/kafka interop', () => {
  let broker: BrokerProcess;
  before(async () => { broker = await startBrokerProcess({ overrides: { 'group.initial.rebalance.delay.ms': 0 } }); });
  after(async () => { assert.equal(await broker.stop(), 0); });

  const kafkajsCodecs = [['none', CompressionTypes.None], ['gzip', CompressionTypes.GZIP], ['snappy', CompressionTypes.Snappy]] as const;
  for (const [name, codec] of kafkajsCodecs) {
    it(`kafkajs: ${Math.floor(TOTAL / kafkajsCodecs.length)} messages, ${name}, consumed by a group; offsets by timestamp`, { timeout: 150_000 }, async () => {
      const n = Math.floor(TOTAL / kafkajsCodecs.length);
      const topic = `kafkajs-${name}`;
      const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, clientId: 'interop' });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
      const producer = kafka.producer();
      await producer.connect();
      for (let from = 0; from < n; from += 2000) {
        const messages = [];
        for (let i = from; i < Math.min(n, from + 2000); i++) {
          messages.push({ key: key(i), value: `value-${i}`, timestamp: String(BASE + i), headers: { source: 'kafkajs' } });
        }
        await producer.send({ topic, compression: codec, acks: -1, messages });
      }
      await producer.disconnect();

      const records: ConsumedRecord[] = [];
      const consumer = kafka.consumer({ groupId: `kafkajs-${name}`, maxBytes: 4 * 1024 * 1024 });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`read ${records.length} of ${n}`)), 90_000);
        consumer.run({
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              records.push({
                p: batch.partition, o: Number(m.offset), k: m.key!.toString(), v: m.value!.toString(), ts: Number(m.timestamp),
                h: Object.entries(m.headers ?? {}).map(([hk, hv]) => [hk, String(hv)]),
              });
            }
            if (records.length >= n) {
              clearTimeout(timer);
              resolve();
            }
          },
        }).catch(reject);
      });
      await consumer.disconnect();
      checkConsumed(records, n, [['source', 'kafkajs']]);
      assert.equal(new Set(records.map((r) => r.p)).size, PARTITIONS);

      const queries: TimeQuery[] = [];
      for (const { p, t } of middleTimestamps(records)) {
        const answer = await admin.fetchTopicOffsetsByTimestamp(topic, t + 1);
        queries.push({ p, t: t + 1, o: Number(answer.find((a) => a.partition === p)!.offset) });
      }
      await admin.disconnect();
      checkStoredCodec(broker.dataDir, topic, name);
      checkTimeQueries(records, queries);
    });
  }

  const platformaticCodecs = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
  for (const codec of platformaticCodecs) {
    it(`@platformatic/kafka: ${TOTAL / platformaticCodecs.length} messages, ${codec}, consumed by a group; offsets by timestamp`, { timeout: 150_000 }, async () => {
      const n = TOTAL / platformaticCodecs.length;
      const topic = `platformatic-${codec}`;
      const bootstrapBrokers = [broker.bootstrap];
      const admin = new PAdmin({ clientId: 'interop-admin', bootstrapBrokers });
      await admin.createTopics({ topics: [topic], partitions: PARTITIONS, replicas: 1 });
      await admin.close();
      const producer = new PProducer({ clientId: 'interop-producer', bootstrapBrokers, serializers: stringSerializers, compression: codec, acks: -1 });
      for (let from = 0; from < n; from += 2000) {
        const messages = [];
        for (let i = from; i < Math.min(n, from + 2000); i++) {
          messages.push({ topic, key: key(i), value: `value-${i}`, timestamp: BigInt(BASE + i), headers: { source: 'platformatic' } });
        }
        await producer.send({ messages });
      }
      await producer.close();

      const consumer = new PConsumer({
        groupId: `platformatic-${codec}`, clientId: 'interop-consumer', bootstrapBrokers, deserializers: stringDeserializers,
        maxWaitTime: 500,
      });
      const records: ConsumedRecord[] = [];
      const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, sessionTimeout: 10_000, heartbeatInterval: 500 });
      const timer = setTimeout(() => { void stream.close(); }, 90_000);
      for await (const m of stream) {
        records.push({
          p: m.partition, o: Number(m.offset), k: m.key, v: m.value, ts: Number(m.timestamp),
          h: [...m.headers].map(([hk, hv]) => [hk, hv]),
        });
        if (records.length >= n) break;
      }
      clearTimeout(timer);
      checkConsumed(records, n, [['source', 'platformatic']]);
      assert.equal(new Set(records.map((r) => r.p)).size, PARTITIONS);

      const queries: TimeQuery[] = [];
      for (const { p, t } of middleTimestamps(records)) {
        const answer = await consumer.listOffsetsWithTimestamps({ topics: [topic], timestamp: BigInt(t + 1) });
        queries.push({ p, t: t + 1, o: Number(answer.get(topic)!.get(p)!.offset) });
      }
      await consumer.close(true);
      checkStoredCodec(broker.dataDir, topic, codec);
      checkTimeQueries(records, queries);
    });
  }
});
