/**
 * `samsa consumer-perf-test`: kafka-consumer-perf-test.sh. Reads --messages records from
 * the start of the topic (--from-latest: from its end) and prints Kafka's summary:
 *
 *   start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
 *   rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
 *
 * (with --show-detailed-stats, like Kafka, a row of these every --reporting-interval
 * instead), then the producer perf test's line for end-to-end latency: each record's
 * timestamp to its arrival here, meaningful while a producer is writing. Without detailed
 * stats, progress goes to stderr every --reporting-interval (in place on a terminal).
 *
 * With --group it reads as a member of that consumer group from its committed offsets
 * (where it has none: the beginning, or the end with --from-latest), commits nothing, and
 * rebalance.time.ms is the time to join; without, it reads every partition directly and
 * rebalance.time.ms is the time to look them up. (Kafka always makes up a group; reading
 * directly measures the same fetch path.) */
import type { Message } from '@platformatic/kafka';
import { Option } from 'commander';
import { addConnectionOptions, type ConnectionOptions } from './common/bootstrap.ts';
import { closeAll, openConsumer } from './common/clients.ts';
import { collectKeyValue, parsePositiveInt } from './common/arguments.ts';
import { consumerSettings, groupOptions, type ConsumerSettings } from './common/client-properties.ts';
import { IsolationLevel } from './common/kafka-constants.ts';
import { LatencyStats, rates } from './common/latency-stats.ts';
import { createOutput } from './common/output.ts';
import { PartitionReader, topicInfo } from './common/partition-reader.ts';
import { ProgressLine } from './common/progress-line.ts';
import { createTool } from './common/tool.ts';

interface ConsumerPerfOptions extends ConnectionOptions {
  topic: string;
  messages: number;
  group?: string;
  fromLatest?: boolean;
  fetchSize: number;
  timeout: number;
  reportingInterval: number;
  showDetailedStats?: boolean;
  hideHeader?: boolean;
  consumerProperty?: Array<[string, string]>;
  json?: boolean;
}

interface Counters {
  records: number;
  bytes: number;
}

