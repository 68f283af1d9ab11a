/**
 * Transactional offset commits (TxnOffsetCommit, KIP-98 and KIP-447) through the
 * coordinator harness: offsets pending per producer until its marker, the order rule
 * against plain commits, OffsetFetch require_stable, reloads with markers in the log, the
 * member checks of KIP-447, completeTransaction's answers, and what deletion, expiry and
 * deleted topics do with pending offsets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import { GroupCoordinator } from '../../../src/coordinator/group/group-coordinator.ts';
import { readKey, RecordType, type OffsetCommitKey } from '../../../src/coordinator/group/group-records.ts';
import { txnOffsetCommitErrorForVersion } from '../../../src/handlers/28-txn-offset-commit.ts';
import { silentLogger } from '../../../src/logger.ts';
import { GroupCoordinatorTestContext } from './group-coordinator-context.ts';
import { TestConsumer } from './consumer-group-members.ts';

const G = 'txn-group';
const MINUTE = 60_000;
const P1 = 4000;
const P2 = 4001;

type Offsets = Array<[string, number, number]>;

const topicsOf = (offsets: Offsets) => [...new Set(offsets.map(([t]) => t))].map((name) => ({
  name,
  partitions: offsets.filter(([t]) => t === name).map(([, partitionIndex, offset]) => ({
    partitionIndex, committedOffset: BigInt(offset), committedLeaderEpoch: 2, committedMetadata: `m${offset}`,
  })),
}));

/** A TxnOffsetCommit; without member fields it is what v0-2 send. The error codes, flattened. */
async function txnCommit(ctx: GroupCoordinatorTestContext, p: {
  producerId?: number; producerEpoch?: number; groupId?: string; generationId?: number; memberId?: string;
  groupInstanceId?: string | null; offsets: Offsets;
}): Promise<number[]> {
  const r = await ctx.coordinator.txnOffsetCommit({
    transactionalId: 'tx', groupId: p.groupId ?? G, producerId: p.producerId ?? P1, producerEpoch: p.producerEpoch ?? 0,
    generationId: p.generationId ?? -1, memberId: p.memberId ?? '', groupInstanceId: p.groupInstanceId ?? null, topics: topicsOf(p.offsets),
  });
  return r.flatMap((t) => t.partitions.map((q) => q.errorCode));
}

async function commit(ctx: GroupCoordinatorTestContext, offsets: Offsets, groupId = G): Promise<number[]> {
  const r = await ctx.coordinator.commitOffsets({ groupId, memberId: '', groupInstanceId: null, generationId: -1, topics: topicsOf(offsets) });
  return r.flatMap((t) => t.partitions.map((q) => q.errorCode));
}

const end = (ctx: GroupCoordinatorTestContext, producerId: number, committed: boolean, partition = 0) =>
  ctx.coordinator.completeTransaction(partition, { producerId, producerEpoch: 0, coordinatorEpoch: 0, committed });

