import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import {
  CoordinatorNotAvailableError, CoordinatorRuntime, type CoordinatorLog, type CoordinatorRecord, type CoordinatorShard,
  type CoordinatorTimer, type LoadedRecord,
} from '../../src/coordinator/coordinator-runtime.ts';
import { coordinatorErrorCode } from '../../src/coordinator/group/group-coordinator.ts';
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