export function consumerPerfTestCommand() {
  const cmd = createTool('consumer-perf-test', 'measure consuming throughput (kafka-consumer-perf-test.sh)')
    .requiredOption('--topic <topic>', 'the topic to read')
    .addOption(new Option('--messages <n>', 'how many records to read').argParser(parsePositiveInt).makeOptionMandatory())
    .option('--group <group>', 'read as a member of this consumer group')
    .option('--from-latest', 'start at the end of the topic instead of its beginning')
    .addOption(new Option('--fetch-size <bytes>', 'most bytes per partition per fetch').argParser(parsePositiveInt).default(1024 * 1024))
    .addOption(new Option('--timeout <ms>', 'give up when no record arrived for this long').argParser(parsePositiveInt).default(10_000))
    .addOption(new Option('--reporting-interval <ms>', 'how often to report progress').argParser(parsePositiveInt).default(5000))
    .option('--show-detailed-stats', 'print Kafka\'s statistics row every --reporting-interval')
    .option('--hide-header', 'leave out the header line of the statistics')
    .option('--consumer-property <key=value...>', 'consumer configs: fetch.max.wait.ms, fetch.min.bytes, isolation.level, ...', collectKeyValue)
    .option('--json', 'print the summary as JSON');
  return addConnectionOptions(cmd).action(async (opts: ConsumerPerfOptions) => {
    const settings = consumerSettings(opts.consumerProperty ?? []);
    const group = opts.group ?? settings.groupId;
    const isolationLevel = settings.isolationLevel === 'read_committed' ? IsolationLevel.READ_COMMITTED : IsolationLevel.READ_UNCOMMITTED;
    const out = createOutput();
    const progress = new ProgressLine(process.stderr);
    const header = 'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec';
    if (opts.showDetailedStats === true && opts.hideHeader !== true && opts.json !== true) {
      out.line('time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec');
    }
    const latency = new LatencyStats();
    const counters: Counters = { records: 0, bytes: 0 };
    const startedAt = Date.now();
    const start = performance.now();
    // Set once reading starts (after joining the group, or after looking up the partitions).
    let fetchStart: number | null = null;
    let last = { at: start, records: 0, bytes: 0 };
    const timer = setInterval(() => {
      const now = performance.now();
      const window = rates(counters.records - last.records, counters.bytes - last.bytes, now - last.at);
      if (opts.showDetailedStats === true) {
        const mb = counters.bytes / (1024 * 1024);
        const rebalanceMs = Math.round((fetchStart ?? now) - start);
        const fetchMs = fetchStart === null ? 0 : Math.round(now - fetchStart);
        out.line([formatTime(Date.now()), 0, mb.toFixed(4), window.mbPerSec.toFixed(4), counters.records, window.recordsPerSec.toFixed(4),
          rebalanceMs, fetchMs, window.mbPerSec.toFixed(4), window.recordsPerSec.toFixed(4)].join(', '));
      } else {
        progress.update(`${counters.records} records received, ${window.recordsPerSec.toFixed(1)} records/sec (${window.mbPerSec.toFixed(2)} MB/sec).`);
      }
      last = { at: now, records: counters.records, bytes: counters.bytes };
    }, opts.reportingInterval);
    let timedOut = false;
    try {
      const count = (timestamp: bigint, bytes: number, now: number): void => {
        counters.records++;
        counters.bytes += bytes;
        latency.record(Math.max(0, now - Number(timestamp)));
      };
      if (group === undefined) {
        const consumer = await openConsumer(opts, settings.clientId ?? 'samsa-consumer-perf-test', 'samsa-consumer-perf-test');
        try {
          const reader = await PartitionReader.open(consumer, opts.topic, null, opts.fromLatest === true ? 'latest' : 'earliest', {
            isolationLevel,
            maxWaitMs: settings.maxWaitMs ?? 500,
            minBytes: settings.minBytes ?? 1,
            maxBytes: settings.maxBytes ?? 50 * 1024 * 1024,
            partitionMaxBytes: settings.maxBytesPerPartition ?? opts.fetchSize,
          });
          fetchStart = performance.now();
          let lastRecordAt = performance.now();
          while (counters.records < opts.messages) {
            const { records } = await reader.poll();
            const now = Date.now();
            for (const r of records) {
              if (counters.records >= opts.messages) break;
              count(r.timestamp, (r.key?.length ?? 0) + (r.value?.length ?? 0), now);
            }
            if (records.length > 0) lastRecordAt = performance.now();
            else if (performance.now() - lastRecordAt >= opts.timeout) {
              timedOut = true;
              break;
            }
          }
        } finally {
          await closeAll(consumer);
        }
      } else {
        timedOut = await readAsGroup(opts, group, settings, isolationLevel, count,
          () => { fetchStart = performance.now(); }, counters);
      }
    } finally {
      clearInterval(timer);
      progress.clear();
    }
    const end = performance.now();
    const readFrom = fetchStart ?? end;
    if (timedOut) out.note(`WARNING: Exiting before consuming the expected number of messages: timeout (${opts.timeout} ms) exceeded.`);
    const all = rates(counters.records, counters.bytes, end - start);
    const fetch = rates(counters.records, counters.bytes, end - readFrom);
    const mb = counters.bytes / (1024 * 1024);
    const l = latency.summary();
    if (opts.json === true) {
      out.json({
        startTime: new Date(startedAt).toISOString(), endTime: new Date().toISOString(), records: counters.records, bytes: counters.bytes,
        mb, mbPerSec: all.mbPerSec, recordsPerSec: all.recordsPerSec, rebalanceTimeMs: Math.round(readFrom - start),
        fetchTimeMs: Math.round(end - readFrom), fetchMbPerSec: fetch.mbPerSec, fetchRecordsPerSec: fetch.recordsPerSec,
        avgLatencyMs: l.avgMs, maxLatencyMs: l.maxMs, p50Ms: l.p50, p95Ms: l.p95, p99Ms: l.p99, p999Ms: l.p999, timedOut,
      });
      return;
    }
    // Like Kafka: the summary row (and its header) only when there were no per-interval rows.
    if (opts.showDetailedStats !== true) {
      if (opts.hideHeader !== true) out.line(header);
      out.line([formatTime(startedAt), formatTime(Date.now()), mb.toFixed(4), all.mbPerSec.toFixed(4), counters.records, all.recordsPerSec.toFixed(4),
        Math.round(readFrom - start), Math.round(end - readFrom), fetch.mbPerSec.toFixed(4), fetch.recordsPerSec.toFixed(4)].join(', '));
    }
    out.line(`${counters.records} records received, ${all.recordsPerSec.toFixed(6)} records/sec (${all.mbPerSec.toFixed(2)} MB/sec), `
      + `${l.avgMs.toFixed(2)} ms avg latency, ${l.maxMs.toFixed(2)} ms max latency, `
      + `${l.p50} ms 50th, ${l.p95} ms 95th, ${l.p99} ms 99th, ${l.p999} ms 99.9th (latency: record timestamp to arrival).`);
  });
}

/** Kafka's default --date-format, yyyy-MM-dd HH:mm:ss:SSS, in local time. */
function formatTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}:${p(d.getMilliseconds(), 3)}`;
}

/** Reads as a group member until `messages` records or `timeout` without one; returns whether it timed out. */
async function readAsGroup(opts: ConsumerPerfOptions, group: string, settings: ConsumerSettings, isolationLevel: number,
  count: (timestamp: bigint, bytes: number, now: number) => void, joined: () => void, counters: Counters): Promise<boolean> {
  const consumer = await openConsumer(opts, settings.clientId ?? 'samsa-consumer-perf-test', group,
    { autocommit: false, isolationLevel, ...groupOptions(settings) });
  try {
    await topicInfo(consumer, opts.topic);
    const stream = await consumer.consume({
      topics: [opts.topic],
      mode: 'committed',
      fallbackMode: opts.fromLatest === true ? 'latest' : 'earliest',
      autocommit: false,
      maxBytesPerPartition: opts.fetchSize,
    });
    joined();
    const timedOut = await new Promise<boolean>((resolve, reject) => {
      let timer = setTimeout(() => resolve(true), opts.timeout);
      stream.on('data', (m: Message<Buffer, Buffer, Buffer, Buffer>) => {
        if (counters.records >= opts.messages) return;
        count(m.timestamp, (m.key?.length ?? 0) + (m.value?.length ?? 0), Date.now());
        clearTimeout(timer);
        if (counters.records >= opts.messages) resolve(false);
        else timer = setTimeout(() => resolve(true), opts.timeout);
      });
      stream.on('error', (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      });
    });
    stream.pause();
    await stream.close();
    return timedOut;
  } finally {
    await closeAll(consumer);
  }
}
