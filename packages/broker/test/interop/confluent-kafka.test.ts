/**
 * confluent-kafka-python (librdkafka, Debian) against a real broker process: admin topic
 * creation, keyed produce with headers in every codec, read back with an assigned
 * consumer (no group: groups come with the group coordinator).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.ts';
import { run } from '../helpers/run.ts';

const script = `
import json, sys
from confluent_kafka import Producer, Consumer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.admin import AdminClient, NewTopic
bootstrap, topic, codec, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
admin = AdminClient({'bootstrap.servers': bootstrap})
admin.create_topics([NewTopic(topic, num_partitions=4, replication_factor=1)])[topic].result(20)
p = Producer({'bootstrap.servers': bootstrap, 'compression.type': codec, 'linger.ms': 5, 'acks': 'all'})
errors = []
def report(err, msg):
    if err is not None:
        errors.append(str(err))
for i in range(n):
    p.produce(topic, key=('key-%d' % (i % 11)).encode(), value=('value-%d' % i).encode(), headers=[('source', b'confluent')], on_delivery=report)
    p.poll(0)
left = p.flush(30)
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'unused', 'enable.auto.commit': False})
c.assign([TopicPartition(topic, i, OFFSET_BEGINNING) for i in range(4)])
out = []
idle = 0
while len(out) < n and idle < 50:
    m = c.poll(0.2)
    if m is None:
        idle += 1
        continue
    if m.error():
        continue
    out.append({'p': m.partition(), 'k': m.key().decode(), 'v': m.value().decode(), 'h': [[k, v.decode()] for k, v in (m.headers() or [])]})
c.close()
print(json.dumps({'errors': errors, 'left': left, 'records': out}))
`;

describe('confluent-kafka (librdkafka) interop', () => {
  let broker: BrokerProcess;
  before(async () => { broker = await startBrokerProcess(); });
  after(async () => { assert.equal(await broker.stop(), 0); });

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    it(`creates a topic, produces and consumes with compression ${codec}`, async () => {
      const n = 2000;
      const r = await run('/usr/bin/python3', ['-c', script, broker.bootstrap, `confluent-${codec}`, codec, String(n)], { timeoutMs: 90_000 });
      assert.equal(r.code, 0, r.stderr);
      const { errors, left, records } = JSON.parse(r.stdout) as {
        errors: string[]; left: number; records: Array<{ p: number; k: string; v: string; h: Array<[string, string]> }>;
      };
      assert.deepEqual(errors, []);
      assert.equal(left, 0);
      assert.equal(records.length, n);
      assert.equal(new Set(records.map((x) => x.v)).size, n);
      const partitionOfKey = new Map<string, number>();
      const lastSeqOfKey = new Map<string, number>();
      for (const x of records) {
        assert.deepEqual(x.h, [['source', 'confluent']]);
        assert.equal(partitionOfKey.get(x.k) ?? x.p, x.p);
        partitionOfKey.set(x.k, x.p);
        const seq = Number(x.v.slice('value-'.length));
        assert.ok(seq > (lastSeqOfKey.get(x.k) ?? -1), `${x.k} in order`);
        lastSeqOfKey.set(x.k, seq);
      }
    });
  }
});
