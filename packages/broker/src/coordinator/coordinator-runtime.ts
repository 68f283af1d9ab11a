/**
 * The machinery every coordinator shares (Kafka's CoordinatorRuntime): one shard per
 * partition of an internal topic (`__consumer_offsets`, later `__transaction_state`), a
 * shard being a state machine that only its records change.
 *
 * - A write operation reads the shard and returns `{records, response}`. The runtime
 *   appends the records to the partition's log, replays them into the shard, then hands
 *   the response back. Write operations on one shard run one at a time, in order, so each
 *   sees the state the previous one left.
 * - Loading a partition replays every record in it from the start of the log; a shard
 *   serves requests only once loaded.
 * - Timers (session timeouts, rebalance deadlines, offset expiry) are write operations
 *   scheduled on the injected clock, so tests move time instead of sleeping.
 *
 * The runtime knows neither files nor sockets: it appends and reads through
 * `CoordinatorLog`, which the broker implements over its replica manager.
 */
import type { Clock } from '../storage/clock.ts';

/** One record of an internal topic: a key and a value, null for a tombstone. */
export interface CoordinatorRecord {
  key: Buffer;
  value: Buffer | null;
}

export interface CoordinatorResult<T> {
  records: CoordinatorRecord[];
  /** The answer; a promise when it completes later (a JoinGroup waiting for the rebalance). */
  response: T;
  /**
   * Whether the runtime replays the records once they are written (the default). Classic
   * groups change their in-memory state in the handler and write records only so that a
   * reload rebuilds it, exactly as Kafka's GroupMetadataManager does; they pass false.
   */
  replayRecords?: boolean;
  /** Runs, still in the shard's turn, after the records were written or failed to be. */
  onAppended?: (error: Error | null) => void;
  /**
   * Writes the records inside this producer's transaction (a transactional batch with its
   * id and epoch, as Kafka's TxnOffsetCommit does): they count only once a COMMIT marker
   * for the producer reaches the partition (`completeTransaction`).
   */
  transaction?: { producerId: number; producerEpoch: number };
}

/** A COMMIT or ABORT marker a transaction coordinator writes to a partition of the transaction. */
export interface TransactionMarker {
  producerId: number;
  producerEpoch: number;
  /** The writing transaction coordinator's epoch (its partition's leader epoch); older ones are fenced. */
  coordinatorEpoch: number;
  committed: boolean;
}

export interface LoadedRecord {
  offset: number;
  /** -1 when the batch had no producer id. */
  producerId: number;
  producerEpoch: number;
  /** Written inside a transaction (a transactional batch): pending until its marker. */
  transactional: boolean;
  record: CoordinatorRecord;
}

/** A transaction marker found while loading. */
export interface LoadedMarker {
  offset: number;
  marker: TransactionMarker;
}

/** Where the runtime writes and from where it loads. */
export interface CoordinatorLog {
  /**
   * Appends the records as one batch (a transactional one of `transaction`'s producer when
   * given); resolves once they are in the log (acks=all).
   */
  append(partition: number, records: readonly CoordinatorRecord[], timestampMs: number,
    transaction?: { producerId: number; producerEpoch: number }): Promise<void>;
  /** Appends a transaction marker (a control batch); resolves once it is in the log. */
  appendEndTransactionMarker(partition: number, marker: TransactionMarker, timestampMs: number): Promise<void>;
  /** Every data record and transaction marker of the partition from its log start offset, in offset order. */
  read(partition: number): AsyncIterable<LoadedRecord | LoadedMarker>;
}

/** What a shard is to the runtime. */
export interface CoordinatorShard {
  replay(record: LoadedRecord): void;
  /**
   * A transaction marker reached the partition: the producer's pending transactional
   * records become part of the state (committed) or are dropped (aborted). Shards that
   * never write transactionally need not implement it.
   */
  replayEndTransaction?(producerId: number, producerEpoch: number, committed: boolean): void;
  /** Called once the partition is loaded: schedule the timers the loaded state needs. */
  onLoaded(): void;
  /** Called when the shard stops serving: cancel what it scheduled. */
  onUnloaded(): void;
}

/** Timers a shard schedules; each fires as a write operation in the shard's turn. */
export interface CoordinatorTimer<S> {
  schedule(key: string, delayMs: number, op: (shard: S) => CoordinatorResult<unknown>): void;
  cancel(key: string): void;
  isScheduled(key: string): boolean;
}

