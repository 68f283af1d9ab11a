/**
 * kafka-python 2.0.2 (Debian) against a real broker process. It guesses the broker's
 * version from ApiVersions v0 sent with Metadata v0 pipelined behind it, then uses fixed
 * versions (Produce v7, Fetch v4 ...). Produce in each codec it supports, read back with
 * an assigned (group-less) consumer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.ts';
import { run } from '../helpers/run.ts';

const script = `
import json, sys
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
bootstrap, topic, codec, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
producer = KafkaProducer(bootstrap_servers=bootstrap, compression_type=None if codec == 'none' else codec,
                         acks='all', linger_ms=5, request_timeout_ms=20000)
futures = [producer.send(topic, key=('key-%d' % (i % 9)).encode(), value=('value-%d' % i).encode(),
                         headers=[('source', b'kafka-python')]) for i in range(n)]
producer.flush(30)
acked = [f.get(timeout=30) for f in futures]
producer.close()
consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                         consumer_timeout_ms=5000, auto_offset_reset='earliest')
parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
consumer.assign(parts)
consumer.seek_to_beginning()
out = []
for m in consumer:
    out.append({'p': m.partition, 'o': m.offset, 'k': m.key.decode(), 'v': m.value.decode(), 'h': [[k, v.decode()] for k, v in m.headers]})
    if len(out) >= n:
        break
consumer.close()
print(json.dumps({'acked': [[a.partition, a.offset] for a in acked], 'records': out}))
`;

describe('kafka-python interop', () => {
  let broker: BrokerProcess;
  before(async () => { broker = await startBrokerProcess({ overrides: { 'num.partitions': 3 } }); });
  after(async () => { assert.equal(await broker.stop(), 0); });

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    it(`produces and consumes with compression ${codec}`, async () => {
      const n = 1500;
      const r = await run('/usr/bin/python3', ['-c', script, broker.bootstrap, `kafka-python-${codec}`, codec, String(n)], { timeoutMs: 90_000 });
      assert.equal(r.code, 0, r.stderr);
      const { acked, records } = JSON.parse(r.stdout) as {
        acked: Array<[number, number]>;
        records: Array<{ p: number; o: number; k: string; v: string; h: Array<[string, string]> }>;
      };
      assert.equal(acked.length, n);
      assert.equal(records.length, n);
      assert.equal(new Set(records.map((x) => x.v)).size, n, 'nothing missing or duplicated');
      const partitionOfKey = new Map<string, number>();
      const lastSeqOfKey = new Map<string, number>();
      for (const x of records) {
        assert.deepEqual(x.h, [['source', 'kafka-python']]);
        assert.equal(partitionOfKey.get(x.k) ?? x.p, x.p, `${x.k} stays on one partition`);
        partitionOfKey.set(x.k, x.p);
        const seq = Number(x.v.slice('value-'.length));
        assert.ok(seq > (lastSeqOfKey.get(x.k) ?? -1), `${x.k} in order`);
        lastSeqOfKey.set(x.k, seq);
      }
    });
  }
});
