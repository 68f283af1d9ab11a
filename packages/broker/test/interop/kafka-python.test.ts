/**
 * kafka-python 2.0.2 (Debian) against a real broker process. It guesses the broker's
 * version from ApiVersions v0 sent with Metadata v0 pipelined behind it, then uses fixed
 * versions (Produce v7, Fetch v4 ...). 100,000 keyed messages with headers and timestamps
 * over every codec it supports into 6-partition topics, read back with an assigned
 * (group-less) consumer, and offsets_for_times. Groups: consumer-groups.test.ts.
 */
import assert from 'node:assert/strict';
import { describeCodecInterop, PER_CODEC, PY_ARGS, type CodecScriptOutput } from './codec-suite.ts';

const script = `
${PY_ARGS}
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
admin = KafkaAdminClient(bootstrap_servers=bootstrap)
admin.create_topics([NewTopic(topic, num_partitions=parts, replication_factor=1)])
admin.close()
producer = KafkaProducer(bootstrap_servers=bootstrap, compression_type=None if codec == 'none' else codec,
                         acks='all', linger_ms=20, batch_size=65536, request_timeout_ms=20000)
futures = [producer.send(topic, key=('key-%d' % (i % 101)).encode(), value=('value-%d' % i).encode(), timestamp_ms=base + i,
                         headers=[('source', b'kafka-python')]) for i in range(n)]
producer.flush(60)
acked = sum(1 for f in futures if f.get(timeout=30) is not None)
producer.close()
consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                         consumer_timeout_ms=5000, auto_offset_reset='earliest', max_partition_fetch_bytes=4194304)
tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
consumer.assign(tps)
consumer.seek_to_beginning()
out = []
for m in consumer:
    out.append([m.partition, m.offset, m.key.decode(), m.value.decode(), m.timestamp, [[k, v.decode()] for k, v in m.headers]])
    if len(out) >= n:
        break
by_part = {}
for r in out:
    by_part.setdefault(r[0], []).append(r)
asks = {TopicPartition(topic, p): rs[len(rs) // 2][4] + 1 for p, rs in by_part.items()}
answers = consumer.offsets_for_times(asks)
queries = [{'p': tp.partition, 't': t, 'o': None if answers[tp] is None else answers[tp].offset} for tp, t in asks.items()]
late = TopicPartition(topic, 0)
queries.append({'p': 0, 't': base + n + 1000, 'o': None if consumer.offsets_for_times({late: base + n + 1000})[late] is None else -2})
consumer.close()
print(json.dumps({'acked': acked, 'records': out, 'queries': queries}))
`;

describeCodecInterop<CodecScriptOutput & { acked: number }>('kafka-python interop', 'kafka-python', script, 150_000, (out) => {
  assert.equal(out.acked, PER_CODEC);
});
