import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import { GroupCoordinatorTestContext, subscription } from './group-coordinator-context.ts';

const G = 'offsets-group';
const MINUTE = 60_000;

const commit = (ctx: GroupCoordinatorTestContext, p: { groupId?: string; memberId?: string; generationId?: number; offsets: Array<[string, number, number]>; metadata?: string }) =>
  ctx.coordinator.commitOffsets({
    groupId: p.groupId ?? G, memberId: p.memberId ?? '', groupInstanceId: null, generationId: p.generationId ?? -1,
    topics: [...new Set(p.offsets.map(([t]) => t))].map((name) => ({
      name,
      partitions: p.offsets.filter(([t]) => t === name).map(([, partitionIndex, offset]) => ({
        partitionIndex, committedOffset: BigInt(offset), committedLeaderEpoch: 3, committedMetadata: p.metadata ?? 'meta',
      })),
    })),
  });

const committed = (ctx: GroupCoordinatorTestContext, groupId = G) =>
  ctx.coordinator.fetchOffsets(groupId, null).topics.flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partitionIndex}=${p.committedOffset}`)).sort();

describe('offsets', () => {
  it('a consumer without group management commits with generation -1 and fetches them back, also after a reload', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    const r = await commit(ctx, { offsets: [['t', 0, 10], ['t', 1, 20], ['u', 0, 5]] });
    assert.deepEqual(r.flatMap((t) => t.partitions.map((p) => p.errorCode)), [0, 0, 0]);
    assert.deepEqual(committed(ctx), ['t-0=10', 't-1=20', 'u-0=5']);
    const some = ctx.coordinator.fetchOffsets(G, [{ name: 't', partitionIndexes: [1, 7] }]);
    assert.deepEqual(some.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.committedLeaderEpoch, p.metadata]),
      [[1, 20n, 3, 'meta'], [7, -1n, -1, '']]);
    // The simple group exists (as Kafka lists it), Empty, without a protocol type.
    assert.deepEqual(ctx.coordinator.listGroups().groups, [{ groupId: G, protocolType: '', groupState: 'Empty', groupType: 'classic' }]);
    await commit(ctx, { offsets: [['t', 0, 11]] });
    const after = await ctx.reload();
    assert.deepEqual(committed(after), ['t-0=11', 't-1=20', 'u-0=5']);
  });

  it('members commit with their generation; stale generations, strangers and rebalances are refused', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    const joined = await ctx.join({ groupId: G });
    const codes = async (p: { memberId: string; generationId: number }) =>
      (await commit(ctx, { ...p, offsets: [['t', 0, 1]] }))[0]!.partitions[0]!.errorCode;
    assert.equal(await codes({ memberId: joined.memberId, generationId: 1 }), ErrorCode.REBALANCE_IN_PROGRESS, 'CompletingRebalance');
    await ctx.coordinator.syncGroup({ groupId: G, generationId: 1, memberId: joined.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    assert.equal(await codes({ memberId: joined.memberId, generationId: 1 }), ErrorCode.NONE);
    assert.equal(await codes({ memberId: joined.memberId, generationId: 0 }), ErrorCode.ILLEGAL_GENERATION);
    assert.equal(await codes({ memberId: 'stranger', generationId: 1 }), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(await codes({ memberId: '', generationId: -1 }), ErrorCode.UNKNOWN_MEMBER_ID, 'a simple commit to an active group');
    assert.equal((await commit(ctx, { groupId: 'nobody', memberId: 'm', generationId: 4, offsets: [['t', 0, 1]] }))[0]!.partitions[0]!.errorCode,
      ErrorCode.ILLEGAL_GENERATION, 'a generation for a group that does not exist');
    assert.equal((await commit(ctx, { groupId: '', offsets: [['t', 0, 1]] }))[0]!.partitions[0]!.errorCode, ErrorCode.INVALID_GROUP_ID);
  });

  it('metadata over offset.metadata.max.bytes is refused for that partition only', async () => {
    const ctx = await GroupCoordinatorTestContext.start({ offsetMetadataMaxBytes: 8 });
    const r = await ctx.coordinator.commitOffsets({
      groupId: G, memberId: '', groupInstanceId: null, generationId: -1,
      topics: [{ name: 't', partitions: [
        { partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: 'x'.repeat(9) },
        { partitionIndex: 1, committedOffset: 2n, committedLeaderEpoch: -1, committedMetadata: null },
      ] }],
    });
    assert.deepEqual(r[0]!.partitions.map((p) => p.errorCode), [ErrorCode.OFFSET_METADATA_TOO_LARGE, ErrorCode.NONE]);
    assert.deepEqual(committed(ctx), ['t-1=2']);
  });

  it('offsets of an empty group expire offsets.retention.minutes after it emptied; the group goes with them', async () => {
    const ctx = await GroupCoordinatorTestContext.start({ offsetsRetentionMs: 60 * MINUTE, offsetsRetentionCheckIntervalMs: MINUTE });
    const joined = await ctx.join({ groupId: G, sessionTimeoutMs: 5 * MINUTE });
    await ctx.coordinator.syncGroup({ groupId: G, generationId: 1, memberId: joined.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    await commit(ctx, { memberId: joined.memberId, generationId: 1, offsets: [['t', 0, 42]] });
    // While the group is active, its offsets never expire.
    for (let i = 0; i < 120; i++) {
      await ctx.advance(MINUTE);
      await ctx.coordinator.heartbeat({ groupId: G, generationId: 1, memberId: joined.memberId, groupInstanceId: null });
    }
    assert.deepEqual(committed(ctx), ['t-0=42']);
    await ctx.coordinator.leaveGroup({ groupId: G, members: [{ memberId: joined.memberId, groupInstanceId: null }] });
    await ctx.advance(59 * MINUTE);
    assert.deepEqual(committed(ctx), ['t-0=42'], 'the hour counts from when the group emptied, not from the commit');
    await ctx.advance(2 * MINUTE);
    assert.deepEqual(committed(ctx), []);
    assert.deepEqual(ctx.coordinator.listGroups().groups, []);
    const after = await ctx.reload();
    assert.deepEqual(committed(after), [], 'the tombstones are in the log');
    assert.deepEqual(after.coordinator.listGroups().groups, []);
  });

  it('DeleteGroups refuses a group with members and deletes an empty one with its offsets', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    const joined = await ctx.join({ groupId: G });
    await commit(ctx, { groupId: 'simple', offsets: [['t', 0, 1]] });
    const r = await ctx.coordinator.deleteGroups([G, 'simple', 'missing']);
    assert.deepEqual(r, [
      { groupId: G, errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'simple', errorCode: ErrorCode.NONE },
      { groupId: 'missing', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
    assert.deepEqual(committed(ctx, 'simple'), []);
    assert.equal(ctx.coordinator.describeGroup('simple').groupState, 'Dead');
    assert.equal(ctx.coordinator.describeGroup(G).members[0]!.memberId, joined.memberId);
    const after = await ctx.reload();
    assert.equal(after.coordinator.describeGroup('simple').groupState, 'Dead');
  });

  it('OffsetDelete refuses topics an active group subscribes to and deletes the others', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    const joined = await ctx.join({ groupId: G, protocols: [{ name: 'range', metadata: subscription(['t']) }] });
    await ctx.coordinator.syncGroup({ groupId: G, generationId: 1, memberId: joined.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    await commit(ctx, { memberId: joined.memberId, generationId: 1, offsets: [['t', 0, 1], ['old', 0, 2]] });
    const r = await ctx.coordinator.deleteOffsets(G, [{ name: 't', partitions: [0] }, { name: 'old', partitions: [0] }]);
    assert.equal(r.errorCode, ErrorCode.NONE);
    assert.deepEqual(r.topics.map((t) => [t.name, t.partitions[0]!.errorCode]), [['t', ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC], ['old', ErrorCode.NONE]]);
    assert.deepEqual(committed(ctx), ['t-0=1']);
    assert.equal((await ctx.coordinator.deleteOffsets('missing', [])).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  });

  it('deleting a topic removes its committed offsets from every group, for good', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    await commit(ctx, { offsets: [['gone', 0, 5], ['gone', 1, 6], ['kept', 0, 7]] });
    await commit(ctx, { groupId: 'other', offsets: [['gone', 3, 1]] });
    await ctx.coordinator.onTopicsDeleted(['gone']);
    assert.deepEqual(committed(ctx), ['kept-0=7']);
    assert.deepEqual(committed(ctx, 'other'), []);
    const after = await ctx.reload();
    assert.deepEqual(committed(after), ['kept-0=7']);
  });
});
