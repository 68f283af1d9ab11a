/**
 * The transaction coordinator's test harness (after the group coordinator's): a real
 * TransactionCoordinator and runtime over an in-memory log, a ManualClock for timeouts,
 * expiry and marker retries (never sleeps), and an in-memory marker writer that records
 * every marker and can be told to fail or to hold its answers.
 */
import { ErrorCode } from '@samsa/protocol';
import type { TransactionMarker } from '../../../src/coordinator/coordinator-runtime.ts';
import { TransactionCoordinator } from '../../../src/coordinator/transaction/transaction-coordinator.ts';
import {
  defaultTransactionCoordinatorConfig, type TransactionCoordinatorConfig,
} from '../../../src/coordinator/transaction/transaction-metadata.ts';
import type { TransactionMarkerWriter } from '../../../src/coordinator/transaction/transaction-marker-writer.ts';
import {
  readTransactionLogKey, readTransactionLogValue, type TransactionLogValue,
} from '../../../src/coordinator/transaction/transaction-records.ts';
import { silentLogger } from '../../../src/logger.ts';
import { ManualClock } from '../../../src/storage/clock.ts';
import { MemoryCoordinatorLog, settle } from '../group/group-coordinator-context.ts';

export { settle };

export interface WrittenMarker extends TransactionMarker {
  topic: string;
  partition: number;
}

/** Records markers; `fail` queues error codes per partition, `hold` keeps answers back until `release`. */
export class MemoryMarkerWriter implements TransactionMarkerWriter {
  readonly written: WrittenMarker[] = [];
  /** Every attempt, failed ones included. */
  readonly attempts: WrittenMarker[] = [];
  readonly #failures = new Map<string, number[]>();
  #held: Array<() => void> | null = null;

  /** The next writes to the partition answer these codes, in order. */
  fail(topic: string, partition: number, ...codes: number[]): void {
    this.#failures.set(`${topic}-${partition}`, [...(this.#failures.get(`${topic}-${partition}`) ?? []), ...codes]);
  }

  hold(): void {
    this.#held ??= [];
  }

  release(): void {
    const held = this.#held ?? [];
    this.#held = null;
    for (const go of held) go();
  }

  async writeMarker(topic: string, partition: number, marker: TransactionMarker): Promise<number> {
    if (this.#held !== null) await new Promise<void>((resolve) => this.#held!.push(resolve));
    const m = { topic, partition, ...marker };
    this.attempts.push(m);
    const queued = this.#failures.get(`${topic}-${partition}`);
    const code = queued?.shift();
    if (code !== undefined && code !== ErrorCode.NONE) return code;
    this.written.push(m);
    return ErrorCode.NONE;
  }
}

export const GROUP_PARTITION = 7;

export class TransactionCoordinatorTestContext {
  readonly clock = new ManualClock();
  readonly log: MemoryCoordinatorLog;
  readonly markers: MemoryMarkerWriter;
  readonly config: TransactionCoordinatorConfig;
  /** Topics that exist, with their partition counts; `partitionExists` reads it. */
  readonly topics: Map<string, number>;
  coordinatorEpoch = 3;
  nextProducerId = 1000;
  coordinator!: TransactionCoordinator;

  constructor(config: Partial<TransactionCoordinatorConfig> = {}, log = new MemoryCoordinatorLog(), markers = new MemoryMarkerWriter(),
    topics = new Map([['t', 4], ['u', 2]])) {
    this.config = { ...defaultTransactionCoordinatorConfig, ...config };
    this.log = log;
    this.markers = markers;
    this.topics = topics;
  }

  static async start(config: Partial<TransactionCoordinatorConfig> = {}): Promise<TransactionCoordinatorTestContext> {
    const ctx = new TransactionCoordinatorTestContext(config);
    await ctx.#open();
    return ctx;
  }

  async #open(): Promise<void> {
    this.coordinator = new TransactionCoordinator({
      log: this.log,
      topic: { partitionCount: () => 1, create: () => Promise.resolve(1) },
      clock: this.clock,
      config: this.config,
      numPartitions: 1,
      producerIds: { generateProducerId: () => Promise.resolve(this.nextProducerId++) },
      markers: this.markers,
      coordinatorEpochFor: () => this.coordinatorEpoch,
      partitionExists: (topic, partition) => partition >= 0 && partition < (this.topics.get(topic) ?? 0),
      groupMetadataTopic: '__consumer_offsets',
      groupPartitionFor: () => GROUP_PARTITION,
      logger: silentLogger(),
      markerRetryBackoffMs: 100,
      markerMaxRetryBackoffMs: 1_000,
    });
    await this.coordinator.startup();
  }

  /** A new coordinator that loads what this one wrote (a restart); markers written so far are kept. */
  async reload(): Promise<TransactionCoordinatorTestContext> {
    this.coordinator.shutdown();
    const next = new TransactionCoordinatorTestContext(this.config, this.log, this.markers, this.topics);
    next.nextProducerId = this.nextProducerId;
    next.coordinatorEpoch = this.coordinatorEpoch;
    next.clock.advance(this.clock.now() - next.clock.now());
    await next.#open();
    await settle();
    return next;
  }

  /** Moves time and lets the operations the timers started finish. */
  async advance(ms: number): Promise<void> {
    await settle();
    this.clock.advance(ms);
    await settle();
  }

  /** The values written to `__transaction_state` for an id, oldest first (null: tombstone). */
  values(transactionalId: string): Array<TransactionLogValue | null> {
    return this.log.records.filter((r) => readTransactionLogKey(r.key) === transactionalId)
      .map((r) => (r.value === null ? null : readTransactionLogValue(r.value)));
  }

  lastValue(transactionalId: string): TransactionLogValue | null | undefined {
    return this.values(transactionalId).at(-1);
  }

  init(transactionalId: string, opts: { timeoutMs?: number; producerId?: number; producerEpoch?: number } = {}) {
    return this.coordinator.initProducerId({
      transactionalId, transactionTimeoutMs: opts.timeoutMs ?? 60_000, producerId: opts.producerId ?? -1, producerEpoch: opts.producerEpoch ?? -1,
    });
  }

  /** AddPartitionsToTxn; answers the error of the first partition (all share it unless verifying). */
  async add(transactionalId: string, producerId: number, producerEpoch: number, topics: Record<string, number[]>, verifyOnly = false): Promise<number> {
    const r = await this.coordinator.addPartitionsToTxn({
      transactionalId, producerId, producerEpoch, verifyOnly, topics: Object.entries(topics).map(([name, partitions]) => ({ name, partitions })),
    });
    return r[0]!.resultsByPartition[0]!.partitionErrorCode;
  }

  end(transactionalId: string, producerId: number, producerEpoch: number, committed: boolean): Promise<number> {
    return this.coordinator.endTxn({ transactionalId, producerId, producerEpoch, committed });
  }

  state(transactionalId: string): string {
    return this.coordinator.describeTransactions([transactionalId])[0]!.transactionState;
  }

  /** A transactional id initialised and with an ongoing transaction over t-0 and u-1. */
  async ongoing(transactionalId: string, timeoutMs = 60_000): Promise<{ producerId: number; producerEpoch: number }> {
    const r = await this.init(transactionalId, { timeoutMs });
    if (r.errorCode !== ErrorCode.NONE) throw new Error(`init ${r.errorCode}`);
    const code = await this.add(transactionalId, r.producerId, r.producerEpoch, { t: [0], u: [1] });
    if (code !== ErrorCode.NONE) throw new Error(`add ${code}`);
    return { producerId: r.producerId, producerEpoch: r.producerEpoch };
  }
}
