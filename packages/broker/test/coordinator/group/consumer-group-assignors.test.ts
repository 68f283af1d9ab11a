/**
 * The server-side assignors of KIP-848 groups on their own: `uniform` (balanced, sticky,
 * heterogeneous subscriptions) and `range` (per-topic ranges, co-partitioned).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AssignmentMemberSpec, AssignmentSpec, PartitionAssignor } from '../../../src/coordinator/group/assignor/partition-assignor.ts';
import { RangeAssignor } from '../../../src/coordinator/group/assignor/range-assignor.ts';
import { UniformAssignor } from '../../../src/coordinator/group/assignor/uniform-assignor.ts';
import type { TopicPartitions } from '../../../src/coordinator/group/topic-partitions.ts';
import { topicIdOf } from './group-coordinator-context.ts';

type Members = Record<string, { topics: string[]; current?: Record<string, number[]>; instanceId?: string }>;

function spec(topics: Record<string, number>, members: Members): AssignmentSpec {
  const ids = new Map(Object.keys(topics).map((name) => [name, topicIdOf(name)]));
  const memberSpecs = new Map<string, AssignmentMemberSpec>();
  for (const [memberId, m] of Object.entries(members)) {
    const current = new Map<string, Set<number>>();
    for (const [name, ps] of Object.entries(m.current ?? {})) current.set(ids.get(name)!, new Set(ps));
    memberSpecs.set(memberId, {
      instanceId: m.instanceId ?? null,
      subscribedTopicIds: new Set(m.topics.filter((t) => ids.has(t)).map((t) => ids.get(t)!)),
      currentTarget: current,
    });
  }
  return { members: memberSpecs, topics: new Map(Object.entries(topics).map(([name, n]) => [ids.get(name)!, { name, numPartitions: n }])) };
}

function run(assignor: PartitionAssignor, topics: Record<string, number>, members: Members): Record<string, Record<string, number[]>> {
  const names = new Map(Object.keys(topics).map((name) => [topicIdOf(name), name]));
  const out: Record<string, Record<string, number[]>> = {};
  const result = assignor.assign(spec(topics, members));
  for (const memberId of Object.keys(members)) {
    const tp: TopicPartitions = result.get(memberId) ?? new Map();
    out[memberId] = Object.fromEntries([...tp].map(([id, ps]) => [names.get(id)!, [...ps].sort((a, b) => a - b)] as const).sort());
  }
  return out;
}

function counts(r: Record<string, Record<string, number[]>>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).map(([m, tp]) => [m, Object.values(tp).flat().length]));
}

function assertEachPartitionOnce(r: Record<string, Record<string, number[]>>, topics: Record<string, number>): void {
  const seen = new Set<string>();
  for (const tp of Object.values(r)) {
    for (const [t, ps] of Object.entries(tp)) {
      for (const p of ps) {
        assert.ok(!seen.has(`${t}-${p}`), `${t}-${p} assigned twice`);
        seen.add(`${t}-${p}`);
      }
    }
  }
  assert.equal(seen.size, Object.values(topics).reduce((a, b) => a + b, 0));
}

describe('uniform assignor', () => {
  it('spreads every partition once, counts differing by at most one', () => {
    const topics = { a: 5, b: 3, c: 1 };
    const r = run(UniformAssignor, topics, { m1: { topics: ['a', 'b', 'c'] }, m2: { topics: ['a', 'b', 'c'] }, m3: { topics: ['a', 'b', 'c'] } });
    assertEachPartitionOnce(r, topics);
    assert.deepEqual(Object.values(counts(r)).sort(), [3, 3, 3]);
  });

  it('is sticky: a joining member takes from the fullest, the others keep the rest', () => {
    const topics = { a: 6 };
    const r = run(UniformAssignor, topics, {
      m1: { topics: ['a'], current: { a: [0, 1, 2] } },
      m2: { topics: ['a'], current: { a: [3, 4, 5] } },
      m3: { topics: ['a'] },
    });
    assertEachPartitionOnce(r, topics);
    assert.deepEqual(counts(r), { m1: 2, m2: 2, m3: 2 });
    for (const p of r.m1!.a!) assert.ok([0, 1, 2].includes(p));
    for (const p of r.m2!.a!) assert.ok([3, 4, 5].includes(p));
  });

  it('balances heterogeneous subscriptions as far as they allow', () => {
    const topics = { a: 4, b: 4 };
    const r = run(UniformAssignor, topics, { m1: { topics: ['a'] }, m2: { topics: ['a', 'b'] }, m3: { topics: ['b'] } });
    assertEachPartitionOnce(r, topics);
    assert.deepEqual(Object.keys(r.m1!), ['a']);
    assert.deepEqual(Object.keys(r.m3!), ['b']);
    const c = counts(r);
    assert.ok(Math.max(...Object.values(c)) - Math.min(...Object.values(c)) <= 1, JSON.stringify(c));
  });

  it('drops partitions of topics a member no longer subscribes to, and those beyond a shrunk topic', () => {
    const topics = { a: 2, b: 2 };
    const r = run(UniformAssignor, topics, {
      m1: { topics: ['a'], current: { a: [0, 1, 7], b: [0, 1] } },
      m2: { topics: ['a', 'b'] },
    });
    assertEachPartitionOnce(r, topics);
    assert.deepEqual(r.m2!.b, [0, 1]);
  });

  it('gives nothing to a member subscribed to nothing that exists, and is deterministic', () => {
    const topics = { a: 3 };
    const members = { m1: { topics: ['a'] }, m2: { topics: ['missing'] }, m0: { topics: ['a'] } };
    const r = run(UniformAssignor, topics, members);
    assert.deepEqual(r.m2, {});
    assert.deepEqual(run(UniformAssignor, topics, members), r);
    assert.deepEqual(counts(r), { m0: 2, m1: 1, m2: 0 });
  });
});

describe('range assignor', () => {
  it('gives each member a contiguous range per topic, the first ones one more', () => {
    const topics = { a: 5 };
    const r = run(RangeAssignor, topics, { m1: { topics: ['a'] }, m2: { topics: ['a'] } });
    assert.deepEqual(r, { m1: { a: [0, 1, 2] }, m2: { a: [3, 4] } });
  });

  it('co-partitions: members get the same partition numbers of every topic they share', () => {
    const topics = { a: 4, b: 4 };
    const r = run(RangeAssignor, topics, { x: { topics: ['a', 'b'] }, y: { topics: ['a', 'b'] } });
    assert.deepEqual(r, { x: { a: [0, 1], b: [0, 1] }, y: { a: [2, 3], b: [2, 3] } });
  });

  it('orders static members by instance id, so a restarted one keeps its range; only subscribers share a topic', () => {
    const topics = { a: 4, b: 2 };
    const r = run(RangeAssignor, topics, {
      zzz: { topics: ['a'], instanceId: 'i-1' },
      aaa: { topics: ['a', 'b'], instanceId: 'i-2' },
      dyn: { topics: ['a'] },
    });
    assert.deepEqual(r, { zzz: { a: [0, 1] }, aaa: { a: [2], b: [0, 1] }, dyn: { a: [3] } });
  });
});
