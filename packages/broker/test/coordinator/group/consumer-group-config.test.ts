/**
 * The group.consumer.* keys (KIP-848 groups): Kafka's defaults, their cross-checks, and
 * how they reach the coordinator's settings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadBrokerConfig } from '../../../src/config/broker-config.ts';
import { ConfigError } from '../../../src/config/config-error.ts';
import { groupCoordinatorConfigFrom } from '../../../src/config-bridge.ts';

function problemKeys(overrides: Record<string, string>): string[] {
  try {
    loadBrokerConfig({ overrides });
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems.map((p) => p.key ?? '');
  }
  return [];
}

describe('group.consumer.* configuration', () => {
  it('defaults to Kafka\'s values and reaches the coordinator', () => {
    const c = groupCoordinatorConfigFrom(loadBrokerConfig({ overrides: {} }));
    assert.equal(c.consumerGroupSessionTimeoutMs, 45_000);
    assert.equal(c.consumerGroupHeartbeatIntervalMs, 5000);
    assert.equal(c.consumerGroupMaxSize, 2147483647);
    assert.deepEqual(c.consumerGroupAssignors, ['uniform', 'range']);
  });

  it('takes Kafka 3.x assignor class names for uniform and range, in the order given', () => {
    const c = groupCoordinatorConfigFrom(loadBrokerConfig({
      overrides: { 'group.consumer.assignors': 'org.apache.kafka.coordinator.group.assignor.RangeAssignor,uniform' },
    }));
    assert.deepEqual(c.consumerGroupAssignors, ['range', 'uniform']);
  });

  it('refuses unknown assignors, and timeouts outside their bounds or heartbeats not inside the session', () => {
    assert.deepEqual(problemKeys({ 'group.consumer.assignors': 'sticky' }), ['group.consumer.assignors']);
    assert.deepEqual(problemKeys({ 'group.consumer.assignors': '' }), ['group.consumer.assignors']);
    assert.deepEqual(problemKeys({ 'group.consumer.session.timeout.ms': '10000' }), ['group.consumer.session.timeout.ms']);
    assert.deepEqual(problemKeys({ 'group.consumer.heartbeat.interval.ms': '20000' }), ['group.consumer.heartbeat.interval.ms']);
    assert.deepEqual(problemKeys({
      'group.consumer.session.timeout.ms': '1000', 'group.consumer.min.session.timeout.ms': '1000',
      'group.consumer.heartbeat.interval.ms': '1000', 'group.consumer.min.heartbeat.interval.ms': '100',
    }), ['group.consumer.heartbeat.interval.ms']);
    assert.deepEqual(problemKeys({
      'group.consumer.session.timeout.ms': '10000', 'group.consumer.min.session.timeout.ms': '1000',
      'group.consumer.heartbeat.interval.ms': '250', 'group.consumer.min.heartbeat.interval.ms': '100',
    }), []);
  });
});
