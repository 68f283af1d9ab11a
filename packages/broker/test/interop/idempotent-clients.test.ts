/**
 * Real clients with idempotence on against a real broker process: confluent-kafka-python
 * (librdkafka, enable.idempotence) and kafkajs (idempotent: true). Each produces, then
 * everything is read back: every message exactly once, in send order per key, and the
 * stored batches carry the producer id InitProducerId gave, with sequences that follow
 * on batch after batch (so idempotence was really in force, not silently off).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import type { RecordBatch } from '@samsa/protocol';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.ts';
import { run } from '../helpers/run.ts';
import { WireClient } from './idempotent-wire.ts';

const script = `
import json, sys
from confluent_kafka import Producer, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic
bootstrap, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
admin = AdminClient({'bootstrap.servers': bootstrap})
admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])[topic].result(20)
p = Producer({'bootstrap.servers': bootstrap, 'enable.idempotence': True, 'linger.ms': 2, 'batch.num.messages': 50,
              'max.in.flight.requests.per.connection': 5, 'compression.type': 'lz4'})
errors = []
acks = []
def report(err, msg):
    if err is not None:
        errors.append(str(err))
    else:
        acks.append([msg.partition(), msg.offset(), msg.value().decode()])
for i in range(n):
    p.produce(topic, key=('key-%d' % (i % 13)).encode(), value=('value-%d' % i).encode(), on_delivery=report)
    p.poll(0)
left = p.flush(30)
print(json.dumps({'errors': errors, 'left': left, 'acks': acks}))
`;

/** Checks one partition's stored batches: one producer id, sequences contiguous from 0 in offset order. */
function assertIdempotentBatches(batches: readonly RecordBatch[], label: string): bigint {
  assert.ok(batches.length > 0, `${label}: batches`);
  const producerId = batches[0]!.producerId;
  assert.ok(producerId >= 0n, `${label}: batches carry a producer id (${producerId})`);
  let nextSeq = 0;
  for (const b of batches) {
    assert.equal(b.producerId, producerId, `${label}: one producer`);
    assert.equal(b.baseSequence, nextSeq, `${label}: batch at offset ${b.baseOffset} has sequence ${b.baseSequence}, expected ${nextSeq}`);
    nextSeq += b.lastOffsetDelta + 1;
  }
  return producerId;
}

describe('idempotent producers: real clients', () => {
  let broker: BrokerProcess;
  let wire: WireClient;
  before(async () => {
    broker = await startBrokerProcess();
    wire = await WireClient.connect(broker.port);
  });
  after(async () => {
    wire.close();
    assert.equal(await broker.stop(), 0);
  });

  it('confluent-kafka with enable.idempotence writes every message once, in order', { timeout: 90_000 }, async () => {
    const n = 6000;
    const r = await run('/usr/bin/python3', ['-c', script, broker.bootstrap, 'idem-confluent', String(n)], { timeoutMs: 80_000 });
    assert.equal(r.code, 0, r.stderr);
    const { errors, left, acks } = JSON.parse(r.stdout) as { errors: string[]; left: number; acks: Array<[number, number, string]> };
    assert.deepEqual(errors, []);
    assert.equal(left, 0);
    assert.equal(acks.length, n);
    const stored: string[] = [];
    const producerIds = new Set<bigint>();
    for (let p = 0; p < 3; p++) {
      const batches = await wire.fetchAll('idem-confluent', p);
      producerIds.add(assertIdempotentBatches(batches, `partition ${p}`));
      const values = batches.flatMap((b) => b.toArray().map((rec) => ({ offset: b.baseOffset + BigInt(rec.offsetDelta), value: rec.value!.toString() })));
      // Each acknowledgement names the offset its message was stored at.
      const at = new Map(values.map((v) => [Number(v.offset), v.value]));
      for (const [ap, ao, av] of acks) if (ap === p) assert.equal(at.get(ao), av, `ack of ${av} at ${p}:${ao}`);
      // Within a partition, a key's messages are in send order.
      const lastOfKey = new Map<number, number>();
      for (const v of values) {
        const i = Number(v.value.slice('value-'.length));
        assert.ok(i > (lastOfKey.get(i % 13) ?? -1), `${v.value} after the earlier ones of its key`);
        lastOfKey.set(i % 13, i);
        stored.push(v.value);
      }
    }
    assert.equal(producerIds.size, 1, 'one producer id across partitions');
    assert.equal(stored.length, n, 'no duplicates');
    assert.equal(new Set(stored).size, n, 'every message once');
  });

  it('kafkajs with idempotent: true writes every message once, in order', { timeout: 60_000 }, async () => {
    const kafka = new Kafka({ clientId: 'idem-kafkajs', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'idem-kafkajs', numPartitions: 2 }] });
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const perSend = 100;
    const sends = 20;
    for (let s = 0; s < sends; s++) {
      const messages = Array.from({ length: perSend }, (_, i) => ({ key: `key-${(s * perSend + i) % 5}`, value: `value-${s * perSend + i}` }));
      const res = await producer.send({ topic: 'idem-kafkajs', messages, acks: -1 });
      for (const x of res) assert.equal(x.errorCode, 0);
    }
    await producer.disconnect();
    const stored: string[] = [];
    for (let p = 0; p < 2; p++) {
      const batches = await wire.fetchAll('idem-kafkajs', p);
      assertIdempotentBatches(batches, `partition ${p}`);
      stored.push(...batches.flatMap((b) => b.toArray().map((rec) => rec.value!.toString())));
    }
    assert.equal(stored.length, perSend * sends);
    assert.equal(new Set(stored).size, perSend * sends);
  });
});
