/**
 * `samsa producer-perf-test`: kafka-producer-perf-test.sh. Sends --num-records records of
 * --record-size random uppercase letters (or lines of --payload-file) at up to
 * --throughput records/s (-1: as fast as possible), and prints Kafka's lines: a window
 * line every --reporting-interval (rewritten in place on a terminal) and the summary:
 *
 *   N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency,
 *   P ms 50th, P ms 95th, P ms 99th, P ms 99.9th.
 *
 * Records go out in sends of about `batch.size` bytes per partition (default 16384, as
 * Kafka, and at most 1 MiB per send), with up to `max.in.flight.requests.per.connection`
 * sends (default 5) outstanding. A record's latency runs from the moment it is handed to
 * the client to its acknowledgement.
 */
import { readFile } from 'node:fs/promises';
import type { MessageToProduce, Producer } from '@platformatic/kafka';
import { Option } from 'commander';
import { DEFAULT_BOOTSTRAP_SERVER, addConnectionOptions, type ConnectionOptions } from './common/bootstrap.ts';
import { CliError, usageError } from './common/cli-error.ts';
import { closeAll, openProducer } from './common/clients.ts';
import { collectKeyValue, parseInteger, parsePositiveInt } from './common/arguments.ts';
import { producerSettings } from './common/client-properties.ts';
import { describeError } from './common/describe-error.ts';
import { ensureTopic } from './common/ensure-topic.ts';
import { LatencyStats, rates, type LatencySummary } from './common/latency-stats.ts';
import { createOutput } from './common/output.ts';
import { ProgressLine } from './common/progress-line.ts';
import { createTool } from './common/tool.ts';

interface ProducerPerfOptions extends ConnectionOptions {
  topic: string;
  numRecords: number;
  recordSize?: number;
  payloadFile?: string;
  payloadDelimiter: string;
  throughput: number;
  producerProps?: Array<[string, string]>;
  reportingInterval: number;
  json?: boolean;
}

type Message = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

export function producerPerfTestCommand() {
  const cmd = createTool('producer-perf-test', 'measure producing throughput and latency (kafka-producer-perf-test.sh)')
    .requiredOption('--topic <topic>', 'the topic to write to')
    .addOption(new Option('--num-records <n>', 'how many records to send').argParser(parsePositiveInt).makeOptionMandatory())
    .addOption(new Option('--record-size <bytes>', 'size of each record\'s value').argParser(parsePositiveInt))
    .option('--payload-file <file>', 'take values from this file, split at --payload-delimiter, chosen at random')
    .option('--payload-delimiter <text>', 'what separates values in --payload-file', '\\n')
    .addOption(new Option('--throughput <records/s>', 'the most records per second; -1 for no limit').argParser(parseInteger).makeOptionMandatory())
    .option('--producer-props <key=value...>', 'producer configs: acks, compression.type, batch.size, max.in.flight.requests.per.connection, bootstrap.servers, ...', collectKeyValue)
    .addOption(new Option('--reporting-interval <ms>', 'how often to report progress').argParser(parsePositiveInt).default(5000))
    .option('--json', 'print the summary as JSON');
  return addConnectionOptions(cmd).action(async (opts: ProducerPerfOptions, command) => {
    if ((opts.recordSize === undefined) === (opts.payloadFile === undefined)) throw usageError('exactly one of --record-size, --payload-file is required');
    if (opts.throughput === 0 || opts.throughput < -1) throw usageError('--throughput must be a positive number of records per second, or -1 for no limit');
    const props = opts.producerProps ?? [];
    const settings = producerSettings(props, ['bootstrap.servers']);
    // Kafka's tool takes the broker from --producer-props bootstrap.servers=...; --bootstrap-server wins when given.
    const fromProps = props.find(([k]) => k === 'bootstrap.servers')?.[1];
    const bootstrapGiven = command.getOptionValueSource('bootstrapServer') === 'cli';
    const conn: ConnectionOptions = {
      bootstrapServer: bootstrapGiven ? opts.bootstrapServer : fromProps ?? DEFAULT_BOOTSTRAP_SERVER,
      connectTimeoutMs: opts.connectTimeoutMs,
    };
    const payloads = await loadPayloads(opts);
    const acks = settings.acks ?? -1;
    const compression = settings.compression ?? 'none';
    const out = createOutput();
    const progress = new ProgressLine(process.stdout);
    const producer = await openProducer(conn, settings.clientId ?? 'samsa-producer-perf-test', {
      autocreateTopics: true,
      ...(settings.idempotent === undefined ? {} : { idempotent: settings.idempotent }),
      ...(settings.timeout === undefined ? {} : { timeout: settings.timeout }),
      ...(settings.retries === undefined ? {} : { retries: settings.retries }),
      ...(settings.retryDelay === undefined ? {} : { retryDelay: settings.retryDelay }),
    });
    let summary: { records: number; bytes: number; elapsedMs: number; latency: LatencySummary };
    try {
      const partitions = await ensureTopic(producer, opts.topic);
      const averageSize = payloads.reduce((n, p) => n + p.length, 0) / payloads.length;
      const perSend = Math.max(1, Math.floor(Math.min(1024 * 1024, (settings.batchBytes ?? 16384) * partitions) / averageSize));
      summary = await run(producer, opts, payloads, { acks, compression, perSend, maxInFlight: settings.maxInFlight ?? 5 }, (w) => {
        progress.update(`${w.records} records sent, ${w.recordsPerSec.toFixed(1)} records/sec (${w.mbPerSec.toFixed(2)} MB/sec), `
          + `${w.avgMs.toFixed(1)} ms avg latency, ${w.maxMs.toFixed(1)} ms max latency.`);
      });
    } finally {
      progress.clear();
      await closeAll(producer);
    }
    const { recordsPerSec, mbPerSec } = rates(summary.records, summary.bytes, summary.elapsedMs);
    const l = summary.latency;
    if (opts.json === true) {
      out.json({ records: summary.records, recordsPerSec, mbPerSec, avgLatencyMs: l.avgMs, maxLatencyMs: l.maxMs,
        p50Ms: l.p50, p95Ms: l.p95, p99Ms: l.p99, p999Ms: l.p999, elapsedMs: summary.elapsedMs });
    } else {
      out.line(`${summary.records} records sent, ${recordsPerSec.toFixed(6)} records/sec (${mbPerSec.toFixed(2)} MB/sec), `
        + `${l.avgMs.toFixed(2)} ms avg latency, ${l.maxMs.toFixed(2)} ms max latency, `
        + `${l.p50} ms 50th, ${l.p95} ms 95th, ${l.p99} ms 99th, ${l.p999} ms 99.9th.`);
    }
  });
}