export type ShardState = 'loading' | 'active' | 'failed' | 'closed';

/** Thrown (and mapped to Kafka's error code by the caller) when a shard cannot serve. */
export class CoordinatorNotAvailableError extends Error {
  readonly reason: 'not_coordinator' | 'loading' | 'not_available';
  constructor(reason: 'not_coordinator' | 'loading' | 'not_available', message: string) {
    super(message);
    this.name = 'CoordinatorNotAvailableError';
    this.reason = reason;
  }
}

/** A failed append to the internal topic, with the Kafka error code the log answered. */
export class CoordinatorAppendError extends Error {
  readonly errorCode: number;
  constructor(errorCode: number, message: string) {
    super(message);
    this.name = 'CoordinatorAppendError';
    this.errorCode = errorCode;
  }
}

interface ShardContext<S extends CoordinatorShard> {
  partition: number;
  state: ShardState;
  shard: S;
  timer: ShardTimer<S>;
  /** The tail of the queue of write operations. */
  tail: Promise<void>;
}

class ShardTimer<S extends CoordinatorShard> implements CoordinatorTimer<S> {
  readonly #timers = new Map<string, () => void>();
  readonly #clock: Clock;
  readonly #fire: (key: string, op: (shard: S) => CoordinatorResult<unknown>) => void;

  constructor(clock: Clock, fire: (key: string, op: (shard: S) => CoordinatorResult<unknown>) => void) {
    this.#clock = clock;
    this.#fire = fire;
  }

  schedule(key: string, delayMs: number, op: (shard: S) => CoordinatorResult<unknown>): void {
    this.cancel(key);
    const cancel = this.#clock.schedule(delayMs, () => {
      // A timer rescheduled under the same key replaces this one; only the newest fires.
      if (this.#timers.get(key) !== cancel) return;
      this.#timers.delete(key);
      this.#fire(key, op);
    });
    this.#timers.set(key, cancel);
  }

  cancel(key: string): void {
    const cancel = this.#timers.get(key);
    if (cancel === undefined) return;
    this.#timers.delete(key);
    cancel();
  }

  isScheduled(key: string): boolean {
    return this.#timers.has(key);
  }

  cancelAll(): void {
    for (const cancel of this.#timers.values()) cancel();
    this.#timers.clear();
  }
}

export interface CoordinatorRuntimeOptions<S extends CoordinatorShard> {
  log: CoordinatorLog;
  clock: Clock;
  /** Builds an empty shard for a partition; the timer is the shard's own. */
  createShard(partition: number, timer: CoordinatorTimer<S>): S;
  /** Where failures of timer operations are reported (they have no caller to reject). */
  onTimerError?(partition: number, key: string, err: unknown): void;
}

export class CoordinatorRuntime<S extends CoordinatorShard> {
  readonly #options: CoordinatorRuntimeOptions<S>;
  readonly #shards = new Map<number, ShardContext<S>>();

  constructor(options: CoordinatorRuntimeOptions<S>) {
    this.#options = options;
  }

