/**
 * Kafka's GroupMetadataManagerTestContext, ours: a real GroupCoordinator and runtime over
 * an in-memory log (the coordinator's only seam to storage), driven by a ManualClock so
 * session, rebalance and expiry timeouts are tested by moving time, never by sleeping.
 * Topics (for KIP-848 assignments) are a plain map the test changes at will.
 */
import { ConsumerProtocolSubscription, Writer, type Uuid } from '@samsa/protocol';
import type {
  CoordinatorLog, CoordinatorRecord, LoadedMarker, LoadedRecord, TransactionMarker,
} from '../../../src/coordinator/coordinator-runtime.ts';
import { CoordinatorAppendError } from '../../../src/coordinator/coordinator-runtime.ts';
import { GroupCoordinator } from '../../../src/coordinator/group/group-coordinator.ts';
import type { JoinGroupParams } from '../../../src/coordinator/group/classic-group-manager.ts';
import type { ConsumerGroupHeartbeatParams } from '../../../src/coordinator/group/consumer-group-manager.ts';
import {
  defaultGroupCoordinatorConfig, type GroupCoordinatorConfig, type GroupTopicLookup,
} from '../../../src/coordinator/group/shard-context.ts';
import { silentLogger } from '../../../src/logger.ts';
import { ManualClock } from '../../../src/storage/clock.ts';

/**
 * The records and transaction markers written, kept in order like a one-partition log;
 * appends can be made to fail.
 */
export class MemoryCoordinatorLog implements CoordinatorLog {
  readonly entries: Array<LoadedRecord | LoadedMarker> = [];
  failNextAppends = 0;
  /** The Kafka error code failed appends answer (56, KAFKA_STORAGE_ERROR, unless a test says otherwise). */
  failWith = 56;

  /** The records written, markers left out. */
  get records(): CoordinatorRecord[] {
    return this.entries.flatMap((e) => ('record' in e ? [e.record] : []));
  }

  async append(_partition: number, records: readonly CoordinatorRecord[], _timestampMs: number,
    transaction?: { producerId: number; producerEpoch: number }): Promise<void> {
    await this.#maybeFail();
    for (const record of records) {
      this.entries.push({
        offset: this.entries.length, producerId: transaction?.producerId ?? -1, producerEpoch: transaction?.producerEpoch ?? -1,
        transactional: transaction !== undefined, record,
      });
    }
  }

  async appendEndTransactionMarker(_partition: number, marker: TransactionMarker): Promise<void> {
    await this.#maybeFail();
    this.entries.push({ offset: this.entries.length, marker });
  }

  async #maybeFail(): Promise<void> {
    await Promise.resolve();
    if (this.failNextAppends > 0) {
      this.failNextAppends--;
      throw new CoordinatorAppendError(this.failWith, 'injected append failure');
    }
  }

  async *read(): AsyncIterable<LoadedRecord | LoadedMarker> {
    yield* this.entries;
  }
}

/** A consumer-protocol subscription as clients encode it (version prefix, then the body). */
export function subscription(topics: string[]): Buffer {
  const w = new Writer(64).int16(0);
  ConsumerProtocolSubscription.write(w, 0, { topics, userData: null });
  return w.toBuffer();
}

/** Topics by name; ids are made up from the name so a test can write them down. */
export class TestTopics implements GroupTopicLookup {
  readonly #topics = new Map<string, { topicId: Uuid; numPartitions: number }>();

  /** Creates (or recreates, with a new id when `generation` changes) a topic. */
  set(name: string, numPartitions: number, generation = 0): Uuid {
    const topicId = topicIdOf(name, generation);
    this.#topics.set(name, { topicId, numPartitions });
    return topicId;
  }

  delete(name: string): void {
    this.#topics.delete(name);
  }

  id(name: string): Uuid {
    const t = this.#topics.get(name);
    if (t === undefined) throw new Error(`no topic ${name}`);
    return t.topicId;
  }

  topic(name: string): { topicId: Uuid; numPartitions: number } | undefined {
    return this.#topics.get(name);
  }

  topicById(topicId: Uuid): { name: string; numPartitions: number } | undefined {
    for (const [name, t] of this.#topics) if (t.topicId === topicId) return { name, numPartitions: t.numPartitions };
    return undefined;
  }
}

/** A 16-byte id derived from a topic name (Kafka's Uuid text form). */
export function topicIdOf(name: string, generation = 0): Uuid {
  const bytes = Buffer.alloc(16);
  Buffer.from(`${name}#${generation}`).copy(bytes, 0, 0, 16);
  bytes[15] = (bytes[15]! + generation + 1) & 0xff;
  return bytes.toString('base64url');
}

export class GroupCoordinatorTestContext {
  readonly clock = new ManualClock();
  readonly log: MemoryCoordinatorLog;
  readonly config: GroupCoordinatorConfig;
  readonly topics: TestTopics;
  coordinator!: GroupCoordinator;

  constructor(config: Partial<GroupCoordinatorConfig> = {}, log = new MemoryCoordinatorLog(), topics = new TestTopics()) {
    this.config = { ...defaultGroupCoordinatorConfig, initialRebalanceDelayMs: 0, ...config };
    this.log = log;
    this.topics = topics;
  }

  static async start(config: Partial<GroupCoordinatorConfig> = {}): Promise<GroupCoordinatorTestContext> {
    const ctx = new GroupCoordinatorTestContext(config);
    await ctx.#open();
    return ctx;
  }

  async #open(): Promise<void> {
    this.coordinator = new GroupCoordinator({
      log: this.log,
      topic: { partitionCount: () => 1, create: () => Promise.resolve(1) },
      clock: this.clock,
      config: this.config,
      topics: this.topics,
      numPartitions: 1,
      logger: silentLogger(),
    });
    await this.coordinator.startup();
  }

  /** A new coordinator that loads what this one wrote: what a broker restart sees. */
  async reload(): Promise<GroupCoordinatorTestContext> {
    this.coordinator.shutdown();
    const next = new GroupCoordinatorTestContext(this.config, this.log, this.topics);
    next.clock.advance(this.clock.now() - next.clock.now());
    await next.#open();
    return next;
  }

  /** Moves time and lets the operations the timers started finish. */
  async advance(ms: number): Promise<void> {
    await settle();
    this.clock.advance(ms);
    await settle();
  }

  /** A ConsumerGroupHeartbeat (KIP-848) with a joining member's defaults. */
  consumerHeartbeat(p: Partial<ConsumerGroupHeartbeatParams> & { groupId: string }): ReturnType<GroupCoordinator['consumerGroupHeartbeat']> {
    return this.coordinator.consumerGroupHeartbeat({
      memberId: '', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 60_000, subscribedTopicNames: ['t'],
      serverAssignor: null, topicPartitions: [], clientId: 'client', clientHost: '/127.0.0.1',
      ...p,
    });
  }

  join(p: Partial<JoinGroupParams> & { groupId: string }): ReturnType<GroupCoordinator['joinGroup']> {
    return this.coordinator.joinGroup({
      memberId: '', groupInstanceId: null, protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscription(['t']) }],
      sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 30_000, clientId: 'client', clientHost: '/127.0.0.1', apiVersion: 3,
      ...p,
    });
  }
}

/** Lets queued promise work run (the runtime's appends are asynchronous). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Whether a promise has settled yet (without waiting for it). */
export async function isSettled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => { done = true; }, () => { done = true; });
  await settle();
  return done;
}
