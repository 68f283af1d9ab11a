/**
 * Reading partitions without a consumer group (Kafka's `assign()` + `seek()`): the tools
 * that read from given partitions and offsets (console-consumer without --group or with
 * --partition, consumer-perf-test without --group) fetch with @platformatic/kafka's
 * low-level `Consumer.fetch`, which joins nothing. Positions advance over control batches;
 * with read_committed, records of aborted transactions are dropped the way Kafka's
 * consumer does it, from the fetch response's aborted-transaction list.
 */
import type { Consumer } from '@platformatic/kafka';
import { CliError } from './cli-error.ts';
import { IsolationLevel, ListOffsetsTimestamp } from './kafka-constants.ts';

type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  timestampType: 'CreateTime' | 'LogAppendTime';
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer | null]>;
}

export interface PartitionReaderOptions {
  isolationLevel: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  partitionMaxBytes: number;
}

/** Where to start in a partition: Kafka's --offset values, or a timestamp (ms). */
export type StartPosition = 'earliest' | 'latest' | { offset: bigint } | { timestamp: bigint };

const CONTROL = 0x20;
const TRANSACTIONAL = 0x10;
const LOG_APPEND_TIME = 0x08;
const OFFSET_OUT_OF_RANGE = 1;

interface TopicInfo {
  topicId: string;
  leaders: number[];
}

export class PartitionReader {
  readonly #consumer: Consumer;
  readonly #topic: string;
  readonly #info: TopicInfo;
  readonly #positions: Map<number, bigint>;
  readonly #options: PartitionReaderOptions;

  private constructor(consumer: Consumer, topic: string, info: TopicInfo, positions: Map<number, bigint>, options: PartitionReaderOptions) {
    this.#consumer = consumer;
    this.#topic = topic;
    this.#info = info;
    this.#positions = positions;
    this.#options = options;
  }

  /**
   * Looks the topic up (never creating it), resolves every partition's start position and
   * returns a reader. `partitions` null means all of the topic's partitions.
   */
  static async open(consumer: Consumer, topic: string, partitions: number[] | null, start: StartPosition,
    options: PartitionReaderOptions): Promise<PartitionReader> {
    const info = await topicInfo(consumer, topic);
    const wanted = partitions ?? info.leaders.map((_, p) => p);
    for (const p of wanted) {
      if (p >= info.leaders.length) {
        throw new CliError(`partition ${p} does not exist: topic "${topic}" has ${info.leaders.length} partition${info.leaders.length === 1 ? '' : 's'}`);
      }
    }
    const positions = new Map<number, bigint>();
    if (typeof start === 'object' && 'offset' in start) {
      const [earliest, latest] = await Promise.all([
        listOffsets(consumer, topic, wanted, ListOffsetsTimestamp.EARLIEST, options.isolationLevel),
        listOffsets(consumer, topic, wanted, ListOffsetsTimestamp.LATEST, options.isolationLevel),
      ]);
      for (const p of wanted) {
        const lo = earliest.get(p)!;
        const hi = latest.get(p)!;
        if (start.offset < lo || start.offset > hi) {
          throw new CliError(`offset ${start.offset} is out of range for partition ${p} of "${topic}": it holds offsets ${lo} to ${hi}`);
        }
        positions.set(p, start.offset);
      }
    } else {
      const ts = start === 'earliest' ? ListOffsetsTimestamp.EARLIEST
        : start === 'latest' ? ListOffsetsTimestamp.LATEST : start.timestamp;
      const found = await listOffsets(consumer, topic, wanted, ts, options.isolationLevel);
      const ends = ts >= 0n && [...found.values()].some((o) => o < 0n)
        ? await listOffsets(consumer, topic, wanted, ListOffsetsTimestamp.LATEST, options.isolationLevel) : null;
      // No record at or after the timestamp: start at the end, as Kafka's tools do.
      for (const p of wanted) positions.set(p, found.get(p)! < 0n ? ends!.get(p)! : found.get(p)!);
    }
    return new PartitionReader(consumer, topic, info, positions, options);
  }

  /** The next offset to read, per partition. */
  get positions(): ReadonlyMap<number, bigint> {
    return this.#positions;
  }

