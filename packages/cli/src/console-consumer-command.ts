/**
 * `samsa console-consumer`: kafka-console-consumer.sh. Three ways to read:
 * - `--group G`: a member of consumer group G (JoinGroup/SyncGroup through
 *   @platformatic/kafka); starts from the group's committed offsets, else from the end (or
 *   the beginning with --from-beginning), and commits what it printed.
 * - `--partition P [--offset O]`: that partition only, no group.
 * - neither: every partition of the topic, no group. (Kafka makes up a throwaway group
 *   here; reading the partitions directly does the same for one reader and leaves
 *   nothing behind on the broker.)
 * It stops after --max-messages, after --timeout-ms without a record, on SIGINT/SIGTERM or
 * when stdout is closed (`| head`), and then prints Kafka's "Processed a total of N
 * messages" on stderr. Unlike Kafka's consumer it never creates a topic: reading one that
 * does not exist is an error.
 */
import type { Consumer, Message } from '@platformatic/kafka';
import { Option } from 'commander';
import { addConnectionOptions, type ConnectionOptions } from './common/bootstrap.ts';
import { usageError } from './common/cli-error.ts';
import { closeAll, openConsumer } from './common/clients.ts';
import { collectKeyValue, parseNonNegativeInt, parsePositiveInt } from './common/arguments.ts';
import { consumerSettings, groupOptions, type ConsumerSettings } from './common/client-properties.ts';
import { IsolationLevel } from './common/kafka-constants.ts';
import { formatRecord, formatterProperties, recordJson, type FormatterProperties } from './common/message-formatter.ts';
import { createOutput, type Output } from './common/output.ts';
import { PartitionReader, topicInfo, type ConsumedRecord, type StartPosition } from './common/partition-reader.ts';
import { createTool } from './common/tool.ts';

interface ConsoleConsumerOptions extends ConnectionOptions {
  topic: string;
  group?: string;
  fromBeginning?: boolean;
  partition?: number;
  offset?: string;
  maxMessages?: number;
  timeoutMs?: number;
  isolationLevel?: 'read_committed' | 'read_uncommitted';
  property?: Array<[string, string]>;
  consumerProperty?: Array<[string, string]>;
  json?: boolean;
}

/** Why reading stopped; set once. */
class Stop {
  reason: 'max-messages' | 'timeout' | 'signal' | 'closed-output' | null = null;
  readonly #waiters: Array<() => void> = [];

