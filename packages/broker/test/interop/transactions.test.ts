/**
 * Transactions with real clients (issue 6): kafkajs and confluent-kafka (librdkafka)
 * transactional producers run commit and abort cycles against a real broker process;
 * read_committed consumers of both clients must see every committed record exactly once
 * and no aborted one, read_uncommitted consumers see both. Then fencing: a second
 * producer with the same transactional id fences the first, whose next write fails. Then
 * the coordinator aborting a transaction past its timeout.
 *
 * Every transactional producer here ends with a committed transaction writing
 * "end-<partition>" to each partition: a consumer that has seen every partition's end
 * record has seen everything before it (order per partition), so "nothing aborted was
 * delivered" is a statement about the whole topic, not about what arrived in time.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.ts';
import { eventually } from '../helpers/eventually.ts';

const { Kafka, logLevel } = kafkajs;
type KafkaClient = InstanceType<typeof Kafka>;
const run = promisify(execFile);
const clients = join(import.meta.dirname, 'clients');

const PARTITIONS = 3;
const CYCLES = 10;
const PER_CYCLE = 60;

interface Rec { p: number; o: number; v: string }

/** Reads `topic` with a kafkajs group consumer until every partition's "end-<p>" record arrived. */
async function consumeWithKafkajs(kafka: KafkaClient, topic: string, readUncommitted: boolean): Promise<Rec[]> {
  const records: Rec[] = [];
  const ended = new Set<number>();
  const consumer = kafka.consumer({ groupId: `read-${topic}-${readUncommitted ? 'uncommitted' : 'committed'}`, readUncommitted, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kafkajs read ${records.length} records, ends seen: ${[...ended].join(',')}`)), 60_000);
      consumer.run({
        eachMessage: async ({ partition, message }) => {
          const v = message.value!.toString();
          records.push({ p: partition, o: Number(message.offset), v });
          if (v.startsWith('end-')) ended.add(partition);
          if (ended.size === PARTITIONS) {
            clearTimeout(timer);
            resolve();
          }
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** Reads `topic` with librdkafka to the end of every partition (its LSO under read_committed). */
async function consumeWithConfluent(bootstrap: string, topic: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<Rec[]> {
  const { stdout } = await run('/usr/bin/python3', [join(clients, 'txn-dump-confluent.py'), bootstrap, topic, String(PARTITIONS), isolation],
    { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 });
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Rec & { done?: number });
  const done = lines.pop()!;
  assert.equal(done.done, lines.length, 'the dump ended normally');
  return lines;
}

/** What a reader of the cycles must have seen, given its isolation level. */
function checkRead(records: readonly Rec[], committedExpected: number, abortedExpected: number, readCommitted: boolean, who: string): void {
  const data = records.filter((r) => !r.v.startsWith('end-'));
  const committed = data.filter((r) => r.v.startsWith('commit-'));
  const aborted = data.filter((r) => r.v.startsWith('abort-'));
  assert.equal(committed.length + aborted.length, data.length, `${who}: only values the producer wrote`);
  assert.equal(new Set(committed.map((r) => r.v)).size, committed.length, `${who}: no committed record twice`);
  assert.equal(committed.length, committedExpected, `${who}: every committed record`);
  assert.equal(aborted.length, readCommitted ? 0 : abortedExpected, `${who}: ${readCommitted ? 'no' : 'every'} aborted record`);
  assert.equal(new Set(records.filter((r) => r.v.startsWith('end-')).map((r) => r.p)).size, PARTITIONS, `${who}: every end record`);
  // Offsets only grow per partition, and each record's offset is unique.
  for (let p = 0; p < PARTITIONS; p++) {
    const offsets = records.filter((r) => r.p === p).map((r) => r.o);
    for (let i = 1; i < offsets.length; i++) assert.ok(offsets[i]! > offsets[i - 1]!, `${who}: partition ${p} in offset order`);
  }
}

describe('transactions with real clients', () => {
  let broker: BrokerProcess;
  let kafka: KafkaClient;
  before(async () => {
    broker = await startBrokerProcess({
      overrides: {
        'group.initial.rebalance.delay.ms': 0,
        'transaction.state.log.num.partitions': 4,
        'transaction.abort.timed.out.transaction.cleanup.interval.ms': 200,
      },
    });
    kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, clientId: 'txn-interop' });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: ['txn-kafkajs', 'txn-confluent', 'txn-fencing', 'txn-timeout'].map((topic) => ({ topic, numPartitions: PARTITIONS })),
    });
    await admin.disconnect();
  });
  after(async () => { assert.equal(await broker.stop(), 0); });

  it('kafkajs: commit and abort cycles; read_committed readers see committed records once, read_uncommitted ones see all', { timeout: 180_000 }, async () => {
    const topic = 'txn-kafkajs';
    const producer = kafka.producer({ transactionalId: 'kafkajs-cycles', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let c = 0; c < CYCLES; c++) {
      const commit = c % 2 === 0;
      const txn = await producer.transaction();
      // Two sends per transaction, so the transaction spans several produce requests.
      for (const half of [0, 1]) {
        const messages = [];
        for (let i = half * (PER_CYCLE / 2); i < (half + 1) * (PER_CYCLE / 2); i++) {
          messages.push({ key: `key-${i % 13}`, value: `${commit ? 'commit' : 'abort'}-${c}-${i}` });
        }
        await txn.send({ topic, messages });
      }
      if (commit) await txn.commit();
      else await txn.abort();
    }
    const end = await producer.transaction();
    await end.send({ topic, messages: Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, value: `end-${p}` })) });
    await end.commit();
    await producer.disconnect();

    const committed = (CYCLES / 2) * PER_CYCLE;
    const aborted = (CYCLES / 2) * PER_CYCLE;
    checkRead(await consumeWithKafkajs(kafka, topic, false), committed, aborted, true, 'kafkajs read_committed');
    checkRead(await consumeWithKafkajs(kafka, topic, true), committed, aborted, false, 'kafkajs read_uncommitted');
    checkRead(await consumeWithConfluent(broker.bootstrap, topic, 'read_committed'), committed, aborted, true, 'confluent read_committed');
    checkRead(await consumeWithConfluent(broker.bootstrap, topic, 'read_uncommitted'), committed, aborted, false, 'confluent read_uncommitted');
  });

  it('confluent-kafka: commit and abort cycles; read by both clients at both isolation levels', { timeout: 180_000 }, async () => {
    const topic = 'txn-confluent';
    const { stdout } = await run('/usr/bin/python3', [join(clients, 'txn-producer-confluent.py'), broker.bootstrap, topic, String(PARTITIONS),
      'confluent-cycles', String(CYCLES), String(PER_CYCLE)], { timeout: 120_000 });
    const summary = JSON.parse(stdout.trim()) as { committed: number; aborted: number };
    assert.deepEqual(summary, { committed: (CYCLES / 2) * PER_CYCLE, aborted: (CYCLES / 2) * PER_CYCLE });
    checkRead(await consumeWithConfluent(broker.bootstrap, topic, 'read_committed'), summary.committed, summary.aborted, true, 'confluent read_committed');
    checkRead(await consumeWithConfluent(broker.bootstrap, topic, 'read_uncommitted'), summary.committed, summary.aborted, false, 'confluent read_uncommitted');
    checkRead(await consumeWithKafkajs(kafka, topic, false), summary.committed, summary.aborted, true, 'kafkajs read_committed');
    checkRead(await consumeWithKafkajs(kafka, topic, true), summary.committed, summary.aborted, false, 'kafkajs read_uncommitted');
  });

  it('a second producer with the same transactional id fences the first, whose open transaction is aborted', { timeout: 60_000 }, async () => {
    const topic = 'txn-fencing';
    const first = kafka.producer({ transactionalId: 'fenced-id', idempotent: true, maxInFlightRequests: 1, retry: { retries: 2 } });
    await first.connect();
    const open = await first.transaction();
    await open.send({ topic, messages: [{ partition: 0, value: 'abort-by-fencing-0' }] });

    // The second producer's InitProducerId bumps the epoch and aborts the first one's transaction.
    const second = kafka.producer({ transactionalId: 'fenced-id', idempotent: true, maxInFlightRequests: 1 });
    await second.connect();
    const txn = await second.transaction();
    await txn.send({ topic, messages: Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, value: `end-${p}` })) });
    await txn.commit();

    await assert.rejects(open.send({ topic, messages: [{ partition: 1, value: 'abort-by-fencing-1' }] }).then(() => open.commit()),
      (err: Error & { type?: string }) => /PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/.test(`${err.type ?? ''} ${err.message}`),
      'the fenced producer cannot write or commit');
    await first.disconnect().catch(() => undefined);
    await second.disconnect();
    checkRead(await consumeWithKafkajs(kafka, topic, false), 0, 0, true, 'read_committed after fencing');
  });

  it('the coordinator aborts a transaction left open past its timeout, and read_committed readers move on', { timeout: 60_000 }, async () => {
    const topic = 'txn-timeout';
    const idle = kafka.producer({ transactionalId: 'timed-out', idempotent: true, maxInFlightRequests: 1, transactionTimeout: 1000, retry: { retries: 1 } });
    await idle.connect();
    const open = await idle.transaction();
    await open.send({ topic, messages: Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, value: `abort-timeout-${p}` })) });
    // Written but not committed: the last stable offset stays at 0 until the coordinator aborts.
    const admin = kafka.admin();
    await admin.connect();
    try {
      await eventually('the timed-out transaction to be aborted (LSO past its records)', 20_000, async () => {
        const offsets = await admin.fetchTopicOffsets(topic);
        return offsets.every((o) => Number(o.high) >= 2);
      });
    } finally {
      await admin.disconnect();
    }
    await assert.rejects(open.commit(), (err: Error & { type?: string }) => /PRODUCER_FENCED|INVALID_PRODUCER_EPOCH|INVALID_TXN_STATE/.test(`${err.type ?? ''} ${err.message}`),
      'the producer learns its transaction is gone');
    await idle.disconnect().catch(() => undefined);
    const writer = kafka.producer({ transactionalId: 'timeout-end', idempotent: true, maxInFlightRequests: 1 });
    await writer.connect();
    const txn = await writer.transaction();
    await txn.send({ topic, messages: Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, value: `end-${p}` })) });
    await txn.commit();
    await writer.disconnect();
    checkRead(await consumeWithKafkajs(kafka, topic, false), 0, PARTITIONS, true, 'read_committed after the timeout');
  });
});
