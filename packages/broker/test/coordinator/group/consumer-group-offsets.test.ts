/**
 * What offsets and the group admin APIs make of KIP-848 consumer groups: OffsetCommit and
 * OffsetFetch v9 with member ids and epochs, ListGroups, DescribeGroups, DeleteGroups and
 * offset expiry, through the coordinator harness.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import { GroupCoordinatorTestContext } from './group-coordinator-context.ts';
import { settleGroup, TestConsumer } from './consumer-group-members.ts';

const G = 'kip848-offsets';
const MINUTE = 60_000;

async function start(config: Parameters<typeof GroupCoordinatorTestContext.start>[0] = {}) {
  const ctx = await GroupCoordinatorTestContext.start(config);
  ctx.topics.set('t', 2);
  ctx.topics.set('u', 1);
  return ctx;
}

function commit(ctx: GroupCoordinatorTestContext, p: { memberId?: string; epoch?: number; apiVersion?: number; offsets: Array<[string, number, number]> }) {
  return ctx.coordinator.commitOffsets({
    groupId: G, memberId: p.memberId ?? '', groupInstanceId: null, generationId: p.epoch ?? -1, apiVersion: p.apiVersion ?? 9,
    topics: [...new Set(p.offsets.map(([t]) => t))].map((name) => ({
      name,
      partitions: p.offsets.filter(([t]) => t === name).map(([, partitionIndex, offset]) => ({
        partitionIndex, committedOffset: BigInt(offset), committedLeaderEpoch: -1, committedMetadata: null,
      })),
    })),
  });
}

const commitError = async (ctx: GroupCoordinatorTestContext, p: Parameters<typeof commit>[1]) => (await commit(ctx, p))[0]!.partitions[0]!.errorCode;

const committed = (ctx: GroupCoordinatorTestContext, groupId = G) =>
  ctx.coordinator.fetchOffsets(groupId, null).topics.flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partitionIndex}=${p.committedOffset}`)).sort();

describe('consumer group: offsets', () => {
  it('members commit with their current epoch (v9); another epoch is STALE_MEMBER_EPOCH, a stranger UNKNOWN_MEMBER_ID, v8 UNSUPPORTED_VERSION', async () => {
    const ctx = await start();
    const a = new TestConsumer(ctx, G, ['t']);
    await a.join();
    assert.equal(await commitError(ctx, { memberId: a.memberId, epoch: a.epoch, offsets: [['t', 0, 10]] }), ErrorCode.NONE);
    assert.equal(await commitError(ctx, { memberId: a.memberId, epoch: a.epoch - 1, offsets: [['t', 0, 11]] }), ErrorCode.STALE_MEMBER_EPOCH);
    assert.equal(await commitError(ctx, { memberId: a.memberId, epoch: a.epoch + 1, offsets: [['t', 0, 11]] }), ErrorCode.STALE_MEMBER_EPOCH);
    assert.equal(await commitError(ctx, { memberId: 'stranger', epoch: a.epoch, offsets: [['t', 0, 11]] }), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(await commitError(ctx, { memberId: a.memberId, epoch: a.epoch, apiVersion: 8, offsets: [['t', 0, 11]] }), ErrorCode.UNSUPPORTED_VERSION);
    assert.equal(await commitError(ctx, { offsets: [['t', 0, 11]] }), ErrorCode.UNKNOWN_MEMBER_ID, 'epoch -1 only commits to an empty group');
    assert.deepEqual(committed(ctx), ['t-0=10']);

    // A member moved to a newer epoch by a rebalance commits with that one.
    const b = new TestConsumer(ctx, G, ['t']);
    await b.join();
    await settleGroup([a, b]);
    assert.equal(await commitError(ctx, { memberId: a.memberId, epoch: 1, offsets: [['t', 0, 12]] }), ErrorCode.STALE_MEMBER_EPOCH);
    assert.equal(await commitError(ctx, { memberId: a.memberId, epoch: a.epoch, offsets: [['t', 0, 12]] }), ErrorCode.NONE);

    await a.leave();
    await b.leave();
    assert.equal(await commitError(ctx, { offsets: [['t', 1, 3]] }), ErrorCode.NONE, 'an empty group takes commits without a member (admin reset)');
    assert.deepEqual(committed(await ctx.reload()), ['t-0=12', 't-1=3']);
  });

  it('OffsetFetch v9 checks the member id and epoch it carries; without them (admin) it answers', async () => {
    const ctx = await start();
    const a = new TestConsumer(ctx, G, ['t']);
    await a.join();
    await commit(ctx, { memberId: a.memberId, epoch: a.epoch, offsets: [['t', 1, 7]] });
    const topics = [{ name: 't', partitionIndexes: [0, 1] }];
    const asMember = ctx.coordinator.fetchOffsets(G, topics, { memberId: a.memberId, memberEpoch: a.epoch });
    assert.equal(asMember.errorCode, ErrorCode.NONE);
    assert.deepEqual(asMember.topics[0]!.partitions.map((p) => p.committedOffset), [-1n, 7n]);
    assert.equal(ctx.coordinator.fetchOffsets(G, topics, { memberId: a.memberId, memberEpoch: a.epoch + 1 }).errorCode, ErrorCode.STALE_MEMBER_EPOCH);
    assert.equal(ctx.coordinator.fetchOffsets(G, topics, { memberId: 'stranger', memberEpoch: 1 }).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(ctx.coordinator.fetchOffsets(G, topics, { memberId: null, memberEpoch: -1 }).errorCode, ErrorCode.NONE);
    assert.equal(ctx.coordinator.fetchOffsets(G, topics).errorCode, ErrorCode.NONE);
  });

  it('OffsetDelete refuses the topics the members subscribe to and deletes the others', async () => {
    const ctx = await start();
    const a = new TestConsumer(ctx, G, ['t']);
    await a.join();
    await commit(ctx, { memberId: a.memberId, epoch: a.epoch, offsets: [['t', 0, 1], ['u', 0, 2]] });
    const r = await ctx.coordinator.deleteOffsets(G, [{ name: 't', partitions: [0] }, { name: 'u', partitions: [0] }]);
    assert.deepEqual(r.topics.map((t) => [t.name, t.partitions[0]!.errorCode]), [['t', ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC], ['u', ErrorCode.NONE]]);
    assert.deepEqual(committed(ctx), ['t-0=1']);
  });

  it('offsets of topics nobody subscribes to expire while the group lives; an empty group goes with its last offsets', async () => {
    const ctx = await start({ offsetsRetentionMs: 60 * MINUTE, offsetsRetentionCheckIntervalMs: MINUTE, consumerGroupSessionTimeoutMs: 45_000 });
    const a = new TestConsumer(ctx, G, ['t']);
    await a.join();
    await commit(ctx, { memberId: a.memberId, epoch: a.epoch, offsets: [['t', 0, 1], ['u', 0, 2]] });
    for (let m = 0; m < 61; m++) {
      for (let s = 0; s < 60_000; s += 20_000) {
        await ctx.advance(20_000);
        await a.heartbeat();
      }
    }
    assert.deepEqual(committed(ctx), ['t-0=1'], 'u is not subscribed: its offset expired; t is kept while the group is active');
    await a.leave();
    await ctx.advance(59 * MINUTE);
    assert.deepEqual(committed(ctx), ['t-0=1'], 'an empty group\'s offsets count from when its last member left, as a classic group\'s');
    assert.equal(ctx.coordinator.consumerGroupDescribe(G).groupState, 'Empty');
    await ctx.advance(2 * MINUTE);
    assert.deepEqual(committed(ctx), []);
    assert.deepEqual(ctx.coordinator.listGroups().groups, [], 'and the group went with them');
    const after = await ctx.reload();
    assert.deepEqual(after.coordinator.listGroups().groups, []);
    assert.equal(after.coordinator.consumerGroupDescribe(G).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  });
});

describe('consumer group: admin APIs', () => {
  it('ListGroups lists consumer groups with type consumer and their state; DescribeGroups answers Dead as Kafka 3.8 does', async () => {
    const ctx = await start();
    const a = new TestConsumer(ctx, G, ['t']);
    const b = new TestConsumer(ctx, G, ['t']);
    await a.join();
    await b.join();
    const classic = await ctx.join({ groupId: 'classic' });
    assert.equal(classic.errorCode, ErrorCode.NONE);
    const listed = ctx.coordinator.listGroups().groups.sort((x, y) => x.groupId.localeCompare(y.groupId));
    assert.deepEqual(listed, [
      { groupId: 'classic', protocolType: 'consumer', groupState: 'CompletingRebalance', groupType: 'classic' },
      { groupId: G, protocolType: 'consumer', groupState: 'Reconciling', groupType: 'consumer' },
    ]);
    await settleGroup([a, b]);
    assert.equal(ctx.coordinator.listGroups().groups.find((g) => g.groupId === G)!.groupState, 'Stable');
    const described = ctx.coordinator.describeGroup(G);
    assert.equal(described.errorCode, ErrorCode.NONE);
    assert.equal(described.groupState, 'Dead');
    assert.deepEqual(described.members, []);
    assert.equal(ctx.coordinator.consumerGroupDescribe('missing').errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  });

  it('DeleteGroups refuses a consumer group with members and deletes an empty one with its offsets, for good', async () => {
    const ctx = await start();
    const a = new TestConsumer(ctx, G, ['t']);
    await a.join();
    await commit(ctx, { memberId: a.memberId, epoch: a.epoch, offsets: [['t', 0, 4]] });
    assert.deepEqual(await ctx.coordinator.deleteGroups([G]), [{ groupId: G, errorCode: ErrorCode.NON_EMPTY_GROUP }]);
    await a.leave();
    assert.equal(ctx.coordinator.consumerGroupDescribe(G).groupState, 'Empty');
    assert.deepEqual(await ctx.coordinator.deleteGroups([G]), [{ groupId: G, errorCode: ErrorCode.NONE }]);
    assert.equal(ctx.coordinator.consumerGroupDescribe(G).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    assert.deepEqual(committed(ctx), []);
    const after = await ctx.reload();
    assert.equal(after.coordinator.consumerGroupDescribe(G).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    assert.deepEqual(after.coordinator.listGroups().groups, []);
    assert.deepEqual(committed(after), []);
    // The id is free again, for either kind of group.
    const again = new TestConsumer(after, G, ['t']);
    const r = await again.join();
    assert.equal(r.memberEpoch, 1, 'a new group starts from epoch 1');
  });
});
