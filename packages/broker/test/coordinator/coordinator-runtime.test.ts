import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import {
  CoordinatorAppendError, CoordinatorNotAvailableError, CoordinatorRuntime, type CoordinatorLog, type CoordinatorRecord,
  type CoordinatorResult, type CoordinatorShard, type CoordinatorTimer, type LoadedMarker, type LoadedRecord, type TransactionMarker,
} from '../../src/coordinator/coordinator-runtime.ts';
import { coordinatorErrorCode } from '../../src/coordinator/internal-topic.ts';
import { ManualClock } from '../../src/storage/clock.ts';
import { settle } from './group/group-coordinator-context.ts';

/** A shard that keeps the values it replayed, so tests see exactly what replay did. */
class ListShard implements CoordinatorShard {
  readonly values: string[] = [];
  readonly timer: CoordinatorTimer<ListShard>;
  loaded = false;
  constructor(timer: CoordinatorTimer<ListShard>) {
    this.timer = timer;
  }
  replay({ record }: LoadedRecord): void {
    this.values.push(record.value!.toString());
  }
  onLoaded(): void {
    this.loaded = true;
  }
  onUnloaded(): void {}
  add(value: string): { records: CoordinatorRecord[]; response: number } {
    return { records: [{ key: Buffer.from('k'), value: Buffer.from(value) }], response: this.values.length };
  }
}

/** An in-memory log whose appends and reads can be held back, to look at the runtime in between. */
class GatedLog implements CoordinatorLog {
  readonly stored = new Map<number, CoordinatorRecord[]>();
  gate: Promise<void> = Promise.resolve();
  async append(partition: number, records: readonly CoordinatorRecord[]): Promise<void> {
    await this.gate;
    this.stored.set(partition, [...(this.stored.get(partition) ?? []), ...records]);
  }
  appendEndTransactionMarker(): Promise<void> {
    return Promise.reject(new Error('no transactions here'));
  }
  async *read(partition: number): AsyncIterable<LoadedRecord> {
    await this.gate;
    for (const [offset, record] of (this.stored.get(partition) ?? []).entries()) yield { offset, producerId: -1, producerEpoch: -1, transactional: false, record };
  }
}

function runtime(log: GatedLog, clock = new ManualClock()): CoordinatorRuntime<ListShard> {
  return new CoordinatorRuntime<ListShard>({ log, clock, createShard: (_p, timer) => new ListShard(timer) });
}

/** A shard that writes down what it was handed, records and transaction ends alike, in order. */
class EventShard implements CoordinatorShard {
  readonly events: string[] = [];
  replay({ record, offset, producerId, producerEpoch, transactional }: LoadedRecord): void {
    this.events.push(`${record.value!.toString()} at ${offset}${transactional ? ` in txn ${producerId}/${producerEpoch}` : ''}`);
  }
  replayEndTransaction(producerId: number, producerEpoch: number, committed: boolean): void {
    this.events.push(`${committed ? 'commit' : 'abort'} ${producerId}/${producerEpoch}`);
  }
  onLoaded(): void {}
  onUnloaded(): void {}
}

/** A log of records and markers per partition; appends can be held back, and markers made to fail. */
class TxnLog implements CoordinatorLog {
  readonly entries = new Map<number, Array<LoadedRecord | LoadedMarker>>();
  gate: Promise<void> = Promise.resolve();
  failMarkersWith: number | null = null;
  #of(partition: number): Array<LoadedRecord | LoadedMarker> {
    let list = this.entries.get(partition);
    if (list === undefined) this.entries.set(partition, list = []);
    return list;
  }
  async append(partition: number, records: readonly CoordinatorRecord[], _ts: number, transaction?: { producerId: number; producerEpoch: number }): Promise<void> {
    await this.gate;
    const list = this.#of(partition);
    for (const record of records) {
      list.push({ offset: list.length, producerId: transaction?.producerId ?? -1, producerEpoch: transaction?.producerEpoch ?? -1, transactional: transaction !== undefined, record });
    }
  }
  async appendEndTransactionMarker(partition: number, marker: TransactionMarker): Promise<void> {
    await this.gate;
    if (this.failMarkersWith !== null) throw new CoordinatorAppendError(this.failMarkersWith, 'injected marker failure');
    const list = this.#of(partition);
    list.push({ offset: list.length, marker });
  }
  async *read(partition: number): AsyncIterable<LoadedRecord | LoadedMarker> {
    await this.gate;
    yield* this.entries.get(partition) ?? [];
  }
  /** What the log holds, as the shard would describe it. */
  describe(partition: number): string[] {
    return (this.entries.get(partition) ?? []).map((e) => ('marker' in e
      ? `${e.marker.committed ? 'commit' : 'abort'} ${e.marker.producerId}/${e.marker.producerEpoch}`
      : `${e.record.value!.toString()} at ${e.offset}${e.transactional ? ` in txn ${e.producerId}/${e.producerEpoch}` : ''}`));
  }
}