  /** Loads a partition: builds its shard by replaying the log, then starts serving it. */
  async load(partition: number): Promise<void> {
    if (this.#shards.has(partition)) return;
    const timer = new ShardTimer<S>(this.#options.clock, (key, op) => {
      const current = this.#shards.get(partition);
      if (current === undefined || current.timer !== timer) return;
      this.#enqueue(current, op).catch((err: unknown) => this.#options.onTimerError?.(partition, key, err));
    });
    let finishLoad!: () => void;
    // Writes queued while loading wait behind the load.
    const tail = new Promise<void>((resolve) => { finishLoad = resolve; });
    const loaded: ShardContext<S> = { partition, state: 'loading', shard: this.#options.createShard(partition, timer), timer, tail };
    this.#shards.set(partition, loaded);
    try {
      for await (const entry of this.#options.log.read(partition)) {
        if ('marker' in entry) loaded.shard.replayEndTransaction?.(entry.marker.producerId, entry.marker.producerEpoch, entry.marker.committed);
        else loaded.shard.replay(entry);
      }
      loaded.state = 'active';
      loaded.shard.onLoaded();
    } catch (err) {
      loaded.state = 'failed';
      throw err;
    } finally {
      finishLoad();
    }
  }

  /** Stops serving a partition (leadership moved, topic deleted, shutdown). */
  unload(partition: number): void {
    const ctx = this.#shards.get(partition);
    if (ctx === undefined) return;
    this.#shards.delete(partition);
    ctx.state = 'closed';
    ctx.timer.cancelAll();
    ctx.shard.onUnloaded();
  }

  close(): void {
    for (const p of [...this.#shards.keys()]) this.unload(p);
  }

  isActive(partition: number): boolean {
    return this.#shards.get(partition)?.state === 'active';
  }

  partitions(): number[] {
    return [...this.#shards.keys()].sort((a, b) => a - b);
  }

  /** Runs a read-only operation against the shard's current state. */
  read<T>(partition: number, op: (shard: S) => T): T {
    return op(this.#activeShard(partition).shard);
  }

  /** Runs a write operation in the shard's turn; see the file header. */
  write<T>(partition: number, op: (shard: S) => CoordinatorResult<T>): Promise<Awaited<T>> {
    try {
      return this.#enqueue(this.#writableShard(partition), op) as Promise<Awaited<T>>;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** The shard writes may queue for (an active one, or one still loading). */
  #writableShard(partition: number): ShardContext<S> {
    const ctx = this.#shards.get(partition);
    if (ctx === undefined || ctx.state === 'closed') {
      throw new CoordinatorNotAvailableError('not_coordinator', `this broker does not coordinate partition ${partition}`);
    }
    if (ctx.state === 'failed') throw new CoordinatorNotAvailableError('not_available', `partition ${partition} failed to load`);
    return ctx;
  }

  /** Runs `run` in the shard's turn once the operations queued before it are done. */
  #inTurn<T>(ctx: ShardContext<S>, run: () => Promise<T>): Promise<T> {
    const guarded = async (): Promise<T> => {
      if (ctx.state !== 'active') {
        throw new CoordinatorNotAvailableError(ctx.state === 'closed' ? 'not_coordinator' : 'not_available',
          `partition ${ctx.partition} is ${ctx.state}`);
      }
      return run();
    };
    const turn = ctx.tail.then(guarded);
    ctx.tail = turn.then(() => undefined, () => undefined);
    return turn;
  }

  /**
   * Writes a transaction marker to the partition in the shard's turn, then lets the shard
   * apply it (Kafka's CoordinatorRuntime.scheduleTransactionCompletion): the producer's
   * pending transactional records are committed or dropped.
   */
  async completeTransaction(partition: number, marker: TransactionMarker): Promise<void> {
    const ctx = this.#writableShard(partition);
    await this.#inTurn(ctx, async () => {
      await this.#options.log.appendEndTransactionMarker(ctx.partition, marker, this.#options.clock.now());
      if (ctx.state === 'active') ctx.shard.replayEndTransaction?.(marker.producerId, marker.producerEpoch, marker.committed);
    });
  }

  #activeShard(partition: number): ShardContext<S> {
    const ctx = this.#shards.get(partition);
    if (ctx === undefined || ctx.state === 'closed') {
      throw new CoordinatorNotAvailableError('not_coordinator', `this broker does not coordinate partition ${partition}`);
    }
    if (ctx.state === 'loading') throw new CoordinatorNotAvailableError('loading', `partition ${partition} is still loading`);
    if (ctx.state === 'failed') throw new CoordinatorNotAvailableError('not_available', `partition ${partition} failed to load`);
    return ctx;
  }

  #enqueue<T>(ctx: ShardContext<S>, op: (shard: S) => CoordinatorResult<T>): Promise<unknown> {
    const run = async (): Promise<{ response: T }> => {
      const result = op(ctx.shard);
      if (result.records.length > 0) {
        try {
          await this.#options.log.append(ctx.partition, result.records, this.#options.clock.now(), result.transaction);
        } catch (err) {
          result.onAppended?.(err instanceof Error ? err : new Error(String(err)));
          throw err;
        }
        if (result.replayRecords !== false && ctx.state === 'active') {
          const producerId = result.transaction?.producerId ?? -1;
          const producerEpoch = result.transaction?.producerEpoch ?? -1;
          const transactional = result.transaction !== undefined;
          for (const record of result.records) ctx.shard.replay({ offset: -1, producerId, producerEpoch, transactional, record });
        }
      }
      result.onAppended?.(null);
      // Wrapped so a deferred response (a promise) is not awaited inside the shard's turn.
      return { response: result.response };
    };
    return this.#inTurn(ctx, run).then((r) => r.response);
  }
}