/** Every committed offset of the group as "topic-partition=offset". */
const committed = (ctx: GroupCoordinatorTestContext, groupId = G) =>
  ctx.coordinator.fetchOffsets(groupId, null).topics.flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partitionIndex}=${p.committedOffset}`)).sort();

/** What a stable fetch of these partitions answers: the offset, or UNSTABLE. */
function stable(ctx: GroupCoordinatorTestContext, partitions: Array<[string, number]>, groupId = G): string[] {
  const names = [...new Set(partitions.map(([t]) => t))];
  const r = ctx.coordinator.fetchOffsets(groupId, names.map((name) => ({ name, partitionIndexes: partitions.filter(([t]) => t === name).map(([, p]) => p) })),
    undefined, true);
  return r.topics.flatMap((t) => t.partitions.map((p) =>
    `${t.name}-${p.partitionIndex}=${p.errorCode === ErrorCode.UNSTABLE_OFFSET_COMMIT ? 'UNSTABLE' : String(p.committedOffset)}`));
}

/** The OffsetCommit tombstones written, as "topic-partition". */
const tombstones = (ctx: GroupCoordinatorTestContext) => ctx.log.records.flatMap((r) => {
  const key = readKey(r.key);
  if (key.type !== RecordType.OffsetCommit || r.value !== null) return [];
  const k = key as OffsetCommitKey;
  return [`${k.topic}-${k.partition}`];
}).sort();

describe('TxnOffsetCommit', () => {
  it('writes the OffsetCommit records as a transactional batch; the offsets count only once the COMMIT marker is in', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    assert.deepEqual(await txnCommit(ctx, { producerEpoch: 3, offsets: [['t', 0, 10], ['t', 1, 11]] }), [0, 0]);
    const written = ctx.log.entries.filter((e) => 'record' in e);
    assert.equal(written.length, 2);
    for (const e of written) assert.deepEqual([e.transactional, e.producerId, e.producerEpoch], [true, P1, 3]);
    assert.deepEqual(committed(ctx), [], 'pending offsets are not committed offsets');
    const some = ctx.coordinator.fetchOffsets(G, [{ name: 't', partitionIndexes: [0] }]);
    assert.deepEqual(some.topics[0]!.partitions.map((p) => [p.committedOffset, p.errorCode]), [[-1n, ErrorCode.NONE]]);
    // The group exists as a simple group from the first (pending) commit, as in Kafka.
    assert.deepEqual(ctx.coordinator.listGroups().groups.map((g) => [g.groupId, g.groupState]), [[G, 'Empty']]);

    assert.equal(await end(ctx, P1, true), ErrorCode.NONE);
    assert.deepEqual(ctx.log.entries.at(-1), { offset: 2, marker: { producerId: P1, producerEpoch: 0, coordinatorEpoch: 0, committed: true } });
    assert.deepEqual(committed(ctx), ['t-0=10', 't-1=11']);
    const fetched = ctx.coordinator.fetchOffsets(G, [{ name: 't', partitionIndexes: [0] }]).topics[0]!.partitions[0]!;
    assert.deepEqual([fetched.committedLeaderEpoch, fetched.metadata], [2, 'm10']);
    // A second marker for the same producer finds nothing pending and changes nothing.
    assert.equal(await end(ctx, P1, false), ErrorCode.NONE);
    assert.deepEqual(committed(ctx), ['t-0=10', 't-1=11']);
  });

  it('ABORT drops the pending offsets and leaves the committed ones as they were; other producers are untouched', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    await commit(ctx, [['t', 0, 5]]);
    await txnCommit(ctx, { producerId: P1, offsets: [['t', 0, 10]] });
    await txnCommit(ctx, { producerId: P2, offsets: [['u', 0, 20]] });
    assert.equal(await end(ctx, P1, false), ErrorCode.NONE);
    assert.deepEqual(committed(ctx), ['t-0=5']);
    assert.deepEqual(stable(ctx, [['t', 0], ['u', 0]]), ['t-0=5', 'u-0=UNSTABLE'], 'P2 still pending');
    assert.equal(await end(ctx, P2, true), ErrorCode.NONE);
    assert.deepEqual(committed(ctx), ['t-0=5', 'u-0=20']);
  });

  it('a reload replays pending offsets, markers and plain commits to the same state', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    await commit(ctx, [['t', 0, 1]]);
    await txnCommit(ctx, { producerId: P1, offsets: [['t', 0, 10], ['t', 1, 11]] });
    await txnCommit(ctx, { producerId: P2, offsets: [['u', 0, 20]] });
    await end(ctx, P1, true);
    await txnCommit(ctx, { producerId: P1, offsets: [['t', 0, 12]] }); // P1's next transaction
    const before = { committed: committed(ctx), stable: stable(ctx, [['t', 0], ['t', 1], ['u', 0]]) };
    assert.deepEqual(before, { committed: ['t-0=10', 't-1=11'], stable: ['t-0=UNSTABLE', 't-1=11', 'u-0=UNSTABLE'] });

    const after = await ctx.reload();
    assert.deepEqual({ committed: committed(after), stable: stable(after, [['t', 0], ['t', 1], ['u', 0]]) }, before);
    // The reloaded pending offsets still end with their markers.
    assert.equal(await end(after, P2, true), ErrorCode.NONE);
    assert.equal(await end(after, P1, false), ErrorCode.NONE);
    assert.deepEqual(stable(after, [['t', 0], ['t', 1], ['u', 0]]), ['t-0=10', 't-1=11', 'u-0=20']);
    const again = await after.reload();
    assert.deepEqual(committed(again), ['t-0=10', 't-1=11', 'u-0=20']);
  });

  it('a plain commit written after the transactional one wins even though the marker comes later; one written before loses', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    // t-0: transactional 10, then plain 20, then COMMIT: the plain commit is the later record.
    await txnCommit(ctx, { offsets: [['t', 0, 10], ['t', 1, 11]] });
    await commit(ctx, [['t', 0, 20]]);
    assert.deepEqual(committed(ctx), ['t-0=20'], 'the plain commit counts at once');
    // u-0: plain 7, then transactional 30, then COMMIT: the transactional commit is the later record.
    await commit(ctx, [['u', 0, 7]]);
    await txnCommit(ctx, { offsets: [['u', 0, 30]] });
    await end(ctx, P1, true);
    assert.deepEqual(committed(ctx), ['t-0=20', 't-1=11', 'u-0=30']);
    // The same order rule holds on a reload, which sees real log offsets instead of live positions.
    const after = await ctx.reload();
    assert.deepEqual(committed(after), ['t-0=20', 't-1=11', 'u-0=30']);
    // And after the reload, live writes still order after everything loaded.
    await txnCommit(after, { producerId: P2, offsets: [['t', 0, 40]] });
    await commit(after, [['t', 0, 50]]);
    await end(after, P2, true);
    assert.deepEqual(committed(after), ['t-0=50', 't-1=11', 'u-0=30']);
    await txnCommit(after, { producerId: P2, offsets: [['t', 0, 60]] });
    await end(after, P2, true);
    assert.deepEqual(committed(after), ['t-0=60', 't-1=11', 'u-0=30']);
  });

  it('OffsetFetch with require_stable answers UNSTABLE_OFFSET_COMMIT for partitions with pending offsets; without it, the last committed offset', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    await commit(ctx, [['t', 0, 5], ['t', 1, 6]]);
    await txnCommit(ctx, { offsets: [['t', 0, 10], ['u', 0, 20]] });
    assert.deepEqual(stable(ctx, [['t', 0], ['t', 1], ['u', 0], ['u', 1]]), ['t-0=UNSTABLE', 't-1=6', 'u-0=UNSTABLE', 'u-1=-1']);
    const unstable = ctx.coordinator.fetchOffsets(G, [{ name: 't', partitionIndexes: [0] }], undefined, true).topics[0]!.partitions[0]!;
    assert.deepEqual(unstable, { partitionIndex: 0, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT });
    assert.deepEqual(committed(ctx), ['t-0=5', 't-1=6'], 'without require_stable');
    // All offsets: committed partitions listed, the pending one unstable; a pending-only partition is not listed (as Kafka).
    const all = ctx.coordinator.fetchOffsets(G, null, undefined, true);
    assert.deepEqual(all.topics.flatMap((t) => t.partitions.map((p) => [`${t.name}-${p.partitionIndex}`, p.errorCode])),
      [['t-0', ErrorCode.UNSTABLE_OFFSET_COMMIT], ['t-1', ErrorCode.NONE]]);
    // Another group of the shard is not affected.
    await commit(ctx, [['t', 0, 99]], 'other');
    assert.deepEqual(stable(ctx, [['t', 0]], 'other'), ['t-0=99']);
    await end(ctx, P1, true);
    assert.deepEqual(stable(ctx, [['t', 0], ['t', 1], ['u', 0]]), ['t-0=10', 't-1=6', 'u-0=20']);
  });

  it('KIP-447: a classic group checks the member, instance id and generation (v3+); v0-2 commits without them are accepted', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    const joined = await ctx.join({ groupId: G, groupInstanceId: 'i1' });
    const m = joined.memberId;
    const code = async (p: Omit<Parameters<typeof txnCommit>[1], 'offsets'>) => (await txnCommit(ctx, { ...p, offsets: [['t', 0, 1]] }))[0];
    // A rebalance does not hold a transactional commit back (unlike OffsetCommit's REBALANCE_IN_PROGRESS).
    assert.equal(await code({ memberId: m, generationId: 1, groupInstanceId: 'i1' }), ErrorCode.NONE, 'CompletingRebalance');
    await ctx.coordinator.syncGroup({ groupId: G, generationId: 1, memberId: m, groupInstanceId: 'i1', protocolType: null, protocolName: null, assignments: [] });
    assert.equal(await code({ memberId: m, generationId: 1, groupInstanceId: 'i1' }), ErrorCode.NONE);
    assert.equal(await code({ memberId: m, generationId: 1 }), ErrorCode.NONE, 'without the instance id');
    assert.equal(await code({ memberId: m, generationId: 0 }), ErrorCode.ILLEGAL_GENERATION);
    assert.equal(await code({ memberId: m, generationId: 2 }), ErrorCode.ILLEGAL_GENERATION);
    assert.equal(await code({ memberId: 'stranger', generationId: 1 }), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(await code({ memberId: 'stranger', generationId: 1, groupInstanceId: 'i1' }), ErrorCode.FENCED_INSTANCE_ID);
    assert.equal(await code({ memberId: m, generationId: 1, groupInstanceId: 'i2' }), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(await code({ memberId: m, generationId: -1 }), ErrorCode.ILLEGAL_GENERATION, 'a member id makes the generation count');
    assert.equal(await code({}), ErrorCode.NONE, 'v0-2: no member fields, an active group');
    assert.equal(await code({ groupId: '' }), ErrorCode.INVALID_GROUP_ID);
    assert.equal(await code({ groupId: 'nobody', memberId: m, generationId: 3 }), ErrorCode.ILLEGAL_GENERATION, 'a generation for a group that does not exist');
    assert.equal(ctx.coordinator.listGroups().groups.some((g) => g.groupId === 'nobody'), false);
    // Refused commits wrote nothing.
    await end(ctx, P1, true);
    assert.deepEqual(committed(ctx), ['t-0=1']);
  });

  it('KIP-447: a KIP-848 member commits with its epoch; a stale epoch is ILLEGAL_GENERATION, a stranger UNKNOWN_MEMBER_ID', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    ctx.topics.set('t', 2);
    const a = new TestConsumer(ctx, G, ['t']);
    await a.join();
    const code = async (p: Omit<Parameters<typeof txnCommit>[1], 'offsets'>) => (await txnCommit(ctx, { ...p, offsets: [['t', 0, 1]] }))[0];
    assert.equal(await code({ memberId: a.memberId, generationId: a.epoch }), ErrorCode.NONE);
    assert.equal(await code({ memberId: a.memberId, generationId: a.epoch + 1 }), ErrorCode.ILLEGAL_GENERATION);
    assert.equal(await code({ memberId: 'stranger', generationId: a.epoch }), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(await code({}), ErrorCode.UNKNOWN_MEMBER_ID, 'without a member, only to an empty group');
    await a.leave();
    assert.equal(await code({}), ErrorCode.NONE, 'an empty consumer group takes commits without a member');
    await end(ctx, P1, true);
    assert.deepEqual(committed(ctx), ['t-0=1']);
  });

  it('offset metadata over offset.metadata.max.bytes is refused for that partition only', async () => {
    const ctx = await GroupCoordinatorTestContext.start({ offsetMetadataMaxBytes: 3 });
    const r = await ctx.coordinator.txnOffsetCommit({
      transactionalId: 'tx', groupId: G, producerId: P1, producerEpoch: 0, generationId: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 't', partitions: [
        { partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: 'long' },
        { partitionIndex: 1, committedOffset: 2n, committedLeaderEpoch: -1, committedMetadata: null },
      ] }],
    });
    assert.deepEqual(r[0]!.partitions.map((p) => p.errorCode), [ErrorCode.OFFSET_METADATA_TOO_LARGE, ErrorCode.NONE]);
    await end(ctx, P1, true);
    assert.deepEqual(committed(ctx), ['t-1=2']);
  });

  it('a failed append answers the producer error as it is, or the coordinator error, and leaves nothing pending', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    const failing = async (code: number) => {
      ctx.log.failWith = code;
      ctx.log.failNextAppends = 1;
      return txnCommit(ctx, { offsets: [['t', 0, 1], ['t', 1, 2]] });
    };
    assert.deepEqual(await failing(ErrorCode.INVALID_PRODUCER_EPOCH), [ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.INVALID_PRODUCER_EPOCH]);
    assert.deepEqual(await failing(ErrorCode.INVALID_TXN_STATE), [ErrorCode.INVALID_TXN_STATE, ErrorCode.INVALID_TXN_STATE]);
    assert.deepEqual(await failing(ErrorCode.NOT_ENOUGH_REPLICAS), [ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_NOT_AVAILABLE]);
    assert.deepEqual(await failing(ErrorCode.NOT_LEADER_OR_FOLLOWER), [ErrorCode.NOT_COORDINATOR, ErrorCode.NOT_COORDINATOR]);
    assert.deepEqual(await failing(ErrorCode.NETWORK_EXCEPTION), [ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]);
    assert.deepEqual(await failing(ErrorCode.RECORD_LIST_TOO_LARGE), [ErrorCode.INVALID_COMMIT_OFFSET_SIZE, ErrorCode.INVALID_COMMIT_OFFSET_SIZE]);
    assert.deepEqual(stable(ctx, [['t', 0], ['t', 1]]), ['t-0=-1', 't-1=-1']);
    assert.equal(await end(ctx, P1, true), ErrorCode.NONE);
    assert.deepEqual(committed(ctx), []);
  });

  it('a coordinator that stopped serving the partition answers NOT_COORDINATOR', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    const r = await ctx.coordinator.txnOffsetCommit({
      transactionalId: 'tx', groupId: G, producerId: P1, producerEpoch: 0, generationId: -1, memberId: '', groupInstanceId: null, topics: topicsOf([['t', 0, 1]]),
    });
    assert.equal(r[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
    ctx.coordinator.shutdown();
    const after = await ctx.coordinator.txnOffsetCommit({
      transactionalId: 'tx', groupId: G, producerId: P1, producerEpoch: 0, generationId: -1, memberId: '', groupInstanceId: null, topics: topicsOf([['t', 0, 1]]),
    });
    assert.equal(after[0]!.partitions[0]!.errorCode, ErrorCode.NOT_COORDINATOR);
  });
});

describe('completeTransaction', () => {
  it('answers NONE once the marker is written and applied, NOT_COORDINATOR for a partition not served here, and the mapped error of a failed append', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    await txnCommit(ctx, { offsets: [['t', 0, 10]] });
    assert.equal(await end(ctx, P1, true, 7), ErrorCode.NOT_COORDINATOR, 'not a partition of this broker');

    ctx.log.failNextAppends = 1; // KAFKA_STORAGE_ERROR
    assert.equal(await end(ctx, P1, true), ErrorCode.NOT_COORDINATOR);
    ctx.log.failWith = ErrorCode.NOT_ENOUGH_REPLICAS;
    ctx.log.failNextAppends = 1;
    assert.equal(await end(ctx, P1, true), ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(ctx.log.entries.some((e) => 'marker' in e), false, 'no marker written');
    assert.deepEqual(stable(ctx, [['t', 0]]), ['t-0=UNSTABLE'], 'a marker that failed to be written changes nothing');

    assert.equal(await end(ctx, P1, true), ErrorCode.NONE, 'the retry');
    assert.deepEqual(stable(ctx, [['t', 0]]), ['t-0=10']);
    ctx.coordinator.shutdown();
    assert.equal(await end(ctx, P1, true), ErrorCode.NOT_COORDINATOR, 'after the partition was unloaded');
  });

  it('waits for a partition that is still loading and then applies the marker', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    await txnCommit(ctx, { offsets: [['t', 0, 10]] });
    const next = new GroupCoordinatorTestContext(ctx.config, ctx.log, ctx.topics);
    ctx.coordinator.shutdown();
    // A coordinator over the same log: the marker arrives while the partition is being loaded.
    next.coordinator = new GroupCoordinator({
      log: next.log, topic: { partitionCount: () => 1, create: () => Promise.resolve(1) }, clock: next.clock, config: next.config,
      topics: next.topics, numPartitions: 1, logger: silentLogger(),
    });
    const loading = next.coordinator.startup();
    assert.equal(next.coordinator.fetchOffsets(G, null).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const completing = end(next, P1, true);
    await loading;
    assert.equal(await completing, ErrorCode.NONE);
    assert.deepEqual(committed(next), ['t-0=10']);
  });
});

describe('pending transactional offsets and deletion, expiry, deleted topics', () => {
  it('DeleteGroups deletes an empty group with pending offsets: tombstones drop them, and the COMMIT marker brings none back', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    await commit(ctx, [['t', 0, 5]]);
    await txnCommit(ctx, { offsets: [['t', 0, 10], ['t', 1, 11]] });
    assert.deepEqual(await ctx.coordinator.deleteGroups([G]), [{ groupId: G, errorCode: ErrorCode.NONE }]);
    assert.deepEqual(tombstones(ctx), ['t-0', 't-1'], 'one tombstone per partition, committed or pending');
    assert.equal(await end(ctx, P1, true), ErrorCode.NONE);
    assert.deepEqual(committed(ctx), []);
    assert.deepEqual(ctx.coordinator.listGroups().groups, [], 'the group does not come back either');
    const after = await ctx.reload();
    assert.deepEqual(committed(after), []);
    assert.deepEqual(after.coordinator.listGroups().groups, []);
  });

  it('DeleteGroups still refuses a group with members, pending offsets or not', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    const joined = await ctx.join({ groupId: G });
    await txnCommit(ctx, { memberId: joined.memberId, generationId: 1, offsets: [['t', 0, 10]] });
    assert.deepEqual(await ctx.coordinator.deleteGroups([G]), [{ groupId: G, errorCode: ErrorCode.NON_EMPTY_GROUP }]);
    assert.deepEqual(stable(ctx, [['t', 0]]), ['t-0=UNSTABLE']);
  });

  it('a group holding offsets, pending or committed, is not forgotten when a JoinGroup that never completes expires', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    await txnCommit(ctx, { offsets: [['t', 0, 10]] });
    await commit(ctx, [['u', 0, 1]], 'plain');
    for (const groupId of [G, 'plain']) {
      const r = await ctx.join({ groupId, apiVersion: 4, sessionTimeoutMs: 10_000 });
      assert.equal(r.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    }
    await ctx.advance(10_000); // the pending members expire
    assert.deepEqual(ctx.coordinator.listGroups().groups.map((g) => [g.groupId, g.groupState]).sort(), [['plain', 'Empty'], [G, 'Empty']]);
    assert.deepEqual(await ctx.coordinator.deleteGroups([G, 'plain']), [{ groupId: G, errorCode: ErrorCode.NONE }, { groupId: 'plain', errorCode: ErrorCode.NONE }]);
    await end(ctx, P1, true);
    assert.deepEqual([...committed(ctx), ...committed(ctx, 'plain')], []);
  });

  it('expiry keeps a committed offset whose partition has a pending one, and a group with an open transaction', async () => {
    const ctx = await GroupCoordinatorTestContext.start({ offsetsRetentionMs: 60 * MINUTE, offsetsRetentionCheckIntervalMs: MINUTE });
    await commit(ctx, [['t', 0, 5], ['t', 1, 6]]);
    await ctx.advance(30 * MINUTE);
    await txnCommit(ctx, { offsets: [['t', 0, 10]] });
    await txnCommit(ctx, { groupId: 'pending-only', offsets: [['u', 0, 1]] });
    await ctx.advance(40 * MINUTE);
    // t-1 (simple group: by its commit time) expired; t-0 has a pending offset, so it stays.
    assert.deepEqual(committed(ctx), ['t-0=5']);
    assert.deepEqual(ctx.coordinator.listGroups().groups.map((g) => g.groupId).sort(), ['pending-only', G]);
    await ctx.advance(60 * MINUTE);
    assert.deepEqual(ctx.coordinator.listGroups().groups.map((g) => g.groupId).sort(), ['pending-only', G],
      'a group whose only offsets are pending is not deleted');
    assert.equal(await end(ctx, P1, true), ErrorCode.NONE);
    assert.deepEqual([...committed(ctx), ...committed(ctx, 'pending-only')], ['t-0=10', 'u-0=1']);
    // Committed now, they age from their commit time (when the transaction wrote them), like any other.
    await ctx.advance(80 * MINUTE);
    assert.deepEqual([...committed(ctx), ...committed(ctx, 'pending-only')], []);
    assert.deepEqual(ctx.coordinator.listGroups().groups, []);
  });

  it('expiry of a group whose pending offsets a tombstone removed is no longer held back', async () => {
    const ctx = await GroupCoordinatorTestContext.start({ offsetsRetentionMs: 60 * MINUTE, offsetsRetentionCheckIntervalMs: MINUTE });
    await txnCommit(ctx, { offsets: [['t', 0, 10]] });
    const deleted = await ctx.coordinator.deleteOffsets(G, [{ name: 't', partitions: [0] }]);
    assert.deepEqual(deleted.topics[0]!.partitions, [{ partitionIndex: 0, errorCode: ErrorCode.NONE }]);
    assert.deepEqual(tombstones(ctx), ['t-0'], 'OffsetDelete writes a tombstone for a partition with only a pending offset');
    await ctx.advance(2 * MINUTE);
    assert.deepEqual(ctx.coordinator.listGroups().groups, [], 'the empty group went at the next expiry run');
    assert.equal(await end(ctx, P1, true), ErrorCode.NONE);
    assert.deepEqual(committed(ctx), []);
  });

  it('deleting a topic drops its pending offsets too, so a later COMMIT does not bring them back', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    await commit(ctx, [['t', 0, 5]]);
    await txnCommit(ctx, { offsets: [['t', 0, 10], ['t', 1, 11], ['u', 0, 20]] });
    await txnCommit(ctx, { producerId: P2, groupId: 'other', offsets: [['t', 2, 30]] });
    await ctx.coordinator.onTopicsDeleted(['t']);
    assert.deepEqual(tombstones(ctx), ['t-0', 't-1', 't-2']);
    await end(ctx, P1, true);
    await end(ctx, P2, true);
    assert.deepEqual([...committed(ctx), ...committed(ctx, 'other')], ['u-0=20']);
    const after = await ctx.reload();
    assert.deepEqual([...committed(after), ...committed(after, 'other')], ['u-0=20']);
  });
});

describe('TxnOffsetCommit handler: errors by version', () => {
  it('maps what older clients do not know, as Kafka\'s KafkaApis does', () => {
    assert.equal(txnOffsetCommitErrorForVersion(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, 1), ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(txnOffsetCommitErrorForVersion(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, 2), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    assert.equal(txnOffsetCommitErrorForVersion(ErrorCode.TRANSACTION_ABORTABLE, 3), ErrorCode.INVALID_TXN_STATE);
    assert.equal(txnOffsetCommitErrorForVersion(ErrorCode.TRANSACTION_ABORTABLE, 4), ErrorCode.TRANSACTION_ABORTABLE);
    for (const v of [0, 4]) assert.equal(txnOffsetCommitErrorForVersion(ErrorCode.PRODUCER_FENCED, v), ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal(txnOffsetCommitErrorForVersion(ErrorCode.ILLEGAL_GENERATION, 0), ErrorCode.ILLEGAL_GENERATION);
  });
});
