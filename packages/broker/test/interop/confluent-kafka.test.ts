/**
 * confluent-kafka-python (librdkafka, Debian) against a real broker process: admin topic
 * creation with 6 partitions, 100,000 keyed messages with headers and timestamps spread
 * over every codec, read back with an assigned consumer, and ListOffsets by timestamp
 * (offsets_for_times). Groups are covered in consumer-groups.test.ts.
 */
import assert from 'node:assert/strict';
import { describeCodecInterop, PY_ARGS, type CodecScriptOutput } from './codec-suite.ts';

const script = `
${PY_ARGS}
from confluent_kafka import Producer, Consumer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.admin import AdminClient, NewTopic
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

describeCodecInterop<CodecScriptOutput & { errors: string[]; left: number }>('confluent-kafka (librdkafka) interop', 'confluent', script, 120_000, (out) => {
  assert.deepEqual(out.errors, []);
  assert.equal(out.left, 0);
});
