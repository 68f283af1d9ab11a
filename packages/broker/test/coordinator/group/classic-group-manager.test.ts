import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import { GroupCoordinatorTestContext, isSettled, subscription } from './group-coordinator-context.ts';

const G = 'group-a';

/** Joins one member and completes its first generation (join, then the leader's sync). */
async function stableGroupOfOne(ctx: GroupCoordinatorTestContext, extra: { groupInstanceId?: string } = {}) {
  const joined = await ctx.join({ groupId: G, groupInstanceId: extra.groupInstanceId ?? null });
  assert.equal(joined.errorCode, ErrorCode.NONE);
  const synced = await ctx.coordinator.syncGroup({
    groupId: G, generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: extra.groupInstanceId ?? null,
    protocolType: null, protocolName: null, assignments: [{ memberId: joined.memberId, assignment: Buffer.from('a1') }],
  });
  assert.equal(synced.errorCode, ErrorCode.NONE);
  return joined;
}

describe('classic group: joining and syncing', () => {
  it('a v0-3 member joins in one step, leads generation 1, and the leader\'s assignment makes the group Stable', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    const joined = await ctx.join({ groupId: G });
    assert.equal(joined.errorCode, ErrorCode.NONE);
    assert.equal(joined.generationId, 1);
    assert.equal(joined.leader, joined.memberId);
    assert.equal(joined.protocolName, 'range');
    assert.deepEqual(joined.members.map((m) => m.memberId), [joined.memberId]);
    assert.deepEqual(joined.members[0]!.metadata, subscription(['t']));
    assert.equal(ctx.coordinator.describeGroup(G).groupState, 'CompletingRebalance');
    const synced = await ctx.coordinator.syncGroup({
      groupId: G, generationId: 1, memberId: joined.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range',
      assignments: [{ memberId: joined.memberId, assignment: Buffer.from('mine') }],
    });
    assert.equal(synced.errorCode, ErrorCode.NONE);
    assert.equal(synced.assignment.toString(), 'mine');
    const described = ctx.coordinator.describeGroup(G);
    assert.equal(described.groupState, 'Stable');
    assert.equal(described.protocolData, 'range');
    assert.equal(described.members[0]!.memberAssignment.toString(), 'mine');
  });

  it('JoinGroup v4+ without a member id answers MEMBER_ID_REQUIRED with an id, and the rejoin with it is accepted', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    const first = await ctx.join({ groupId: G, apiVersion: 4 });
    assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.match(first.memberId, /^client-/);
    const second = await ctx.join({ groupId: G, apiVersion: 4, memberId: first.memberId });
    assert.equal(second.errorCode, ErrorCode.NONE);
    assert.equal(second.memberId, first.memberId);
    assert.equal(second.generationId, 1);
  });

  it('a member id handed out with MEMBER_ID_REQUIRED expires after the session timeout if never used', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    const first = await ctx.join({ groupId: G, apiVersion: 4, sessionTimeoutMs: 10_000 });
    await ctx.advance(10_000);
    const late = await ctx.join({ groupId: G, apiVersion: 4, memberId: first.memberId });
    assert.equal(late.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('a second member triggers a rebalance: the first learns it by heartbeat, rejoins, and the leader gets both subscriptions', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    const a = await stableGroupOfOne(ctx);
    const bJoin = ctx.join({ groupId: G, clientId: 'b', protocols: [{ name: 'range', metadata: subscription(['t', 'u']) }] });
    assert.equal(await isSettled(bJoin), false, 'the join waits for the existing member to rejoin');
    assert.equal(await ctx.coordinator.heartbeat({ groupId: G, generationId: 1, memberId: a.memberId, groupInstanceId: null }), ErrorCode.REBALANCE_IN_PROGRESS);
    const aRejoin = await ctx.join({ groupId: G, memberId: a.memberId });
    const b = await bJoin;
    assert.equal(aRejoin.generationId, 2);
    assert.equal(b.generationId, 2);
    assert.equal(aRejoin.leader, a.memberId, 'the leader stays the leader');
    assert.equal(b.leader, a.memberId);
    assert.deepEqual(new Set(aRejoin.members.map((m) => m.memberId)), new Set([a.memberId, b.memberId]));
    assert.deepEqual(b.members, [], 'followers get no member list');

    // The follower's sync waits for the leader's assignment.
    const bSync = ctx.coordinator.syncGroup({ groupId: G, generationId: 2, memberId: b.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    assert.equal(await isSettled(bSync), false);
    const aSync = await ctx.coordinator.syncGroup({
      groupId: G, generationId: 2, memberId: a.memberId, groupInstanceId: null, protocolType: null, protocolName: null,
      assignments: [{ memberId: a.memberId, assignment: Buffer.from('A') }, { memberId: b.memberId, assignment: Buffer.from('B') }],
    });
    assert.equal(aSync.assignment.toString(), 'A');
    assert.equal((await bSync).assignment.toString(), 'B');
    assert.equal(await ctx.coordinator.heartbeat({ groupId: G, generationId: 2, memberId: b.memberId, groupInstanceId: null }), ErrorCode.NONE);
  });

  it('chooses the protocol every member supports, by the members\' preference', async () => {
    const ctx = await GroupCoordinatorTestContext.start({ initialRebalanceDelayMs: 100 });
    const meta = subscription(['t']);
    const a = ctx.join({ groupId: G, protocols: [{ name: 'roundrobin', metadata: meta }, { name: 'range', metadata: meta }] });
    const b = ctx.join({ groupId: G, protocols: [{ name: 'range', metadata: meta }, { name: 'sticky', metadata: meta }] });
    // b arrived during the initial delay, which therefore runs twice.
    await ctx.advance(100);
    assert.equal(await isSettled(a), false);
    await ctx.advance(100);
    assert.equal((await a).protocolName, 'range');
    assert.equal((await b).protocolName, 'range');
  });
});

describe('classic group: timeouts (fake clock)', () => {
  it('a member that stops heartbeating is removed after session.timeout.ms and the others rebalance without it', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    const a = await stableGroupOfOne(ctx);
    const bJoin = ctx.join({ groupId: G, clientId: 'b', sessionTimeoutMs: 6000 });
    await ctx.join({ groupId: G, memberId: a.memberId, sessionTimeoutMs: 10_000 });
    const b = await bJoin;
    await ctx.coordinator.syncGroup({ groupId: G, generationId: 2, memberId: a.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    await ctx.coordinator.syncGroup({ groupId: G, generationId: 2, memberId: b.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    // a keeps heartbeating; b goes silent.
    for (let t = 0; t < 6000; t += 3000) {
      await ctx.advance(3000);
      const code = await ctx.coordinator.heartbeat({ groupId: G, generationId: 2, memberId: a.memberId, groupInstanceId: null });
      if (t + 3000 < 6000) assert.equal(code, ErrorCode.NONE);
      else assert.equal(code, ErrorCode.REBALANCE_IN_PROGRESS, 'b expired at 6000 ms');
    }
    assert.equal(ctx.coordinator.describeGroup(G).members.length, 1);
    const rejoined = await ctx.join({ groupId: G, memberId: a.memberId });
    assert.equal(rejoined.generationId, 3);
    assert.deepEqual(rejoined.members.map((m) => m.memberId), [a.memberId]);
    assert.equal(await ctx.coordinator.heartbeat({ groupId: G, generationId: 3, memberId: b.memberId, groupInstanceId: null }), ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('a member that does not rejoin within the rebalance timeout is dropped and the rebalance completes for the rest', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    const a = await stableGroupOfOne(ctx);
    const bJoin = ctx.join({ groupId: G, clientId: 'b', rebalanceTimeoutMs: 20_000 });
    // a (rebalance timeout 30 s, the group's longest) never rejoins, but keeps heartbeating.
    for (let i = 0; i < 3; i++) {
      await ctx.advance(9_000);
      assert.equal(await isSettled(bJoin), false);
      await ctx.coordinator.heartbeat({ groupId: G, generationId: 1, memberId: a.memberId, groupInstanceId: null });
    }
    await ctx.advance(3_000);
    const b = await bJoin;
    assert.equal(b.errorCode, ErrorCode.NONE);
    assert.equal(b.generationId, 2);
    assert.equal(b.leader, b.memberId, 'the leader left, so the member that rejoined leads');
    assert.deepEqual(b.members.map((m) => m.memberId), [b.memberId]);
  });

  it('the first rebalance of an empty group waits group.initial.rebalance.delay.ms, longer while members keep arriving', async () => {
    const ctx = await GroupCoordinatorTestContext.start({ initialRebalanceDelayMs: 3000 });
    const a = ctx.join({ groupId: G });
    await ctx.advance(2999);
    assert.equal(await isSettled(a), false);
    const b = ctx.join({ groupId: G, clientId: 'b' });
    await ctx.advance(1);
    assert.equal(await isSettled(a), false, 'a new member arrived during the delay: wait again');
    await ctx.advance(3000);
    assert.equal((await a).generationId, 1);
    assert.equal((await b).generationId, 1);
    assert.equal((await a).leader, (await a).memberId);
    assert.equal((await a).members.length, 2);
  });

  it('members that never send SyncGroup are removed after the rebalance timeout, and the group rebalances', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    const a = await stableGroupOfOne(ctx);
    // b's session outlasts the rebalance timeout, so only the missing SyncGroup can remove it.
    const bJoin = ctx.join({ groupId: G, clientId: 'b', sessionTimeoutMs: 60_000 });
    await ctx.join({ groupId: G, memberId: a.memberId });
    const b = await bJoin;
    // The leader syncs and keeps heartbeating; b stops in the middle of the rebalance.
    await ctx.coordinator.syncGroup({ groupId: G, generationId: 2, memberId: a.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    for (let i = 0; i < 3; i++) {
      await ctx.advance(9_000);
      assert.equal(await ctx.coordinator.heartbeat({ groupId: G, generationId: 2, memberId: a.memberId, groupInstanceId: null }), ErrorCode.NONE);
    }
    await ctx.advance(3_000);
    assert.equal(await ctx.coordinator.heartbeat({ groupId: G, generationId: 2, memberId: b.memberId, groupInstanceId: null }), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(await ctx.coordinator.heartbeat({ groupId: G, generationId: 2, memberId: a.memberId, groupInstanceId: null }), ErrorCode.REBALANCE_IN_PROGRESS);
    const again = await ctx.join({ groupId: G, memberId: a.memberId });
    assert.equal(again.generationId, 3);
    assert.deepEqual(again.members.map((m) => m.memberId), [a.memberId]);
  });
});

describe('classic group: static membership (KIP-345)', () => {
  it('a static member rejoining with a new member id while Stable gets its assignment back without a rebalance, and the old id is fenced', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    const a = await stableGroupOfOne(ctx, { groupInstanceId: 'instance-a' });
    const restarted = await ctx.join({ groupId: G, groupInstanceId: 'instance-a', apiVersion: 5 });
    assert.equal(restarted.errorCode, ErrorCode.NONE);
    assert.notEqual(restarted.memberId, a.memberId);
    assert.equal(restarted.generationId, 1, 'same generation: no rebalance');
    assert.equal(restarted.leader, restarted.memberId);
    assert.equal(restarted.skipAssignment, true, 'KIP-814: the static leader must not reassign');
    assert.equal(ctx.coordinator.describeGroup(G).groupState, 'Stable');
    const synced = await ctx.coordinator.syncGroup({ groupId: G, generationId: 1, memberId: restarted.memberId, groupInstanceId: 'instance-a', protocolType: null, protocolName: null, assignments: [] });
    assert.equal(synced.assignment.toString(), 'a1');
    assert.equal(await ctx.coordinator.heartbeat({ groupId: G, generationId: 1, memberId: a.memberId, groupInstanceId: 'instance-a' }), ErrorCode.FENCED_INSTANCE_ID);
  });

  it('a static member leaves by group.instance.id alone (LeaveGroup v3+), and a wrong member id for the instance is fenced', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    const a = await stableGroupOfOne(ctx, { groupInstanceId: 'instance-a' });
    const wrong = await ctx.coordinator.leaveGroup({ groupId: G, members: [{ memberId: 'someone-else', groupInstanceId: 'instance-a' }] });
    assert.equal(wrong.members[0]!.errorCode, ErrorCode.FENCED_INSTANCE_ID);
    const left = await ctx.coordinator.leaveGroup({ groupId: G, members: [{ memberId: '', groupInstanceId: 'instance-a' }, { memberId: 'nobody', groupInstanceId: null }] });
    assert.equal(left.errorCode, ErrorCode.NONE);
    assert.deepEqual(left.members.map((m) => m.errorCode), [ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
    assert.equal(ctx.coordinator.describeGroup(G).groupState, 'Empty');
    assert.equal(await ctx.coordinator.heartbeat({ groupId: G, generationId: 1, memberId: a.memberId, groupInstanceId: 'instance-a' }), ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

describe('classic group: bad input gets Kafka\'s error codes', () => {
  it('rejects what Kafka rejects', async () => {
    const ctx = await GroupCoordinatorTestContext.start({ maxSize: 1 });
    assert.equal((await ctx.join({ groupId: '' })).errorCode, ErrorCode.INVALID_GROUP_ID);
    assert.equal((await ctx.join({ groupId: G, sessionTimeoutMs: 10 })).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
    assert.equal((await ctx.join({ groupId: G, sessionTimeoutMs: 3_600_000 })).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
    assert.equal((await ctx.join({ groupId: G, memberId: 'made-up' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal((await ctx.join({ groupId: G, protocols: [] })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const a = await stableGroupOfOne(ctx);
    assert.equal((await ctx.join({ groupId: G, protocolType: 'connect' })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal((await ctx.join({ groupId: G, protocols: [{ name: 'other', metadata: Buffer.alloc(0) }] })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal((await ctx.join({ groupId: G })).errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
    const hb = (generationId: number, memberId: string) => ctx.coordinator.heartbeat({ groupId: G, generationId, memberId, groupInstanceId: null });
    assert.equal(await hb(0, a.memberId), ErrorCode.ILLEGAL_GENERATION);
    assert.equal(await hb(1, 'stranger'), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(await ctx.coordinator.heartbeat({ groupId: 'no-such-group', generationId: 1, memberId: a.memberId, groupInstanceId: null }), ErrorCode.UNKNOWN_MEMBER_ID);
    const sync = (p: { generationId?: number; protocolName?: string | null }) => ctx.coordinator.syncGroup({
      groupId: G, generationId: p.generationId ?? 1, memberId: a.memberId, groupInstanceId: null, protocolType: null, protocolName: p.protocolName ?? null, assignments: [],
    });
    assert.equal((await sync({ generationId: 7 })).errorCode, ErrorCode.ILLEGAL_GENERATION);
    assert.equal((await sync({ protocolName: 'roundrobin' })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal((await sync({})).errorCode, ErrorCode.NONE, 'the group is unharmed');
  });
});

describe('classic group: after a restart', () => {
  it('a reload rebuilds the Stable group from __consumer_offsets: generation, leader, members and assignments', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    const a = await stableGroupOfOne(ctx, { groupInstanceId: 'instance-a' });
    const after = await ctx.reload();
    const described = after.coordinator.describeGroup(G);
    assert.equal(described.groupState, 'Stable');
    assert.equal(described.members[0]!.memberId, a.memberId);
    assert.equal(described.members[0]!.groupInstanceId, 'instance-a');
    assert.equal(described.members[0]!.memberAssignment.toString(), 'a1');
    assert.equal(await after.coordinator.heartbeat({ groupId: G, generationId: 1, memberId: a.memberId, groupInstanceId: 'instance-a' }), ErrorCode.NONE);
    // Loaded members must heartbeat like any other: silence expires them.
    await after.advance(10_000);
    assert.equal(after.coordinator.describeGroup(G).groupState, 'Empty');
  });

  it('a failed write of the assignment makes the group rebalance instead of going Stable', async () => {
    const ctx = await GroupCoordinatorTestContext.start();
    const joined = await ctx.join({ groupId: G });
    ctx.log.failNextAppends = 1;
    const synced = await ctx.coordinator.syncGroup({
      groupId: G, generationId: 1, memberId: joined.memberId, groupInstanceId: null, protocolType: null, protocolName: null,
      assignments: [{ memberId: joined.memberId, assignment: Buffer.from('x') }],
    });
    assert.equal(synced.errorCode, ErrorCode.NOT_COORDINATOR);
    assert.notEqual(ctx.coordinator.describeGroup(G).groupState, 'Stable');
    const again = await ctx.join({ groupId: G, memberId: joined.memberId });
    assert.equal(again.errorCode, ErrorCode.NONE);
    assert.equal(again.generationId, 2);
  });
});