  /** One fetch from every leader; resolves when data arrived or maxWaitMs passed. */
  async poll(): Promise<{ records: ConsumedRecord[]; bytes: number }> {
    const byLeader = new Map<number, number[]>();
    for (const p of this.#positions.keys()) {
      const leader = this.#info.leaders[p]!;
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
    }
    const answers = await Promise.all([...byLeader].map(([node, partitions]) => this.#fetch(node, partitions)));
    const records: ConsumedRecord[] = [];
    let bytes = 0;
    for (const response of answers) {
      for (const t of response.responses) {
        for (const part of t.partitions) {
          bytes += this.#decode(part, records);
        }
      }
    }
    return { records, bytes };
  }

  async #fetch(node: number, partitions: number[]): Promise<FetchResponse> {
    try {
      return await this.#consumer.fetch({
        node,
        maxWaitTime: this.#options.maxWaitMs,
        minBytes: this.#options.minBytes,
        maxBytes: this.#options.maxBytes,
        isolationLevel: this.#options.isolationLevel,
        topics: [{
          topicId: this.#info.topicId,
          partitions: partitions.map((partition) => ({
            partition,
            fetchOffset: this.#positions.get(partition)!,
            currentLeaderEpoch: -1,
            lastFetchedEpoch: -1,
            partitionMaxBytes: this.#options.partitionMaxBytes,
          })),
        }],
      });
    } catch (err) {
      const response = (err as { response?: FetchResponse }).response;
      const bad = response?.responses.flatMap((t) => t.partitions).find((p) => p.errorCode === OFFSET_OUT_OF_RANGE);
      if (bad !== undefined) {
        throw new CliError(`offset ${this.#positions.get(bad.partitionIndex)} is no longer in partition ${bad.partitionIndex} of "${this.#topic}" (deleted by retention?)`);
      }
      throw err;
    }
  }

  /** Appends the partition's records at or after its position; returns the bytes of record data. */
  #decode(part: FetchResponse['responses'][number]['partitions'][number], out: ConsumedRecord[]): number {
    const partition = part.partitionIndex;
    const position = this.#positions.get(partition);
    if (position === undefined || !part.records) return 0;
    const aborted = [...(part.abortedTransactions ?? [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1));
    const abortedProducers = new Set<bigint>();
    let next = position;
    let bytes = 0;
    for (const batch of part.records) {
      const lastOffset = batch.firstOffset + BigInt(batch.lastOffsetDelta);
      if (lastOffset < position) continue;
      next = lastOffset + 1n;
      const isControl = (batch.attributes & CONTROL) !== 0;
      if (this.#options.isolationLevel === IsolationLevel.READ_COMMITTED && (batch.attributes & TRANSACTIONAL) !== 0) {
        while (aborted.length > 0 && aborted[0]!.firstOffset <= lastOffset) abortedProducers.add(aborted.shift()!.producerId);
        if (isControl) {
          // The ABORT marker closes that producer's aborted transaction.
          abortedProducers.delete(batch.producerId);
          continue;
        }
        if (abortedProducers.has(batch.producerId)) continue;
      }
      if (isControl) continue;
      const logAppendTime = (batch.attributes & LOG_APPEND_TIME) !== 0;
      for (const r of batch.records) {
        const offset = batch.firstOffset + BigInt(r.offsetDelta);
        if (offset < position) continue;
        bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
        out.push({
          topic: this.#topic,
          partition,
          offset,
          timestamp: logAppendTime ? batch.maxTimestamp : batch.firstTimestamp + r.timestampDelta,
          timestampType: logAppendTime ? 'LogAppendTime' : 'CreateTime',
          key: r.key,
          value: r.value,
          headers: r.headers.map(([k, v]) => [k?.toString('utf8') ?? '', v]),
        });
      }
    }
    this.#positions.set(partition, next);
    return bytes;
  }
}

/** The topic's id and each partition's leader; a topic that does not exist is an error (it is never created). */
export async function topicInfo(consumer: Consumer, topic: string): Promise<TopicInfo> {
  let metadata;
  try {
    metadata = await consumer.metadata({ topics: [topic], autocreateTopics: false, forceUpdate: true });
  } catch (err) {
    if (/Unknown topic|UNKNOWN_TOPIC_OR_PARTITION/i.test(String((err as Error).message) + JSON.stringify(err))) {
      throw new CliError(`topic "${topic}" does not exist`);
    }
    throw err;
  }
  const t = metadata.topics.get(topic);
  if (t === undefined) throw new CliError(`topic "${topic}" does not exist`);
  return { topicId: t.id, leaders: t.partitions.map((p) => p.leader) };
}

/** ListOffsets for the given partitions at one timestamp (-1 latest, -2 earliest). */
export async function listOffsets(consumer: Consumer, topic: string, partitions: number[], timestamp: bigint,
  isolationLevel: number = IsolationLevel.READ_UNCOMMITTED): Promise<Map<number, bigint>> {
  const result = await consumer.listOffsets({ topics: [topic], partitions: { [topic]: partitions }, timestamp, isolationLevel });
  const offsets = result.get(topic) ?? [];
  return new Map(partitions.map((p) => [p, offsets[p] ?? -1n]));
}
