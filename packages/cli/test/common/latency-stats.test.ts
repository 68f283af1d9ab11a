import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatencyStats, rates } from '../../src/common/latency-stats.ts';

describe('latency-stats', () => {
  it('gives the percentiles Kafka computes from every single latency, from (latency, count) pairs', () => {
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const stats = new LatencyStats();
    const each: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const latency = random() * 100;
      const count = 1 + Math.floor(random() * 5);
      stats.record(latency, count);
      for (let c = 0; c < count; c++) each.push(latency);
    }
    each.sort((a, b) => a - b);
    const kafka = (q: number): number => Math.floor(each[Math.floor(q * each.length)]!);
    const s = stats.summary();
    assert.equal(s.count, each.length);
    assert.deepEqual([s.p50, s.p95, s.p99, s.p999], [kafka(0.5), kafka(0.95), kafka(0.99), kafka(0.999)]);
    assert.ok(Math.abs(s.avgMs - each.reduce((a, b) => a + b, 0) / each.length) < 1e-9);
    assert.equal(s.maxMs, each.at(-1));
  });

  it('is all zeros with no samples, and computes rates in Kafka\'s MB', () => {
    assert.deepEqual(new LatencyStats().summary(), { count: 0, avgMs: 0, maxMs: 0, p50: 0, p95: 0, p99: 0, p999: 0 });
    assert.deepEqual(rates(500, 2 * 1024 * 1024, 2000), { recordsPerSec: 250, mbPerSec: 1 });
  });
});