async function loadPayloads(opts: ProducerPerfOptions): Promise<Buffer[]> {
  if (opts.recordSize !== undefined) {
    // Kafka's payload: random uppercase letters, made once and sent for every record.
    const payload = Buffer.allocUnsafe(opts.recordSize);
    for (let i = 0; i < payload.length; i++) payload[i] = 65 + Math.floor(Math.random() * 26);
    return [payload];
  }
  let text: string;
  try {
    text = await readFile(opts.payloadFile!, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read --payload-file ${opts.payloadFile}: ${describeError(err)}`);
  }
  const delimiter = opts.payloadDelimiter.replace(/\\n/g, '\n').replace(/\\t/g, '\t');
  const payloads = text.split(delimiter).filter((p) => p !== '').map((p) => Buffer.from(p, 'utf8'));
  if (payloads.length === 0) throw new CliError(`--payload-file ${opts.payloadFile} holds no payloads`);
  return payloads;
}

interface SendSettings {
  acks: number;
  compression: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  perSend: number;
  maxInFlight: number;
}

interface Window {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgMs: number;
  maxMs: number;
}

async function run(producer: Producer, opts: ProducerPerfOptions, payloads: Buffer[], s: SendSettings,
  report: (w: Window) => void): Promise<{ records: number; bytes: number; elapsedMs: number; latency: LatencySummary }> {
  const total = new LatencyStats();
  let window = { start: performance.now(), records: 0, bytes: 0, latencySum: 0, max: 0 };
  let acked = 0;
  let ackedBytes = 0;
  let failure: unknown = null;
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const { recordsPerSec, mbPerSec } = rates(window.records, window.bytes, now - window.start);
    report({ records: window.records, recordsPerSec, mbPerSec, avgMs: window.records === 0 ? 0 : window.latencySum / window.records, maxMs: window.max });
    window = { start: now, records: 0, bytes: 0, latencySum: 0, max: 0 };
  }, opts.reportingInterval);
  try {
    let handed = 0;
    while (handed < opts.numRecords && failure === null) {
      let count = Math.min(s.perSend, opts.numRecords - handed);
      if (opts.throughput > 0) {
        // Kafka's ThroughputThrottler: never get ahead of throughput * elapsed.
        const allowed = Math.floor((performance.now() - start) / 1000 * opts.throughput) + 1 - handed;
        if (allowed <= 0) {
          const dueAt = start + (handed / opts.throughput) * 1000;
          await new Promise((r) => setTimeout(r, Math.max(1, dueAt - performance.now())));
          continue;
        }
        count = Math.min(count, allowed);
      }
      while (inFlight.size >= s.maxInFlight) await Promise.race(inFlight);
      const messages: Message[] = new Array<Message>(count);
      let bytes = 0;
      for (let i = 0; i < count; i++) {
        const value = payloads.length === 1 ? payloads[0]! : payloads[Math.floor(Math.random() * payloads.length)]!;
        bytes += value.length;
        messages[i] = { topic: opts.topic, value };
      }
      handed += count;
      const sentAt = performance.now();
      const p: Promise<void> = producer.send({ messages, acks: s.acks, compression: s.compression }).then(() => {
        const latency = performance.now() - sentAt;
        total.record(latency, count);
        acked += count;
        ackedBytes += bytes;
        window.records += count;
        window.bytes += bytes;
        window.latencySum += latency * count;
        if (latency > window.max) window.max = latency;
      }, (err: unknown) => { failure ??= err; }).finally(() => { inFlight.delete(p); });
      inFlight.add(p);
    }
    await Promise.all(inFlight);
  } finally {
    clearInterval(timer);
  }
  if (failure !== null) throw new CliError(`sending to ${opts.topic} failed after ${acked} records: ${describeError(failure)}`);
  return { records: acked, bytes: ackedBytes, elapsedMs: performance.now() - start, latency: total.summary() };
}
