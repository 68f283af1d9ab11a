/**
 * kcat (librdkafka 2.0.2, Debian) against a real broker process: metadata; 100,000 keyed
 * messages with headers over every codec into auto-created 6-partition topics, consumed
 * back in order; offsets by timestamp (-o s@T).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.ts';
import { checkConsumed, checkStoredCodec, checkTimeQueries, middleTimestamps, type ConsumedRecord, type TimeQuery } from '../helpers/interop-check.ts';
import { run } from '../helpers/run.ts';

const PARTITIONS = 6;
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const PER_CODEC = 100_000 / CODECS.length;

describe('kcat (librdkafka) interop', () => {
  let broker: BrokerProcess;
  before(async () => { broker = await startBrokerProcess({ overrides: { 'num.partitions': PARTITIONS } }); });
  after(async () => { assert.equal(await broker.stop(), 0, 'broker exits 0 on SIGTERM'); });

  it('lists metadata as JSON', async () => {
    const r = await run('kcat', ['-b', broker.bootstrap, '-L', '-J'], { timeoutMs: 20000 });
    assert.equal(r.code, 0, r.stderr);
    const md = JSON.parse(r.stdout) as { brokers: Array<{ id: number; name: string }> };
    assert.equal(md.brokers.length, 1);
    assert.equal(md.brokers[0]!.name, broker.bootstrap);
  });

  for (const codec of CODECS) {
    it(`${PER_CODEC} keyed messages with headers in ${PARTITIONS} partitions, compression ${codec}; offsets by timestamp`, async () => {
      const topic = `kcat-${codec}`;
      const lines = Array.from({ length: PER_CODEC }, (_, i) => `key-${i % 101}:value-${i}`).join('\n') + '\n';
      const p = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', topic, '-K', ':', '-z', codec, '-H', 'source=kcat',
        '-X', 'linger.ms=20'], { input: lines, timeoutMs: 60_000 });
      assert.equal(p.code, 0, p.stderr);
      const c = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q',
        '-f', '%p|%o|%k|%s|%T|%h\\n'], { timeoutMs: 60_000 });
      assert.equal(c.code, 0, c.stderr);
      const records: ConsumedRecord[] = c.stdout.trim().split('\n').map((l) => {
        const [partition, offset, key, value, ts, header] = l.split('|');
        const [hk, hv] = header!.split('=');
        return { p: Number(partition), o: Number(offset), k: key!, v: value!, ts: Number(ts), h: [[hk!, hv!]] };
      });
      checkConsumed(records, PER_CODEC, [['source', 'kcat']]);
      assert.equal(new Set(records.map((x) => x.p)).size, PARTITIONS, 'keys spread over every partition');
      // kcat -o s@T starts at the offset ListOffsets gives for time T.
      const queries: TimeQuery[] = [];
      for (const { p: partition, t } of middleTimestamps(records)) {
        const q = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', topic, '-p', String(partition), '-o', `s@${t + 1}`, '-c', '1', '-e', '-q', '-f', '%o\\n'],
          { timeoutMs: 30_000 });
        assert.equal(q.code, 0, q.stderr);
        queries.push({ p: partition, t: t + 1, o: q.stdout.trim() === '' ? -1 : Number(q.stdout.trim()) });
      }
      checkStoredCodec(broker.dataDir, topic, codec);
      checkTimeQueries(records, queries);
    });
  }
});
