/**
 * KIP-848 consumer groups through the coordinator harness: joins, target assignments,
 * revoke-before-assign reconciliation, timeouts on the fake clock, static members, Kafka's
 * error codes, and reloads from the records.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import { GroupCoordinatorTestContext } from './group-coordinator-context.ts';
import { assertNoPartitionOwnedTwice, byName, owned, settleGroup, TestConsumer } from './consumer-group-members.ts';

const G = 'kip848';

async function start(config: Parameters<typeof GroupCoordinatorTestContext.start>[0] = {}, topics: Record<string, number> = { t: 4 }) {
  const ctx = await GroupCoordinatorTestContext.start(config);
  for (const [name, n] of Object.entries(topics)) ctx.topics.set(name, n);
  return ctx;
}

describe('consumer group: joining', () => {
  it('a first member joins with epoch 0, gets a coordinator-made member id, epoch 1 and every partition', async () => {
    const ctx = await start();
    const a = new TestConsumer(ctx, G, ['t']);
    const r = await a.join();
    assert.match(r.memberId!, /^[A-Za-z0-9_-]{22}$/, 'a Kafka Uuid, as Kafka makes member ids in v0');
    assert.equal(r.memberEpoch, 1);
    assert.equal(r.heartbeatIntervalMs, ctx.config.consumerGroupHeartbeatIntervalMs);
    assert.deepEqual(byName(ctx, r.assignment), { t: [0, 1, 2, 3] });
    const d = ctx.coordinator.consumerGroupDescribe(G);
    assert.equal(d.errorCode, ErrorCode.NONE);
    assert.equal(d.groupState, 'Stable');
    assert.equal(d.groupEpoch, 1);
    assert.equal(d.assignmentEpoch, 1);
    assert.equal(d.assignorName, 'uniform');
    assert.deepEqual(d.members.map((m) => [m.memberId, m.memberEpoch, m.subscribedTopicNames, m.clientId]), [[a.memberId, 1, ['t'], 'client']]);
    assert.deepEqual(d.members[0]!.assignment, [{ topicId: ctx.topics.id('t'), topicName: 't', partitions: [0, 1, 2, 3] }]);
    assert.deepEqual(d.members[0]!.targetAssignment, d.members[0]!.assignment);
  });

  it('a heartbeat that changes nothing writes nothing and answers without an assignment unless asked', async () => {
    const ctx = await start();
    const a = new TestConsumer(ctx, G, ['t']);
    await a.join();
    const records = ctx.log.records.length;
    const partial = await a.heartbeat({ subscribedTopicNames: null, topicPartitions: null, rebalanceTimeoutMs: -1 });
    assert.equal(partial.memberEpoch, 1);
    assert.equal(partial.assignment, null, 'unchanged and not a full request');
    const full = await a.heartbeat();
    assert.deepEqual(byName(ctx, full.assignment), { t: [0, 1, 2, 3] }, 'a full request gets the assignment back');
    assert.equal(ctx.log.records.length, records);
  });

  it('a subscription to a topic that does not exist yet gets nothing until the topic appears; more partitions bump the epoch', async () => {
    const ctx = await start({}, {});
    const a = new TestConsumer(ctx, G, ['later']);
    const r = await a.join();
    assert.deepEqual(r.assignment, []);
    ctx.topics.set('later', 2);
    const r2 = await a.heartbeat();
    assert.equal(r2.memberEpoch, 2);
    assert.deepEqual(byName(ctx, r2.assignment), { later: [0, 1] });
    ctx.topics.set('later', 3);
    const r3 = await a.heartbeat();
    assert.equal(r3.memberEpoch, 3);
    assert.deepEqual(byName(ctx, r3.assignment), { later: [0, 1, 2] });
  });

  it('a member rejoining with epoch 0 and its member id gets its current assignment back (recovery after FENCED_MEMBER_EPOCH)', async () => {
    const ctx = await start();
    const a = new TestConsumer(ctx, G, ['t']);
    await a.join();
    const fenced = await a.send({ memberEpoch: 7 });
    assert.equal(fenced.errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
    const r = await a.join();
    assert.equal(r.memberId, a.memberId);
    assert.equal(r.memberEpoch, 1);
    assert.deepEqual(byName(ctx, r.assignment), { t: [0, 1, 2, 3] });
  });
});

describe('consumer group: reconciliation (revoke before assign)', () => {
  it('a second member gets nothing until the first has released what moves to it; the first keeps its epoch until then', async () => {
    const ctx = await start();
    const a = new TestConsumer(ctx, G, ['t']);
    const b = new TestConsumer(ctx, G, ['t']);
    await a.join();
    const bJoin = await b.join();
    assert.equal(bJoin.memberEpoch, 2, 'the new member is at the new epoch');
    assert.deepEqual(bJoin.assignment, [], 'but partitions 2 and 3 are still A\'s');
    assert.equal(ctx.coordinator.consumerGroupDescribe(G).groupState, 'Reconciling');

    // A learns what it must give up, at its old epoch.
    const revoke = await a.heartbeat({ topicPartitions: owned(ctx, { t: [0, 1, 2, 3] }) });
    assert.equal(revoke.memberEpoch, 1);
    assert.deepEqual(byName(ctx, revoke.assignment), { t: [0, 1] });

    // B still waits: A has not said it released them.
    const stillWaiting = await b.heartbeat();
    assert.equal(stillWaiting.memberEpoch, 2);
    assert.deepEqual(stillWaiting.assignment, []);
    const described = ctx.coordinator.consumerGroupDescribe(G);
    const aDescribed = described.members.find((m) => m.memberId === a.memberId)!;
    assert.deepEqual(aDescribed.assignment[0]!.partitions, [0, 1]);
    assert.deepEqual(aDescribed.targetAssignment[0]!.partitions, [0, 1]);

    // A reports it owns only 0 and 1: it moves to epoch 2, and B gets 2 and 3.
    const aNext = await a.heartbeat();
    assert.equal(aNext.memberEpoch, 2);
    assert.deepEqual(byName(ctx, aNext.assignment), { t: [0, 1] });
    const bNext = await b.heartbeat();
    assert.deepEqual(byName(ctx, bNext.assignment), { t: [2, 3] });
    assertNoPartitionOwnedTwice([a, b]);
    assert.equal(ctx.coordinator.consumerGroupDescribe(G).groupState, 'Stable');
  });

  it('members joining and leaving in any order never own a partition twice, and every partition ends up owned', async () => {
    const ctx = await start({}, { t: 7, u: 3 });
    const members = [0, 1, 2, 3].map(() => new TestConsumer(ctx, G, ['t', 'u']));
    const active: TestConsumer[] = [];
    for (const m of members) {
      await m.join();
      active.push(m);
      assertNoPartitionOwnedTwice(active);
      await settleGroup(active);
    }
    const counts = active.map((m) => m.owned.reduce((n, t) => n + t.partitions.length, 0)).sort();
    assert.deepEqual(counts, [2, 2, 3, 3], 'ten partitions over four members');
    for (const leaving of [members[1]!, members[3]!]) {
      assert.equal((await leaving.leave()).errorCode, ErrorCode.NONE);
      active.splice(active.indexOf(leaving), 1);
      await settleGroup(active);
    }
    const all = active.flatMap((m) => Object.entries(m.ownedByName()).flatMap(([t, ps]) => ps.map((p) => `${t}-${p}`))).sort();
    assert.equal(all.length, 10);
    assert.equal(new Set(all).size, 10);
    assert.equal(ctx.coordinator.consumerGroupDescribe(G).groupState, 'Stable');
  });

  it('a heartbeat one epoch behind is accepted when its partitions are a subset of the assigned ones (the answer was lost)', async () => {
    const ctx = await start();
    const a = new TestConsumer(ctx, G, ['t']);
    const b = new TestConsumer(ctx, G, ['t']);
    await a.join();
    await b.join();
    await a.heartbeat(); // revoke 2,3 at epoch 1
    await a.heartbeat(); // released: now epoch 2
    assert.equal(a.epoch, 2);
    const late = await a.send({ memberEpoch: 1, topicPartitions: owned(ctx, { t: [0] }) });
    assert.equal(late.errorCode, ErrorCode.NONE);
    assert.equal(late.memberEpoch, 2);
    const notSubset = await a.send({ memberEpoch: 1, topicPartitions: owned(ctx, { t: [0, 3] }) });
    assert.equal(notSubset.errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
  });

  it('a changed subscription bumps the epoch and revokes the partitions of the dropped topic first', async () => {
    const ctx = await start({}, { t: 2, u: 2 });
    const a = new TestConsumer(ctx, G, ['t', 'u']);
    await a.join();
    assert.deepEqual(a.ownedByName(), { t: [0, 1], u: [0, 1] });
    const r = await a.heartbeat({ subscribedTopicNames: ['t'] });
    assert.equal(r.memberEpoch, 1, 'u must be given up first');
    assert.deepEqual(byName(ctx, r.assignment), { t: [0, 1] });
    const r2 = await a.heartbeat({ subscribedTopicNames: ['t'] });
    assert.equal(r2.memberEpoch, 2);
    assert.equal(ctx.coordinator.consumerGroupDescribe(G).groupEpoch, 2);
  });
});

describe('consumer group: server assignors', () => {
  it('range gives members subscribed to the same topics the same partition numbers of each (co-partitioning)', async () => {
    const ctx = await start({ consumerGroupAssignors: ['uniform', 'range'] }, { t: 4, u: 4 });
    const members = [0, 1].map(() => new TestConsumer(ctx, G, ['t', 'u'], { serverAssignor: 'range' }));
    for (const m of members) await m.join();
    await settleGroup(members);
    const [first, second] = [...members].sort((x, y) => (x.memberId < y.memberId ? -1 : 1));
    assert.deepEqual(first!.ownedByName(), { t: [0, 1], u: [0, 1] });
    assert.deepEqual(second!.ownedByName(), { t: [2, 3], u: [2, 3] });
    assert.equal(ctx.coordinator.consumerGroupDescribe(G).assignorName, 'range');
  });

  it('uniform balances across topics and keeps partitions where they are when a member joins', async () => {
    const ctx = await start({}, { t: 3, u: 3 });
    const a = new TestConsumer(ctx, G, ['t', 'u']);
    const b = new TestConsumer(ctx, G, ['t', 'u']);
    await a.join();
    await b.join();
    await settleGroup([a, b]);
    const aBefore = a.ownedByName();
    const c = new TestConsumer(ctx, G, ['t', 'u']);
    await c.join();
    await settleGroup([a, b, c]);
    for (const m of [a, b, c]) assert.equal(Object.values(m.ownedByName()).flat().length, 2);
    for (const [topic, ps] of Object.entries(a.ownedByName())) {
      for (const p of ps) assert.ok(aBefore[topic]?.includes(p), `A kept ${topic}-${p} from before`);
    }
  });

  it('group.consumer.assignors decides the default; members may pick another listed one', async () => {
    const ctx = await start({ consumerGroupAssignors: ['range', 'uniform'] }, { t: 4 });
    const a = new TestConsumer(ctx, G, ['t']);
    await a.join();
    assert.equal(ctx.coordinator.consumerGroupDescribe(G).assignorName, 'range');
    const other = new TestConsumer(ctx, 'other', ['t'], { serverAssignor: 'uniform' });
    await other.join();
    assert.equal(ctx.coordinator.consumerGroupDescribe('other').assignorName, 'uniform');
  });
});

describe('consumer group: timeouts (fake clock)', () => {
  it('a member that stops heartbeating is fenced after group.consumer.session.timeout.ms and its partitions go to the others', async () => {
    const ctx = await start({ consumerGroupSessionTimeoutMs: 45_000 });
    const a = new TestConsumer(ctx, G, ['t']);
    const b = new TestConsumer(ctx, G, ['t']);
    await a.join();
    await b.join();
    await settleGroup([a, b]);
    const epoch = ctx.coordinator.consumerGroupDescribe(G).groupEpoch;
    for (let t = 0; t < 40_000; t += 5000) {
      await ctx.advance(5000);
      await a.heartbeat();
    }
    assert.equal(ctx.coordinator.consumerGroupDescribe(G).members.length, 2, 'B is within its session still');
    await ctx.advance(5000);
    const d = ctx.coordinator.consumerGroupDescribe(G);
    assert.deepEqual(d.members.map((m) => m.memberId), [a.memberId]);
    assert.equal(d.groupEpoch, epoch + 1, 'fencing bumps the group epoch');
    assert.equal(d.groupState, 'Assigning');
    const r = await a.heartbeat();
    assert.deepEqual(byName(ctx, r.assignment), { t: [0, 1, 2, 3] });
    assert.equal(r.memberEpoch, epoch + 1);
    const stale = await b.send();
    assert.equal(stale.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    // B rejoins with its old member id and is a new member again.
    const back = await b.join();
    assert.equal(back.memberId, b.memberId);
    await settleGroup([a, b]);
    assertNoPartitionOwnedTwice([a, b]);
  });

  it('a member that does not release partitions within its rebalance timeout is fenced, and the others get them', async () => {
    const ctx = await start({ consumerGroupSessionTimeoutMs: 45_000 });
    const a = new TestConsumer(ctx, G, ['t'], { rebalanceTimeoutMs: 10_000 });
    const b = new TestConsumer(ctx, G, ['t']);
    await a.join();
    await b.join();
    const all = owned(ctx, { t: [0, 1, 2, 3] });
    await a.heartbeat({ topicPartitions: all });
    for (let t = 0; t < 9000; t += 3000) {
      await ctx.advance(3000);
      const r = await a.heartbeat({ topicPartitions: all });
      assert.equal(r.memberEpoch, 1, 'still revoking');
      await b.heartbeat();
      assert.deepEqual(b.owned, []);
    }
    await ctx.advance(1000);
    const r = await a.send({ topicPartitions: all });
    assert.equal(r.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    const bNow = await b.heartbeat();
    assert.deepEqual(byName(ctx, bNow.assignment), { t: [0, 1, 2, 3] });
  });
});

describe('consumer group: static members', () => {
  it('a static member leaving with -2 keeps its partitions; a new member id under its instance id takes them back without a rebalance', async () => {
    const ctx = await start();
    const s1 = new TestConsumer(ctx, G, ['t'], { instanceId: 'i-1' });
    const d1 = new TestConsumer(ctx, G, ['t']);
    await s1.join();
    await d1.join();
    await settleGroup([s1, d1]);
    const s1Partitions = s1.ownedByName();
    const epoch = ctx.coordinator.consumerGroupDescribe(G).groupEpoch;

    const left = await s1.leave(-2);
    assert.equal(left.errorCode, ErrorCode.NONE);
    assert.equal(left.memberEpoch, -2);
    await d1.heartbeat();
    assert.notDeepEqual(d1.ownedByName(), { t: [0, 1, 2, 3] }, 'the departed static member\'s partitions are held for it');
    assert.equal(ctx.coordinator.consumerGroupDescribe(G).groupEpoch, epoch);

    const again = new TestConsumer(ctx, G, ['t'], { instanceId: 'i-1' });
    const r = await again.join();
    assert.notEqual(r.memberId, s1.memberId);
    assert.deepEqual(byName(ctx, r.assignment), s1Partitions);
    assert.equal(r.memberEpoch, epoch);
    assert.equal(ctx.coordinator.consumerGroupDescribe(G).groupEpoch, epoch, 'no rebalance');
    assert.deepEqual(ctx.coordinator.consumerGroupDescribe(G).members.map((m) => m.memberId).sort(), [again.memberId, d1.memberId].sort());

    // The old id is fenced; a third claim on the live instance id is refused.
    assert.equal((await s1.send()).errorCode, ErrorCode.FENCED_INSTANCE_ID);
    const intruder = new TestConsumer(ctx, G, ['t'], { instanceId: 'i-1' });
    assert.equal((await intruder.send({ memberEpoch: 0, topicPartitions: [] })).errorCode, ErrorCode.UNRELEASED_INSTANCE_ID);
  });

  it('a static member gone with -2 is fenced when its session expires, and its partitions move on', async () => {
    const ctx = await start();
    const s1 = new TestConsumer(ctx, G, ['t'], { instanceId: 'i-1' });
    const d1 = new TestConsumer(ctx, G, ['t']);
    await s1.join();
    await d1.join();
    await settleGroup([s1, d1]);
    await s1.leave(-2);
    for (let t = 0; t < 45_000; t += 5000) {
      await ctx.advance(5000);
      await d1.heartbeat();
    }
    await d1.heartbeat();
    assert.deepEqual(d1.ownedByName(), { t: [0, 1, 2, 3] });
    assert.deepEqual(ctx.coordinator.consumerGroupDescribe(G).members.map((m) => m.memberId), [d1.memberId]);
  });
});

describe('consumer group: errors as Kafka answers them', () => {
  it('INVALID_REQUEST for what a join must carry, an invalid epoch or empty ids; UNSUPPORTED_ASSIGNOR for an unknown assignor', async () => {
    const ctx = await start();
    const code = async (p: Parameters<GroupCoordinatorTestContext['consumerHeartbeat']>[0]) => (await ctx.consumerHeartbeat(p)).errorCode;
    assert.equal(await code({ groupId: '' }), ErrorCode.INVALID_REQUEST);
    assert.equal(await code({ groupId: G, rebalanceTimeoutMs: -1 }), ErrorCode.INVALID_REQUEST);
    assert.equal(await code({ groupId: G, topicPartitions: null }), ErrorCode.INVALID_REQUEST);
    assert.equal(await code({ groupId: G, topicPartitions: owned(ctx, { t: [0] }) }), ErrorCode.INVALID_REQUEST);
    assert.equal(await code({ groupId: G, subscribedTopicNames: null }), ErrorCode.INVALID_REQUEST);
    assert.equal(await code({ groupId: G, subscribedTopicNames: [] }), ErrorCode.INVALID_REQUEST);
    assert.equal(await code({ groupId: G, memberEpoch: 3 }), ErrorCode.INVALID_REQUEST, 'epoch > 0 needs a member id');
    assert.equal(await code({ groupId: G, memberEpoch: -3, memberId: 'm' }), ErrorCode.INVALID_REQUEST);
    assert.equal(await code({ groupId: G, memberEpoch: -2, memberId: 'm' }), ErrorCode.INVALID_REQUEST, '-2 needs an instance id');
    assert.equal(await code({ groupId: G, instanceId: '' }), ErrorCode.INVALID_REQUEST);
    assert.equal(await code({ groupId: G, rackId: '' }), ErrorCode.INVALID_REQUEST);
    const r = await ctx.consumerHeartbeat({ groupId: G, serverAssignor: 'sticky' });
    assert.equal(r.errorCode, ErrorCode.UNSUPPORTED_ASSIGNOR);
    assert.match(r.errorMessage!, /uniform, range/);
    assert.equal(ctx.log.records.length, 0, 'refused requests write nothing');
    assert.equal(ctx.coordinator.consumerGroupDescribe(G).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  });

  it('UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH and GROUP_ID_NOT_FOUND; the group carries on', async () => {
    const ctx = await start();
    const a = new TestConsumer(ctx, G, ['t']);
    await a.join();
    const code = async (p: Parameters<GroupCoordinatorTestContext['consumerHeartbeat']>[0]) => (await ctx.consumerHeartbeat(p)).errorCode;
    assert.equal(await code({ groupId: G, memberId: 'stranger', memberEpoch: 1 }), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(await code({ groupId: G, memberId: a.memberId, memberEpoch: 2 }), ErrorCode.FENCED_MEMBER_EPOCH);
    assert.equal(await code({ groupId: 'nope', memberId: 'm', memberEpoch: 1 }), ErrorCode.GROUP_ID_NOT_FOUND);
    assert.equal(await code({ groupId: 'nope', memberId: 'm', memberEpoch: -1 }), ErrorCode.GROUP_ID_NOT_FOUND);
    assert.equal(await code({ groupId: G, memberId: 'stranger', memberEpoch: -1 }), ErrorCode.UNKNOWN_MEMBER_ID);
    const r = await a.heartbeat();
    assert.equal(r.memberEpoch, 1);
    assert.equal(ctx.coordinator.consumerGroupDescribe(G).groupState, 'Stable');
  });

  it('GROUP_MAX_SIZE_REACHED beyond group.consumer.max.size; members already in keep heartbeating', async () => {
    const ctx = await start({ consumerGroupMaxSize: 2 });
    const [a, b, c] = [0, 1, 2].map(() => new TestConsumer(ctx, G, ['t']));
    await a!.join();
    await b!.join();
    const r = await c!.send({ memberEpoch: 0, topicPartitions: [] });
    assert.equal(r.errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
    await settleGroup([a!, b!]);
    await a!.leave();
    await c!.join();
    await settleGroup([b!, c!]);
  });

  it('a non-empty classic group\'s id is GROUP_ID_NOT_FOUND; JoinGroup on a consumer group with members is INCONSISTENT_GROUP_PROTOCOL', async () => {
    const ctx = await start();
    const joined = await ctx.join({ groupId: 'classic' });
    assert.equal(joined.errorCode, ErrorCode.NONE);
    const r = await ctx.consumerHeartbeat({ groupId: 'classic' });
    assert.equal(r.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    assert.equal(ctx.coordinator.consumerGroupDescribe('classic').errorCode, ErrorCode.GROUP_ID_NOT_FOUND);

    const a = new TestConsumer(ctx, G, ['t']);
    await a.join();
    const classicJoin = await ctx.join({ groupId: G });
    assert.equal(classicJoin.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    await a.heartbeat();
  });

  it('an empty classic group\'s id becomes a consumer group with its offsets; an empty consumer group\'s id becomes a classic group', async () => {
    const ctx = await start();
    const commit = await ctx.coordinator.commitOffsets({
      groupId: 'simple', memberId: '', groupInstanceId: null, generationId: -1,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    assert.equal(commit[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
    const a = new TestConsumer(ctx, 'simple', ['t']);
    await a.join();
    assert.deepEqual(ctx.coordinator.listGroups().groups.map((g) => [g.groupId, g.groupType]), [['simple', 'consumer']]);
    assert.equal(ctx.coordinator.fetchOffsets('simple', null).topics[0]!.partitions[0]!.committedOffset, 5n);
    await a.leave();
    const classic = await ctx.join({ groupId: 'simple' });
    assert.equal(classic.errorCode, ErrorCode.NONE);
    assert.deepEqual(ctx.coordinator.listGroups().groups.map((g) => [g.groupId, g.groupType]), [['simple', 'classic']]);
    // A classic group is written once its first generation is synced.
    await ctx.coordinator.syncGroup({
      groupId: 'simple', generationId: classic.generationId, memberId: classic.memberId, groupInstanceId: null, protocolType: null,
      protocolName: null, assignments: [{ memberId: classic.memberId, assignment: Buffer.alloc(0) }],
    });
    const after = await ctx.reload();
    assert.deepEqual(after.coordinator.listGroups().groups.map((g) => [g.groupId, g.groupType]), [['simple', 'classic']]);
    assert.equal(after.coordinator.fetchOffsets('simple', null).topics[0]!.partitions[0]!.committedOffset, 5n);
  });
});

describe('consumer group: after a restart', () => {
  it('a reload rebuilds epochs, members, targets and assignments, mid-reconciliation too, and the members carry on', async () => {
    const ctx = await start({}, { t: 4 });
    const a = new TestConsumer(ctx, G, ['t'], { instanceId: 'static-a', rackId: 'r1' });
    const b = new TestConsumer(ctx, G, ['t']);
    await a.join();
    await b.join();
    await a.heartbeat({ topicPartitions: owned(ctx, { t: [0, 1, 2, 3] }) }); // A now revoking, B unreleased
    const before = ctx.coordinator.consumerGroupDescribe(G);
    assert.equal(before.groupState, 'Reconciling');

    const next = await ctx.reload();
    a.ctx = next;
    b.ctx = next;
    assert.deepEqual(next.coordinator.consumerGroupDescribe(G), before);
    await settleGroup([a, b]);
    assert.equal(next.coordinator.consumerGroupDescribe(G).groupState, 'Stable');

    // Loaded members are on the session clock again.
    for (let t = 0; t < 45_000; t += 5000) {
      await next.advance(5000);
      await a.heartbeat();
    }
    assert.deepEqual(next.coordinator.consumerGroupDescribe(G).members.map((m) => m.memberId), [a.memberId]);
  });

  it('a failed write changes nothing: the member is not created and may join again', async () => {
    const ctx = await start();
    const a = new TestConsumer(ctx, G, ['t']);
    ctx.log.failNextAppends = 1;
    const r = await a.send({ memberEpoch: 0, topicPartitions: [] });
    assert.notEqual(r.errorCode, ErrorCode.NONE);
    assert.equal(ctx.coordinator.consumerGroupDescribe(G).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    await a.join();
    assert.equal(a.epoch, 1);
  });
});
