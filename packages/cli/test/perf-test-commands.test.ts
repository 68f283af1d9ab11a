import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from './helpers/broker.ts';
import { assertFailure, assertSuccess } from './helpers/assertions.ts';
import { samsa } from './helpers/run-samsa.ts';

const windowLine = /^(\d+) records sent, [\d.]+ records\/sec \([\d.]+ MB\/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency\.$/;
const summaryLine = /^(\d+) records sent, (\d+\.\d{6}) records\/sec \((\d+\.\d{2}) MB\/sec\), \d+\.\d{2} ms avg latency, \d+\.\d{2} ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$/;
const kafkaHeader = 'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec';
const kafkaRow = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}, (\d+\.\d{4}), \d+\.\d{4}, (\d+), \d+\.\d{4}, \d+, \d+, \d+\.\d{4}, \d+\.\d{4}$/;

describe('samsa producer-perf-test and consumer-perf-test', () => {
  let broker: BrokerProcess;
  let bs: string[];
  before(async () => {
    broker = await startBrokerProcess({ overrides: { 'group.initial.rebalance.delay.ms': 0, 'auto.create.topics.enable': 'false' } });
    bs = ['--bootstrap-server', broker.bootstrap];
    assertSuccess(await samsa(['topics', '--create', '--topic', 'perf', '--partitions', '2', ...bs]));
  });
  after(async () => { await broker.stop(); });

  it('holds --throughput, reports windows while running and Kafka\'s summary at the end', async () => {
    const started = performance.now();
    const r = await samsa(['producer-perf-test', '--topic', 'perf', '--num-records', '1600', '--record-size', '100',
      '--throughput', '2000', '--reporting-interval', '200', ...bs]);
    const elapsed = performance.now() - started;
    assertSuccess(r);
    const lines = r.stdout.trimEnd().split('\n');
    const windows = lines.slice(0, -1);
    assert.ok(windows.length >= 2, r.stdout);
    for (const w of windows) assert.match(w, windowLine);
    const m = summaryLine.exec(lines.at(-1)!);
    assert.ok(m, lines.at(-1));
    assert.equal(m[1], '1600');
    assert.ok(Number(m[2]) <= 2000 * 1.1, `throttled to about 2000 records/sec, got ${m[2]}`);
    assert.ok(elapsed >= 750, `1600 records at 2000/s take 0.8 s, took ${elapsed} ms`);
    assert.equal(Number(m[3]), Number((Number(m[2]) * 100 / 1024 / 1024).toFixed(2)));
  });

  it('takes the broker and producer configs from --producer-props, and payloads from a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-perf-'));
    writeFileSync(join(dir, 'payloads.txt'), 'alpha\nbravo\ncharlie\n');
    const [fromProps, fromFile] = await Promise.all([
      samsa(['producer-perf-test', '--topic', 'perf', '--num-records', '5000', '--record-size', '200', '--throughput', '-1',
        '--producer-props', `bootstrap.servers=${broker.bootstrap}`, 'acks=1', 'compression.type=gzip', 'batch.size=65536', '--json']),
      samsa(['producer-perf-test', '--topic', 'perf', '--num-records', '600', '--payload-file', join(dir, 'payloads.txt'),
        '--throughput', '-1', '--json', ...bs]),
    ]);
    assertSuccess(fromProps);
    const s = JSON.parse(fromProps.stdout) as Record<string, number>;
    assert.equal(s.records, 5000);
    assert.ok(s.recordsPerSec! > 0 && s.p50Ms! <= s.p99Ms! && s.p99Ms! <= s.maxLatencyMs! + 1, fromProps.stdout);
    assertSuccess(fromFile);
    assert.equal((JSON.parse(fromFile.stdout) as { records: number }).records, 600);
  });

  it('reads the records back, with and without a group, and says when it ran out of time', async () => {
    const total = 1600 + 5000 + 600;
    const [direct, grouped, short] = await Promise.all([
      samsa(['consumer-perf-test', '--topic', 'perf', '--messages', String(total), ...bs]),
      samsa(['consumer-perf-test', '--topic', 'perf', '--messages', String(total), '--group', 'perf-readers', '--show-detailed-stats', ...bs]),
      samsa(['consumer-perf-test', '--topic', 'perf', '--messages', String(total + 1), '--timeout', '500', '--reporting-interval', '100', '--json', ...bs]),
    ]);
    assertSuccess(direct);
    const lines = direct.stdout.trimEnd().split('\n');
    assert.equal(lines[0], kafkaHeader);
    const row = kafkaRow.exec(lines[1]!);
    assert.ok(row, lines[1]);
    assert.equal(Number(row[2]), total);
    // The payload file's values are 5 or 7 bytes long, chosen at random.
    const mb = Number(row[1]) * 1024 * 1024;
    const fixed = 1600 * 100 + 5000 * 200;
    assert.ok(mb >= fixed + 600 * 5 - 60 && mb <= fixed + 600 * 7 + 60, `${row[1]} MB`);
    assert.match(lines[2]!, new RegExp(`^${total} records received, .* ms 99\\.9th \\(latency: record timestamp to arrival\\)\\.$`));

    assertSuccess(grouped);
    const g = grouped.stdout.trimEnd().split('\n');
    assert.equal(g[0], 'time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec');
    assert.ok(!g.includes(kafkaHeader), 'Kafka prints no summary row after detailed rows');
    assert.match(g.at(-1)!, new RegExp(`^${total} records received, `));

    assertSuccess(short);
    const summary = JSON.parse(short.stdout) as { records: number; timedOut: boolean };
    assert.equal(summary.records, total);
    assert.equal(summary.timedOut, true);
    assert.match(short.stderr, /^(\d+ records received, [\d.]+ records\/sec \([\d.]+ MB\/sec\)\.\n)+WARNING: Exiting before consuming the expected number of messages: timeout \(500 ms\) exceeded\.\n$/);
  });

  it('fails clearly on bad flags, a missing topic and an unreachable broker', async () => {
    const [both, noThroughput, badProp, missing, unreachable, missingP, unreachableC, badMessages] = await Promise.all([
      samsa(['producer-perf-test', '--topic', 'perf', '--num-records', '1', '--record-size', '1', '--payload-file', 'x', '--throughput', '1', ...bs]),
      samsa(['producer-perf-test', '--topic', 'perf', '--num-records', '1', '--record-size', '1', ...bs]),
      samsa(['producer-perf-test', '--topic', 'perf', '--num-records', '1', '--record-size', '1', '--throughput', '-1', '--producer-props', 'acks', ...bs]),
      samsa(['consumer-perf-test', '--topic', 'missing', '--messages', '1', ...bs]),
      samsa(['producer-perf-test', '--topic', 'perf', '--num-records', '1', '--record-size', '1', '--throughput', '-1',
        '--producer-props', 'bootstrap.servers=127.0.0.1:1', '--connect-timeout-ms', '300']),
      samsa(['producer-perf-test', '--topic', 'missing', '--num-records', '1', '--record-size', '1', '--throughput', '-1', ...bs]),
      samsa(['consumer-perf-test', '--topic', 'perf', '--messages', '1', '--bootstrap-server', '127.0.0.1:1', '--connect-timeout-ms', '300']),
      samsa(['consumer-perf-test', '--topic', 'perf', '--messages', 'all', ...bs]),
    ]);
    assertFailure(both, 'producer-perf-test', 2, /exactly one of --record-size, --payload-file/);
    assertFailure(noThroughput, 'producer-perf-test', 2, /required option '--throughput/);
    assertFailure(badProp, 'producer-perf-test', 2, /expected key=value, got "acks"/);
    assertFailure(missing, 'consumer-perf-test', 1, /topic "missing" does not exist/);
    assertFailure(unreachable, 'producer-perf-test', 1, /cannot reach a broker: tried 127\.0\.0\.1:1 \(ECONNREFUSED\)/);
    assertFailure(missingP, 'producer-perf-test', 1, /topic "missing" does not exist, and the broker does not create topics/);
    assertFailure(unreachableC, 'consumer-perf-test', 1, /cannot reach a broker: tried 127\.0\.0\.1:1 \(ECONNREFUSED\)/);
    assertFailure(badMessages, 'consumer-perf-test', 2, /--messages <n>' argument 'all' is invalid/);
  });
});
