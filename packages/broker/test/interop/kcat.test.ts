/**
 * kcat (librdkafka 2.0.2, Debian) against a real broker process: metadata, keyed produce
 * with headers in every codec, consume back in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.ts';
import { run } from '../helpers/run.ts';

describe('kcat (librdkafka) interop', () => {
  let broker: BrokerProcess;
  before(async () => { broker = await startBrokerProcess({ overrides: { 'num.partitions': 3 } }); });
  after(async () => { assert.equal(await broker.stop(), 0, 'broker exits 0 on SIGTERM'); });

  it('lists metadata as JSON', async () => {
    const r = await run('kcat', ['-b', broker.bootstrap, '-L', '-J'], { timeoutMs: 20000 });
    assert.equal(r.code, 0, r.stderr);
    const md = JSON.parse(r.stdout) as { brokers: Array<{ id: number; name: string }> };
    assert.equal(md.brokers.length, 1);
    assert.equal(md.brokers[0]!.name, broker.bootstrap);
  });

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    it(`produces and consumes keyed messages with headers, compression ${codec}`, async () => {
      const topic = `kcat-${codec}`;
      const n = 2000;
      const lines = Array.from({ length: n }, (_, i) => `key-${i % 10}:value-${i}`).join('\n') + '\n';
      const p = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', topic, '-K', ':', '-z', codec, '-H', 'source=kcat',
        '-X', 'linger.ms=5'], { input: lines, timeoutMs: 30000 });
      assert.equal(p.code, 0, p.stderr);
      const c = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q',
        '-f', '%p|%o|%k|%s|%h\\n'], { timeoutMs: 30000 });
      assert.equal(c.code, 0, c.stderr);
      const got = c.stdout.trim().split('\n').map((l) => {
        const [partition, offset, key, value, headers] = l.split('|');
        return { partition: Number(partition), offset: Number(offset), key: key!, value: value!, headers: headers! };
      });
      assert.equal(got.length, n);
      const partitionOfKey = new Map<string, number>();
      const lastByPartition = new Map<number, number>();
      const lastValueByKey = new Map<string, number>();
      for (const m of got) {
        assert.equal(m.headers, 'source=kcat');
        // Same key, same partition; offsets ascend per partition; per key, order is kept.
        assert.equal(partitionOfKey.get(m.key) ?? m.partition, m.partition);
        partitionOfKey.set(m.key, m.partition);
        assert.ok(m.offset > (lastByPartition.get(m.partition) ?? -1));
        lastByPartition.set(m.partition, m.offset);
        const seq = Number(m.value.slice('value-'.length));
        assert.ok(seq > (lastValueByKey.get(m.key) ?? -1), `order of ${m.key}`);
        lastValueByKey.set(m.key, seq);
      }
      assert.deepEqual(new Set(got.map((m) => m.value)).size, n, 'nothing missing or duplicated');
    });
  }
});
