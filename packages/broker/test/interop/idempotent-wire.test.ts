/**
 * Idempotence at the protocol level against a real broker process: InitProducerId in
 * every served version, the answers Kafka gives to a retried batch, a sequence gap, a
 * fenced epoch and an unknown producer, and producer ids and producer state surviving
 * kill -9 (the acknowledgements of five in-flight batches are "lost", the broker is
 * killed and restarted, the producer sends them again and gets their first offsets).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiKey, ErrorCode, buildRecordBatch, type ApiVersionsResponse, type CreateTopicsResponse } from '@samsa/protocol';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.ts';
import { eventually } from '../helpers/eventually.ts';
import { WireClient, idempotentBatch, valuesOf } from './idempotent-wire.ts';

async function createTopic(c: WireClient, name: string, configs: Array<{ name: string; value: string }> = []): Promise<void> {
  const r = await c.request<CreateTopicsResponse>(ApiKey.CreateTopics, 5, {
    topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs }], timeoutMs: 10_000, validateOnly: false,
  });
  assert.equal(r.topics[0]!.errorCode, ErrorCode.NONE, r.topics[0]!.errorMessage ?? '');
}

describe('idempotent producer on the wire', () => {
  let broker: BrokerProcess;
  let c: WireClient;
  before(async () => {
    broker = await startBrokerProcess();
    c = await WireClient.connect(broker.port);
  });
  after(async () => {
    c.close();
    await broker.kill();
  });

  it('advertises InitProducerId v0-4, so librdkafka turns idempotence on', async () => {
    const r = await c.request<ApiVersionsResponse>(ApiKey.ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    const e = r.apiKeys.find((k) => k.apiKey === ApiKey.InitProducerId);
    assert.deepEqual(e && [e.minVersion, e.maxVersion], [0, 4]);
  });

  it('hands out a new producer id at epoch 0 in every version; transactional ids go to the transaction coordinator', async () => {
    const ids = new Set<bigint>();
    for (let v = 0; v <= 4; v++) {
      const r = await c.initProducerId(v);
      assert.equal(r.errorCode, ErrorCode.NONE);
      assert.equal(r.producerEpoch, 0);
      assert.ok(r.producerId >= 0n);
      ids.add(r.producerId);
    }
    assert.equal(ids.size, 5);
    // A transactional id goes to the transaction coordinator, which is not this broker
    // until a FindCoordinator has created __transaction_state.
    assert.equal((await c.initProducerId(4, { transactionalId: 'txn-1' })).errorCode, ErrorCode.NOT_COORDINATOR);
    assert.equal((await c.initProducerId(1, { transactionalId: 'txn-1' })).errorCode, ErrorCode.NOT_COORDINATOR);
    assert.equal((await c.initProducerId(4, { transactionalId: '' })).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal((await c.initProducerId(4, { producerId: 5n, producerEpoch: -1 })).errorCode, ErrorCode.INVALID_REQUEST);
  });

  it('bumps the epoch of a current producer (KIP-360), answers a retried bump, fences a stale one', async () => {
    const { producerId } = await c.initProducerId(4);
    const bumped = await c.initProducerId(4, { producerId, producerEpoch: 0 });
    assert.deepEqual([bumped.errorCode, bumped.producerId, bumped.producerEpoch], [ErrorCode.NONE, producerId, 1]);
    const retried = await c.initProducerId(3, { producerId, producerEpoch: 0 });
    assert.deepEqual([retried.errorCode, retried.producerId, retried.producerEpoch], [ErrorCode.NONE, producerId, 1], 'the answer to a lost bump');
    assert.equal((await c.initProducerId(4, { producerId, producerEpoch: 7 })).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    // The partitions fence the old epoch once the new one has written.
    await createTopic(c, 'wire-bump');
    assert.equal((await c.produce('wire-bump', 0, idempotentBatch(producerId, 0, 0, 2, 'old'))).errorCode, ErrorCode.NONE);
    assert.equal((await c.produce('wire-bump', 0, idempotentBatch(producerId, 1, 0, 1, 'new'))).errorCode, ErrorCode.NONE);
    assert.equal((await c.produce('wire-bump', 0, idempotentBatch(producerId, 0, 2, 1, 'old'))).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.deepEqual(valuesOf(await c.fetchAll('wire-bump', 0)), ['old-0', 'old-1', 'new-0']);
  });

  it('answers the same batch sent twice with the first one\'s offset and stores it once', async () => {
    await createTopic(c, 'wire-dup');
    const { producerId, producerEpoch } = await c.initProducerId(4);
    const first = await c.produce('wire-dup', 0, idempotentBatch(producerId, producerEpoch, 0, 3, 'a'));
    const second = await c.produce('wire-dup', 0, idempotentBatch(producerId, producerEpoch, 3, 2, 'a'));
    assert.deepEqual([first.errorCode, first.baseOffset, second.errorCode, second.baseOffset], [0, 0n, 0, 3n]);
    const again = await c.produce('wire-dup', 0, idempotentBatch(producerId, producerEpoch, 3, 2, 'a'));
    assert.deepEqual([again.errorCode, again.baseOffset], [ErrorCode.NONE, 3n]);
    const older = await c.produce('wire-dup', 0, idempotentBatch(producerId, producerEpoch, 0, 3, 'a'));
    assert.deepEqual([older.errorCode, older.baseOffset], [ErrorCode.NONE, 0n]);
    assert.deepEqual(valuesOf(await c.fetchAll('wire-dup', 0)), ['a-0', 'a-1', 'a-2', 'a-3', 'a-4']);
  });

  it('answers a gap, an unknown producer and a transactional batch the way Kafka does', async () => {
    await createTopic(c, 'wire-errors');
    const { producerId } = await c.initProducerId(4);
    assert.equal((await c.produce('wire-errors', 0, idempotentBatch(producerId, 0, 0, 1, 'e'))).errorCode, ErrorCode.NONE);
    const gap = await c.produce('wire-errors', 0, idempotentBatch(producerId, 0, 2, 1, 'e'));
    assert.equal(gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal(gap.baseOffset, -1n);
    const { producerId: other } = await c.initProducerId(4);
    assert.equal((await c.produce('wire-errors', 0, idempotentBatch(other, 0, 9, 1, 'u'))).errorCode, ErrorCode.UNKNOWN_PRODUCER_ID);
    assert.equal((await c.produce('wire-errors', 0, idempotentBatch(producerId, 0, 1, 1, 'e'))).errorCode, ErrorCode.NONE);
    const txn = buildRecordBatch([{ value: 't' }], { producerId: other, producerEpoch: 0, baseSequence: 0, transactional: true });
    // A transactional batch in a request without a transactional id: Kafka's answer.
    assert.equal((await c.produce('wire-errors', 0, txn)).errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    assert.deepEqual(valuesOf(await c.fetchAll('wire-errors', 0)), ['e-0', 'e-1']);
  });
});

describe('idempotent producer across kill -9', () => {
  let broker: BrokerProcess | undefined;
  after(async () => { await broker?.kill(); });

  it('keeps producer ids unique and answers retries of acknowledged batches with their first offsets', { timeout: 30_000 }, async () => {
    // Small segments so the log rolls (snapshots), and frequent recovery-point checkpoints so
    // the restart recovers (and replays) only the tail after the last checkpointed roll.
    const overrides = { 'log.segment.bytes': 1024, 'log.flush.offset.checkpoint.interval.ms': 100 };
    broker = await startBrokerProcess({ overrides });
    const { port, dataDir } = broker;
    let c = await WireClient.connect(port);
    await createTopic(c, 'wire-kill');
    const { producerId } = await c.initProducerId(4);
    const seen = new Set<bigint>([producerId]);
    let seq = 0;
    const offsets = new Map<number, bigint>();
    for (let b = 0; b < 30; b++) {
      const r = await c.produce('wire-kill', 0, idempotentBatch(producerId, 0, seq, 3, 'k'));
      assert.equal(r.errorCode, ErrorCode.NONE);
      offsets.set(seq, r.baseOffset);
      seq += 3;
    }
    // Five batches in flight at once; their answers arrive, but the producer never sees them.
    const inFlight = [0, 1, 2, 3, 4].map((i) => seq + i * 3);
    const firstAnswers = await Promise.all(inFlight.map((s) => c.produce('wire-kill', 0, idempotentBatch(producerId, 0, s, 3, 'k'))));
    for (const [i, r] of firstAnswers.entries()) {
      assert.equal(r.errorCode, ErrorCode.NONE);
      offsets.set(inFlight[i]!, r.baseOffset);
    }
    c.close();
    await eventually('a recovery-point checkpoint past the first segments', 10_000, async () => {
      const text = await readFile(join(dataDir, 'recovery-point-offset-checkpoint'), 'utf8').catch(() => '');
      return /^wire-kill 0 [1-9]/m.test(text);
    });
    await broker.kill();
    broker = await startBrokerProcess({ port, dataDir, overrides });
    assert.match(broker.stderr(), /"hadCleanShutdown":false/);
    // State came from the last roll's snapshot plus the batches after it, not from scratch.
    const rebuilt = /"dir":"[^"]*wire-kill-0","from":(\d+),"to":(\d+),"batches":(\d+)/.exec(broker.stderr());
    assert.ok(rebuilt !== null, 'producer state was rebuilt');
    assert.ok(Number(rebuilt[1]) > 0 && Number(rebuilt[3]) > 0, `replayed ${rebuilt[3]} batches from ${rebuilt[1]} to ${rebuilt[2]}`);
    c = await WireClient.connect(port);
    // The producer retries the five, pipelined, as a client does after reconnecting.
    const retries = await Promise.all(inFlight.map((s) => c.produce('wire-kill', 0, idempotentBatch(producerId, 0, s, 3, 'k'))));
    for (const [i, r] of retries.entries()) {
      assert.deepEqual([r.errorCode, r.baseOffset], [ErrorCode.NONE, offsets.get(inFlight[i]!)], `retry of sequence ${inFlight[i]}`);
    }
    seq += 15;
    const next = await c.produce('wire-kill', 0, idempotentBatch(producerId, 0, seq, 3, 'k'));
    assert.deepEqual([next.errorCode, next.baseOffset], [ErrorCode.NONE, BigInt(seq)]);
    const values = valuesOf(await c.fetchAll('wire-kill', 0));
    assert.deepEqual(values, Array.from({ length: seq + 3 }, (_, i) => `k-${i}`), 'no duplicates, no gaps');
    // Ids handed out before the kill are never handed out again.
    for (let i = 0; i < 3; i++) {
      const r = await c.initProducerId(4);
      assert.ok(!seen.has(r.producerId) && r.producerId > producerId, `id ${r.producerId} is new`);
      seen.add(r.producerId);
    }
    c.close();
    assert.equal(await broker.stop(), 0);
    broker = undefined;
  });
});