const put = (value: string, transaction?: { producerId: number; producerEpoch: number }): CoordinatorResult<null> => ({
  records: [{ key: Buffer.from('k'), value: Buffer.from(value) }], response: null, ...(transaction ? { transaction } : {}),
});
const marker = (producerId: number, committed: boolean): TransactionMarker => ({ producerId, producerEpoch: 1, coordinatorEpoch: 0, committed });

describe('CoordinatorRuntime: transactions', () => {
  const txnRuntime = (log: TxnLog) => new CoordinatorRuntime<EventShard>({ log, clock: new ManualClock(), createShard: () => new EventShard() });

  it('appends a transactional write as the producer\'s batch and replays it as such; a marker is written in the shard\'s turn, then applied', async () => {
    const log = new TxnLog();
    const rt = txnRuntime(log);
    await rt.load(0);
    await rt.write(0, () => put('a', { producerId: 7, producerEpoch: 1 }));
    await rt.write(0, () => put('plain'));
    let open!: () => void;
    log.gate = new Promise((r) => { open = r; });
    const queued = rt.write(0, () => put('b', { producerId: 7, producerEpoch: 1 }));
    const completing = rt.completeTransaction(0, marker(7, true));
    await settle();
    assert.deepEqual(rt.read(0, (s) => s.events), ['a at -1 in txn 7/1', 'plain at -1'], 'nothing of the held writes yet');
    open();
    await Promise.all([queued, completing]);
    assert.deepEqual(rt.read(0, (s) => s.events), ['a at -1 in txn 7/1', 'plain at -1', 'b at -1 in txn 7/1', 'commit 7/1']);
    assert.deepEqual(log.describe(0), ['a at 0 in txn 7/1', 'plain at 1', 'b at 2 in txn 7/1', 'commit 7/1']);
  });

  it('loading hands records and markers to the shard in log order', async () => {
    const log = new TxnLog();
    const first = txnRuntime(log);
    await first.load(0);
    await first.write(0, () => put('x', { producerId: 7, producerEpoch: 1 }));
    await first.write(0, () => put('y', { producerId: 8, producerEpoch: 1 }));
    await first.completeTransaction(0, marker(8, false));
    await first.write(0, () => put('z'));
    await first.completeTransaction(0, marker(7, true));
    first.close();
    const second = txnRuntime(log);
    await second.load(0);
    assert.deepEqual(second.read(0, (s) => s.events), ['x at 0 in txn 7/1', 'y at 1 in txn 8/1', 'abort 8/1', 'z at 3', 'commit 7/1']);
  });

  it('a marker that fails to be written is not applied, the error goes to the caller, and the shard goes on', async () => {
    const log = new TxnLog();
    const rt = txnRuntime(log);
    await rt.load(0);
    await rt.write(0, () => put('a', { producerId: 7, producerEpoch: 1 }));
    log.failMarkersWith = ErrorCode.NOT_LEADER_OR_FOLLOWER;
    await assert.rejects(rt.completeTransaction(0, marker(7, true)), (err) => coordinatorErrorCode(err) === ErrorCode.NOT_COORDINATOR);
    log.failMarkersWith = null;
    await rt.write(0, () => put('b'));
    await rt.completeTransaction(0, marker(7, true));
    assert.deepEqual(rt.read(0, (s) => s.events), ['a at -1 in txn 7/1', 'b at -1', 'commit 7/1']);
  });

  it('completeTransaction answers NOT_COORDINATOR for a partition not served, and waits for one still loading', async () => {
    const log = new TxnLog();
    const rt = txnRuntime(log);
    await assert.rejects(rt.completeTransaction(3, marker(7, true)), (err) => coordinatorErrorCode(err) === ErrorCode.NOT_COORDINATOR);
    let open!: () => void;
    log.gate = new Promise((r) => { open = r; });
    const loading = rt.load(0);
    const completing = rt.completeTransaction(0, marker(7, true));
    open();
    await loading;
    await completing;
    assert.deepEqual(rt.read(0, (s) => s.events), ['commit 7/1']);
    rt.unload(0);
    await assert.rejects(rt.completeTransaction(0, marker(7, true)), (err) => coordinatorErrorCode(err) === ErrorCode.NOT_COORDINATOR);
  });
});

