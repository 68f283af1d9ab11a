/**
 * confluent-kafka-python (librdkafka, Debian) against a real broker process: admin topic
 * creation with 6 partitions, 100,000 keyed messages with headers and timestamps spread
 * over every codec, read back with an assigned consumer, and ListOffsets by timestamp
 * (offsets_for_times). Groups are covered in consumer-groups.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.ts';
import { checkConsumed, checkStoredCodec, checkTimeQueries, type ConsumedRecord, type TimeQuery } from '../helpers/interop-check.ts';
import { run } from '../helpers/run.ts';

const PARTITIONS = 6;
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const PER_CODEC = 100_000 / CODECS.length;

const script = `
import json, sys
from confluent_kafka import Producer, Consumer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.admin import AdminClient, NewTopic
bootstrap, topic, codec, n, parts = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
base = 1700000000000
admin = AdminClient({'bootstrap.servers': bootstrap})
admin.create_topics([NewTopic(topic, num_partitions=parts, replication_factor=1)])[topic].result(20)
p = Producer({'bootstrap.servers': bootstrap, 'compression.type': codec, 'linger.ms': 20, 'acks': 'all'})
errors = []
def report(err, msg):
    if err is not None:
        errors.append(str(err))
for i in range(n):
    while True:
        try:
            p.produce(topic, key=('key-%d' % (i % 101)).encode(), value=('value-%d' % i).encode(), timestamp=base + i,
                      headers=[('source', b'confluent')], on_delivery=report)
            break
        except BufferError:
            p.poll(0.05)
    p.poll(0)
left = p.flush(60)
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'unused', 'enable.auto.commit': False})
c.assign([TopicPartition(topic, i, OFFSET_BEGINNING) for i in range(parts)])
out = []
idle = 0
while len(out) < n and idle < 50:
    ms = c.consume(1000, 0.2)
    if not ms:
        idle += 1
        continue
    for m in ms:
        if m.error():
            continue
        out.append([m.partition(), m.offset(), m.key().decode(), m.value().decode(), m.timestamp()[1], [[k, v.decode()] for k, v in (m.headers() or [])]])
by_part = {}
for r in out:
    by_part.setdefault(r[0], []).append(r)
asks = [TopicPartition(topic, pp, rs[len(rs) // 2][4] + 1) for pp, rs in sorted(by_part.items())]
answers = c.offsets_for_times(asks, 20)
# Past the last timestamp: no offset (a separate call: one request asks once per partition).
late = TopicPartition(topic, 0, base + n + 1000)
asks.append(late)
answers += c.offsets_for_times([late], 20)
c.close()
queries = [{'p': a.partition, 't': q.offset, 'o': a.offset} for q, a in zip(asks, answers)]
print(json.dumps({'errors': errors, 'left': left, 'records': out, 'queries': queries}))
`;

describe('confluent-kafka (librdkafka) interop', () => {
  let broker: BrokerProcess;
  before(async () => { broker = await startBrokerProcess(); });
  after(async () => { assert.equal(await broker.stop(), 0); });

  for (const codec of CODECS) {
    it(`${PER_CODEC} keyed messages with headers in ${PARTITIONS} partitions, compression ${codec}; offsets by timestamp`, async () => {
      const r = await run('/usr/bin/python3', ['-c', script, broker.bootstrap, `confluent-${codec}`, codec, String(PER_CODEC), String(PARTITIONS)],
        { timeoutMs: 120_000 });
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { errors: string[]; left: number; records: Array<[number, number, string, string, number, Array<[string, string]>]>; queries: TimeQuery[] };
      assert.deepEqual(out.errors, []);
      assert.equal(out.left, 0);
      const records: ConsumedRecord[] = out.records.map(([p, o, k, v, ts, h]) => ({ p, o, k, v, ts, h }));
      checkConsumed(records, PER_CODEC, [['source', 'confluent']]);
      assert.equal(new Set(records.map((x) => x.p)).size, PARTITIONS, 'keys spread over every partition');
      checkStoredCodec(broker.dataDir, `confluent-${codec}`, codec);
      checkTimeQueries(records, out.queries);
    });
  }
});
