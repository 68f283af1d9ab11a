/**
 * KIP-848 members for the coordinator harness: each remembers its member id, epoch and
 * the partitions it was last told it may use, and reports them as owned on its next
 * heartbeat, as a faithful client does (it applies revocations before heartbeating
 * again). Tests that need a slow client pass `owned` explicitly.
 */
import assert from 'node:assert/strict';
import { ErrorCode } from '@samsa/protocol';
import type { ConsumerGroupHeartbeatParams, ConsumerGroupHeartbeatResult } from '../../../src/coordinator/group/consumer-group-manager.ts';
import type { GroupCoordinatorTestContext } from './group-coordinator-context.ts';

export type Owned = Array<{ topicId: string; partitions: number[] }>;

export class TestConsumer {
  ctx: GroupCoordinatorTestContext;
  readonly groupId: string;
  readonly subscription: string[];
  readonly extra: Partial<ConsumerGroupHeartbeatParams>;
  memberId = '';
  epoch = 0;
  owned: Owned = [];
  last: ConsumerGroupHeartbeatResult | null = null;

  constructor(ctx: GroupCoordinatorTestContext, groupId: string, subscription: string[], extra: Partial<ConsumerGroupHeartbeatParams> = {}) {
    this.ctx = ctx;
    this.groupId = groupId;
    this.subscription = subscription;
    this.extra = extra;
  }

  /** Joins with epoch 0 (and this member's id, if it has one); asserts success. */
  async join(extra: Partial<ConsumerGroupHeartbeatParams> = {}): Promise<ConsumerGroupHeartbeatResult> {
    this.epoch = 0;
    this.owned = [];
    return this.ok(await this.send({ subscribedTopicNames: this.subscription, ...extra }));
  }

  /** A heartbeat at the current epoch reporting what the member owns; asserts success. */
  async heartbeat(extra: Partial<ConsumerGroupHeartbeatParams> = {}): Promise<ConsumerGroupHeartbeatResult> {
    return this.ok(await this.send(extra));
  }

  /** Sends a heartbeat and applies a successful answer; returns it whatever its error. */
  async send(extra: Partial<ConsumerGroupHeartbeatParams> = {}): Promise<ConsumerGroupHeartbeatResult> {
    const r = await this.ctx.consumerHeartbeat({
      groupId: this.groupId, memberId: this.memberId, memberEpoch: this.epoch, subscribedTopicNames: this.subscription,
      topicPartitions: this.owned, ...this.extra, ...extra,
    });
    this.last = r;
    if (r.errorCode === ErrorCode.NONE) {
      if (r.memberId !== null) this.memberId = r.memberId;
      this.epoch = r.memberEpoch;
      if (r.assignment !== null) this.owned = r.assignment;
    }
    return r;
  }

  /** Leaves with epoch -1 (or -2 for a static member's temporary leave). */
  async leave(epoch = -1): Promise<ConsumerGroupHeartbeatResult> {
    const r = await this.ctx.consumerHeartbeat({
      groupId: this.groupId, memberId: this.memberId, memberEpoch: epoch, subscribedTopicNames: [], topicPartitions: [],
      rebalanceTimeoutMs: 0, ...this.extra,
    });
    if (r.errorCode === ErrorCode.NONE) this.owned = [];
    return r;
  }

  /** What the member owns, by topic name (topics with nothing left out), for readable asserts. */
  ownedByName(): Record<string, number[]> {
    return byName(this.ctx, this.owned);
  }

  ok(r: ConsumerGroupHeartbeatResult): ConsumerGroupHeartbeatResult {
    assert.equal(r.errorCode, ErrorCode.NONE, `heartbeat of ${this.memberId || '(new)'} failed: ${r.errorCode} ${r.errorMessage}`);
    return r;
  }
}

/** An assignment by topic name. */
export function byName(ctx: GroupCoordinatorTestContext, list: Owned | null): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const { topicId, partitions } of list ?? []) {
    if (partitions.length === 0) continue;
    const name = ctx.topics.topicById(topicId)?.name ?? topicId;
    out[name] = [...partitions].sort((a, b) => a - b);
  }
  return out;
}

/** The wire form of an assignment given by topic name. */
export function owned(ctx: GroupCoordinatorTestContext, byTopic: Record<string, number[]>): Owned {
  return Object.entries(byTopic).map(([name, partitions]) => ({ topicId: ctx.topics.id(name), partitions }));
}

/** Fails if two members own the same partition (what each was last told it may use). */
export function assertNoPartitionOwnedTwice(members: readonly TestConsumer[]): void {
  const seen = new Map<string, string>();
  for (const m of members) {
    for (const { topicId, partitions } of m.owned) {
      for (const p of partitions) {
        const key = `${topicId}:${p}`;
        const other = seen.get(key);
        assert.equal(other, undefined, `partition ${key} owned by ${other} and ${m.memberId}`);
        seen.set(key, m.memberId);
      }
    }
  }
}

/** Heartbeats every member in turn until none changes epoch or assignment (bounded). */
export async function settleGroup(members: readonly TestConsumer[], rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    let changed = false;
    for (const m of members) {
      const before = JSON.stringify([m.epoch, m.owned]);
      await m.heartbeat();
      assertNoPartitionOwnedTwice(members);
      if (JSON.stringify([m.epoch, m.owned]) !== before) changed = true;
    }
    if (!changed) return;
  }
  assert.fail(`group did not settle in ${rounds} rounds`);
}