  request(reason: NonNullable<Stop['reason']>): void {
    if (this.reason !== null) return;
    this.reason = reason;
    for (const w of this.#waiters.splice(0)) w();
  }

  wait(): Promise<void> {
    if (this.reason !== null) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

export function consoleConsumerCommand() {
  const cmd = createTool('console-consumer', 'print records of a topic (kafka-console-consumer.sh)')
    .requiredOption('--topic <topic>', 'the topic to read')
    .option('--group <group>', 'read as a member of this consumer group, committing offsets')
    .option('--from-beginning', 'start at the earliest offset when there is no committed one')
    .addOption(new Option('--partition <n>', 'read only this partition (no group)').argParser(parseNonNegativeInt))
    .option('--offset <offset>', 'with --partition: earliest, latest or an offset (default: latest)')
    .addOption(new Option('--max-messages <n>', 'stop after this many records').argParser(parsePositiveInt))
    .addOption(new Option('--timeout-ms <ms>', 'stop when no record arrived for this long').argParser(parsePositiveInt))
    .addOption(new Option('--isolation-level <level>', 'read_committed skips aborted transactions').choices(['read_committed', 'read_uncommitted']))
    .option('--property <key=value...>', 'output: print.key, print.timestamp, print.headers, print.partition, print.offset, print.value, key.separator, line.separator, headers.separator, headers.key.separator, null.literal', collectKeyValue)
    .option('--consumer-property <key=value...>', 'a consumer config: group.id, group.protocol (classic or consumer), isolation.level, auto.offset.reset, fetch.max.wait.ms, ...', collectKeyValue)
    .option('--json', 'print each record as a JSON object on its own line');
  return addConnectionOptions(cmd).action(async (opts: ConsoleConsumerOptions) => {
    const settings = consumerSettings(opts.consumerProperty ?? []);
    const group = opts.group ?? settings.groupId;
    if (opts.offset !== undefined && opts.partition === undefined) throw usageError('--offset needs --partition');
    if (opts.offset !== undefined && opts.fromBeginning === true) throw usageError('--offset and --from-beginning exclude each other');
    if (group !== undefined && opts.partition !== undefined) throw usageError('--group and --partition exclude each other: a group assigns partitions itself');
    const start = startPosition(opts, settings);
    const isolation = opts.isolationLevel ?? settings.isolationLevel ?? 'read_uncommitted';
    const isolationLevel = isolation === 'read_committed' ? IsolationLevel.READ_COMMITTED : IsolationLevel.READ_UNCOMMITTED;
    const format = formatterProperties(opts.property ?? []);
    const out = createOutput();
    const stop = new Stop();
    let count = 0;
    const emit = (r: ConsumedRecord): void => {
      if (stop.reason !== null) return;
      print(out, r, format, opts.json === true);
      count++;
      if (opts.maxMessages !== undefined && count >= opts.maxMessages) stop.request('max-messages');
    };
    const onSignal = (): void => stop.request('signal');
    const onOutputError = (err: NodeJS.ErrnoException): void => {
      if (err.code === 'EPIPE') stop.request('closed-output');
      else throw err;
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    process.stdout.on('error', onOutputError);
    try {
      const clientId = settings.clientId ?? 'samsa-console-consumer';
      if (group === undefined) {
        await readAssigned(opts, settings, clientId, start, isolationLevel, stop, emit);
      } else {
        await readAsGroup(opts, settings, clientId, group, isolationLevel, stop, emit);
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.stdout.off('error', onOutputError);
    }
    out.note(`Processed a total of ${count} messages`);
  });
}

function startPosition(opts: ConsoleConsumerOptions, settings: ConsumerSettings): StartPosition {
  if (opts.offset !== undefined) {
    const o = opts.offset.trim().toLowerCase();
    if (o === 'earliest' || o === 'latest') return o;
    if (!/^\d+$/.test(o)) throw usageError(`--offset must be earliest, latest or a non-negative offset, got "${opts.offset}"`);
    return { offset: BigInt(o) };
  }
  if (opts.fromBeginning === true) return 'earliest';
  return settings.autoOffsetReset === 'earliest' ? 'earliest' : 'latest';
}

function print(out: Output, r: ConsumedRecord, format: FormatterProperties, json: boolean): void {
  if (json) out.jsonLine(recordJson(r));
  else out.write(formatRecord(r, format));
}

async function readAssigned(opts: ConsoleConsumerOptions, settings: ConsumerSettings, clientId: string, start: StartPosition,
  isolationLevel: number, stop: Stop, emit: (r: ConsumedRecord) => void): Promise<void> {
  const consumer = await openConsumer(opts, clientId, 'samsa-console-consumer', clientOptions(settings));
  try {
    const reader = await PartitionReader.open(consumer, opts.topic, opts.partition === undefined ? null : [opts.partition], start, {
      isolationLevel,
      maxWaitMs: Math.min(settings.maxWaitMs ?? 500, opts.timeoutMs ?? Infinity),
      minBytes: settings.minBytes ?? 1,
      maxBytes: settings.maxBytes ?? 50 * 1024 * 1024,
      partitionMaxBytes: settings.maxBytesPerPartition ?? 1024 * 1024,
    });
    let lastRecordAt = performance.now();
    while (stop.reason === null) {
      const { records } = await reader.poll();
      for (const r of records) emit(r);
      if (records.length > 0) lastRecordAt = performance.now();
      else if (opts.timeoutMs !== undefined && performance.now() - lastRecordAt >= opts.timeoutMs) stop.request('timeout');
    }
  } finally {
    await closeAll(consumer);
  }
}

function clientOptions(settings: ConsumerSettings) {
  return {
    ...(settings.timeout === undefined ? {} : { timeout: settings.timeout }),
    ...(settings.retries === undefined ? {} : { retries: settings.retries }),
    ...(settings.retryDelay === undefined ? {} : { retryDelay: settings.retryDelay }),
  };
}

async function readAsGroup(opts: ConsoleConsumerOptions, settings: ConsumerSettings, clientId: string, group: string,
  isolationLevel: number, stop: Stop, emit: (r: ConsumedRecord) => void): Promise<void> {
  const consumer: Consumer = await openConsumer(opts, clientId, group, {
    ...clientOptions(settings),
    autocommit: false,
    isolationLevel,
    ...groupOptions(settings),
  });
  const commitEnabled = settings.enableAutoCommit !== false;
  // Offsets of printed records only (Kafka's console consumer commits its fetch position,
  // which can be ahead of what it printed when it stops at --max-messages).
  const toCommit = new Map<number, { offset: bigint; leaderEpoch: number }>();
  const commit = async (): Promise<void> => {
    if (!commitEnabled || toCommit.size === 0) return;
    const offsets = [...toCommit].map(([partition, o]) => ({ topic: opts.topic, partition, offset: o.offset, leaderEpoch: o.leaderEpoch }));
    toCommit.clear();
    await consumer.commit({ offsets });
  };
  let failure: unknown = null;
  let timer: NodeJS.Timeout | undefined;
  let committer: NodeJS.Timeout | undefined;
  try {
    await topicInfo(consumer, opts.topic);
    const fallback = opts.fromBeginning === true || settings.autoOffsetReset === 'earliest' ? 'earliest'
      : settings.autoOffsetReset === 'none' ? 'fail' : 'latest';
    const stream = await consumer.consume({
      topics: [opts.topic],
      mode: 'committed',
      fallbackMode: fallback,
      autocommit: false,
      maxWaitTime: Math.min(settings.maxWaitMs ?? 500, opts.timeoutMs ?? Infinity),
      ...(settings.minBytes === undefined ? {} : { minBytes: settings.minBytes }),
      ...(settings.maxBytes === undefined ? {} : { maxBytes: settings.maxBytes }),
    });
    const idle = (): void => {
      if (opts.timeoutMs === undefined) return;
      clearTimeout(timer);
      timer = setTimeout(() => stop.request('timeout'), opts.timeoutMs);
    };
    idle();
    committer = setInterval(() => { commit().catch((err: unknown) => { failure ??= err; stop.request('signal'); }); }, settings.autoCommitIntervalMs ?? 5000);
    stream.on('data', (m: Message<Buffer, Buffer, Buffer, Buffer>) => {
      if (stop.reason !== null) return;
      emit(fromMessage(m));
      toCommit.set(m.partition, { offset: m.offset + 1n, leaderEpoch: m.leaderEpoch });
      idle();
    });
    stream.on('error', (err: unknown) => {
      failure ??= err;
      stop.request('signal');
    });
    await stop.wait();
    stream.pause();
    clearInterval(committer);
    clearTimeout(timer);
    if (failure === null) await commit();
    await stream.close();
  } finally {
    clearInterval(committer);
    clearTimeout(timer);
    await closeAll(consumer);
  }
  if (failure !== null) throw failure;
}

/**
 * A record delivered by the library's group stream. It does not pass the batch's
 * timestamp type on, so every timestamp is reported as CreateTime here.
 */
function fromMessage(m: Message<Buffer, Buffer, Buffer, Buffer>): ConsumedRecord {
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    timestamp: m.timestamp,
    timestampType: 'CreateTime',
    key: m.key ?? null,
    value: m.value ?? null,
    headers: m.headerEntries.map(([k, v]) => [k.toString('utf8'), v ?? null]),
  };
}