describe('CoordinatorRuntime', () => {
  it('runs the writes of a shard one at a time, each seeing the state the previous one replayed', async () => {
    const log = new GatedLog();
    const rt = runtime(log);
    await rt.load(0);
    let open!: () => void;
    log.gate = new Promise((r) => { open = r; });
    const answers = Promise.all(['a', 'b', 'c'].map((v) => rt.write(0, (s) => s.add(v))));
    await settle();
    assert.deepEqual(rt.read(0, (s) => s.values), [], 'nothing replayed before the append completes');
    open();
    assert.deepEqual(await answers, [0, 1, 2]);
    assert.deepEqual(rt.read(0, (s) => s.values), ['a', 'b', 'c']);
    assert.deepEqual(log.stored.get(0)!.map((r) => r.value!.toString()), ['a', 'b', 'c']);
  });

  it('answers NOT_COORDINATOR for a partition it does not serve and COORDINATOR_LOAD_IN_PROGRESS while loading', async () => {
    const log = new GatedLog();
    log.stored.set(1, [{ key: Buffer.from('k'), value: Buffer.from('old') }]);
    const rt = runtime(log);
    await assert.rejects(rt.write(7, (s) => s.add('x')), (err) => coordinatorErrorCode(err) === ErrorCode.NOT_COORDINATOR);
    let open!: () => void;
    log.gate = new Promise((r) => { open = r; });
    const loading = rt.load(1);
    assert.throws(() => rt.read(1, (s) => s.values), (err) => err instanceof CoordinatorNotAvailableError && coordinatorErrorCode(err) === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    // A write queued during the load runs after it, against the loaded state.
    const queued = rt.write(1, (s) => s.add('new'));
    open();
    await loading;
    assert.equal(await queued, 1);
    assert.deepEqual(rt.read(1, (s) => s.values), ['old', 'new']);
  });

  it('fires timers as write operations on the injected clock, and forgets them when the partition is unloaded', async () => {
    const clock = new ManualClock();
    const log = new GatedLog();
    const rt = runtime(log, clock);
    await rt.load(0);
    rt.read(0, (s) => s.timer.schedule('tick', 1000, (shard) => shard.add('tick')));
    rt.read(0, (s) => s.timer.schedule('replaced', 500, (shard) => shard.add('first')));
    rt.read(0, (s) => s.timer.schedule('replaced', 700, (shard) => shard.add('second')));
    clock.advance(999);
    await settle();
    assert.deepEqual(rt.read(0, (s) => s.values), ['second'], 'a timer scheduled again under its key replaces the first');
    clock.advance(1);
    await settle();
    assert.deepEqual(rt.read(0, (s) => s.values), ['second', 'tick']);
    rt.read(0, (s) => s.timer.schedule('late', 1000, (shard) => shard.add('late')));
    rt.unload(0);
    clock.advance(5000);
    await settle();
    assert.equal(log.stored.get(0)!.length, 2, 'an unloaded shard writes nothing more');
    await assert.rejects(rt.write(0, (s) => s.add('x')), (err) => coordinatorErrorCode(err) === ErrorCode.NOT_COORDINATOR);
  });
});
