/**
 * Exactly-once under kill -9 (issue 6): a consume-transform-produce loop with
 * confluent-kafka (librdkafka; eos-transform-confluent.py: read_committed consumer group,
 * transactional producer, offsets sent to each transaction) copies 100,000 messages from
 * one 3-partition topic to another while the broker process is killed with SIGKILL and
 * restarted on the same data directory twice: first while a transaction is held open with
 * its records in the log (the loop commits it after the restart), then the moment a
 * batch is in the log, racing the loop's offset commit and EndTxn. Afterwards a
 * read_committed reader finds every input record in the output exactly once, in input
 * order per partition: whatever a transaction had written when the broker died was
 * committed or aborted as a whole, together with the group offsets it carried.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.ts';

const { Kafka, logLevel } = kafkajs;
const run = promisify(execFile);
const clients = join(import.meta.dirname, 'clients');

const PARTITIONS = 3;
const TOTAL = 100_000;
/** Kill the broker once this many input records are committed, then again at the second. */
const KILL_AT = [30_000, 65_000];
const OVERRIDES = { 'group.initial.rebalance.delay.ms': 0, 'transaction.state.log.num.partitions': 4, 'offsets.topic.num.partitions': 4 };

describe('exactly-once consume-transform-produce under kill -9', () => {
  let broker: BrokerProcess | undefined;
  after(async () => { await broker?.kill(); });

  it(`copies ${TOTAL} messages exactly once while the broker is killed -9 and restarted twice`, { timeout: 300_000 }, async (t) => {
    broker = await startBrokerProcess({ overrides: OVERRIDES });
    const { port, dataDir } = broker;
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, clientId: 'eos-kill9' });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'eos-in', numPartitions: PARTITIONS }, { topic: 'eos-out', numPartitions: PARTITIONS }] });
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const perPartition = Array.from({ length: PARTITIONS }, (_, p) => Math.floor(TOTAL / PARTITIONS) + (p < TOTAL % PARTITIONS ? 1 : 0));
    for (let p = 0; p < PARTITIONS; p++) {
      for (let from = 0; from < perPartition[p]!; from += 2000) {
        const messages = [];
        for (let i = from; i < Math.min(perPartition[p]!, from + 2000); i++) messages.push({ partition: p, key: `k-${i % 97}`, value: `in-${p}-${i}` });
        await producer.send({ topic: 'eos-in', acks: -1, messages });
      }
    }
    await producer.disconnect();

    const py = spawn('/usr/bin/python3', ['-u', join(clients, 'eos-transform-confluent.py'), broker.bootstrap, 'eos-in', 'eos-out', 'eos-group', 'eos-txn', String(TOTAL)],
      { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    py.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = once(py, 'exit');
    const lines: Array<Record<string, number | string>> = [];
    const aborted: string[] = [];
    let waiter: { test: (m: Record<string, number | string>) => boolean; resolve: () => void } | null = null;
    createInterface({ input: py.stdout }).on('line', (line) => {
      const m = JSON.parse(line) as Record<string, number | string>;
      lines.push(m);
      if ('aborted' in m || 'fatal' in m) aborted.push(line);
      if (waiter?.test(m)) {
        const w = waiter;
        waiter = null;
        w.resolve();
      }
    });
    /** The first line from now on that passes `test` (lines already read do not count). */
    const nextLine = (what: string, test: (m: Record<string, number | string>) => boolean): Promise<void> => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} after 120 s\n${aborted.join('\n')}\n${stderr}`)), 120_000);
      waiter = { test, resolve: () => { clearTimeout(timer); resolve(); } };
    });
    const committed = (): number => Math.max(0, ...lines.map((m) => (typeof m['committed'] === 'number' ? m['committed'] : 0)));

    // First kill: while a transaction is open with its records acknowledged (in the log),
    // its offsets not yet sent; the loop commits it only after the restart.
    await nextLine(`${KILL_AT[0]} committed`, () => committed() >= KILL_AT[0]!);
    py.stdin.write('hold\n');
    await nextLine('a held transaction', (m) => 'holding' in m);
    await broker.kill();
    t.diagnostic(`killed -9 at ${committed()} committed, a transaction of ${lines.at(-1)!['holding']! as number - committed()} records open`);
    broker = await startBrokerProcess({ port, dataDir, overrides: OVERRIDES });
    assert.match(broker.stderr(), /"hadCleanShutdown":false/);
    py.stdin.write('go\n');
    // Second kill: the moment a batch is in the log, racing the loop's offsets and commit.
    await nextLine(`${KILL_AT[1]} committed and a batch sent`, (m) => 'sent' in m && committed() >= KILL_AT[1]!);
    await broker.kill();
    t.diagnostic(`killed -9 at ${committed()} committed, a batch sent and being committed`);
    broker = await startBrokerProcess({ port, dataDir, overrides: OVERRIDES });
    assert.match(broker.stderr(), /"hadCleanShutdown":false/);

    const [code] = await exited as [number | null];
    assert.equal(code, 0, `the loop ended normally\n${aborted.join('\n')}\n${stderr}`);
    t.diagnostic(`${aborted.length} transactions aborted by the loop and redone: ${aborted.join(' ')}`);

    const { stdout } = await run('/usr/bin/python3', [join(clients, 'txn-dump-confluent.py'), broker.bootstrap, 'eos-out', String(PARTITIONS), 'read_committed'],
      { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    const output = stdout.trim().split('\n').map((l) => JSON.parse(l) as { p: number; v: string; done?: number });
    assert.equal(output.pop()!.done, TOTAL, 'the output holds as many committed records as the input');
    for (let p = 0; p < PARTITIONS; p++) {
      const values = output.filter((r) => r.p === p).map((r) => r.v);
      assert.equal(values.length, perPartition[p], `partition ${p}: one output record per input record`);
      for (let i = 0; i < values.length; i++) {
        if (values[i] !== `in-${p}-${i}`) assert.fail(`partition ${p}: output ${i} is ${values[i]}, expected in-${p}-${i} (duplicate, gap or reorder)`);
      }
    }
    assert.equal(await broker.stop(), 0);
    broker = undefined;
  });
});
