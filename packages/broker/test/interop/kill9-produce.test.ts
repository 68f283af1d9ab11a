/**
 * kill -9 in the middle of a produce run (issue 4): confluent-kafka-python (librdkafka)
 * produces keyed messages with acks=all to a real broker process and reports every
 * acknowledgement as it arrives. Once enough have been acknowledged the broker is killed
 * with SIGKILL and restarted on the same data directory and port; the same producer
 * reconnects by itself and goes on. Afterwards every acknowledged message must be read
 * back at the offset it was acknowledged with, in send order within its partition, and
 * the messages sent after the restart must be there too.
 *
 * The producer is not idempotent (Samsa has no producer ids yet), so a batch that was
 * in flight at the kill may have been written and then sent again: duplicates of
 * unacknowledged sends are allowed, losses and reordering of acknowledged ones are not.
 * max.in.flight=1 keeps a retried batch from overtaking a later one.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.ts';

const PARTITIONS = 3;
const ACKS_BEFORE_KILL = 1500;
const ACKS_AFTER_RESTART = 1500;

/**
 * Produces `value-<seq>` under 17 keys, keeping at most 64 messages unacknowledged so the
 * run lasts until told to stop (a line on stdin), then flushes and reads every partition
 * back from the beginning to its high watermark. One JSON object per stdout line.
 */
const script = `
import json, sys, threading, time
from confluent_kafka import Producer, Consumer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.admin import AdminClient, NewTopic
bootstrap, topic, partitions = sys.argv[1], sys.argv[2], int(sys.argv[3])
def emit(obj):
    sys.stdout.write(json.dumps(obj) + '\\n')
    sys.stdout.flush()
admin = AdminClient({'bootstrap.servers': bootstrap})
admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])[topic].result(20)
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
p = Producer({'bootstrap.servers': bootstrap, 'acks': 'all', 'linger.ms': 2,
              'max.in.flight.requests.per.connection': 1, 'enable.idempotence': False,
              'reconnect.backoff.ms': 20, 'reconnect.backoff.max.ms': 200, 'retry.backoff.ms': 50,
              'message.timeout.ms': 60000, 'topic.metadata.refresh.interval.ms': 1000})
outstanding = [0]
def report(err, msg):
    outstanding[0] -= 1
    seq = int(msg.value().decode()[len('value-'):])
    if err is not None:
        emit({'error': str(err), 'seq': seq})
    else:
        emit({'ack': seq, 'p': msg.partition(), 'o': msg.offset()})
seq = 0
deadline = time.time() + 60
while not stop.is_set() and time.time() < deadline:
    if outstanding[0] >= 64:
        p.poll(0.05)
        continue
    emit({'sent': seq})
    p.produce(topic, key=('key-%d' % (seq % 17)).encode(), value=('value-%d' % seq).encode(), on_delivery=report)
    outstanding[0] += 1
    seq += 1
    p.poll(0)
left = p.flush(60)
emit({'produced': seq, 'unflushed': left})
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'unused', 'enable.auto.commit': False})
ends = {}
for i in range(partitions):
    low, high = c.get_watermark_offsets(TopicPartition(topic, i), timeout=10)
    ends[i] = high
c.assign([TopicPartition(topic, i, OFFSET_BEGINNING) for i in range(partitions)])
done = set(i for i in range(partitions) if ends[i] == 0)
deadline = time.time() + 30
while len(done) < partitions and time.time() < deadline:
    m = c.poll(0.2)
    if m is None or m.error():
        continue
    emit({'p': m.partition(), 'o': m.offset(), 'k': m.key().decode(), 'v': m.value().decode()})
    if m.offset() + 1 >= ends[m.partition()]:
        done.add(m.partition())
c.close()
emit({'ends': ends})
`;

interface Ack { seq: number; p: number; o: number }
interface Rec { p: number; o: number; k: string; v: string }

describe('kill -9 during a produce run', () => {
  let broker: BrokerProcess | undefined;
  let py: ChildProcess | undefined;
  after(async () => {
    if (py?.exitCode === null && py.signalCode === null) py.kill('SIGKILL');
    await broker?.kill();
  });

  it('keeps every acknowledged message and lets the producer carry on after a restart', { timeout: 90_000 }, async (t) => {
    broker = await startBrokerProcess();
    const { port, dataDir } = broker;
    const child = spawn('/usr/bin/python3', ['-u', '-c', script, broker.bootstrap, 'kill9-produce', String(PARTITIONS)],
      { stdio: ['pipe', 'pipe', 'pipe'] });
    py = child;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = once(child, 'exit');

    const acks: Ack[] = [];
    const errors: string[] = [];
    const records: Rec[] = [];
    let sent = -1;
    let produced = -1;
    let unflushed = -1;
    let ends: Record<string, number> | null = null;
    /** Resolved by the line handler when `acks.length` reaches the awaited count. */
    let waiting: { count: number; resolve: () => void } | null = null;
    const ackCount = (count: number, what: string): Promise<void> => {
      if (acks.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${what}: only ${acks.length} acks after 30 s\n${stderr}`)), 30_000);
        waiting = { count, resolve: () => { clearTimeout(timer); resolve(); } };
      });
    };
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = JSON.parse(line) as Record<string, unknown>;
      if ('sent' in m) sent = m['sent'] as number;
      else if ('ack' in m) acks.push({ seq: m['ack'] as number, p: m['p'] as number, o: m['o'] as number });
      else if ('error' in m) errors.push(`${String(m['seq'])}: ${String(m['error'])}`);
      else if ('produced' in m) ({ produced, unflushed } = m as { produced: number; unflushed: number });
      else if ('ends' in m) ends = m['ends'] as Record<string, number>;
      else records.push(m as unknown as Rec);
      if (waiting !== null && acks.length >= waiting.count) {
        const w = waiting;
        waiting = null;
        w.resolve();
      }
    });

    await ackCount(ACKS_BEFORE_KILL, 'before the kill');
    await broker.kill();
    const ackedBeforeKill = acks.length;
    const sentBeforeKill = sent + 1;
    assert.ok(broker.child.signalCode === 'SIGKILL', 'the broker died of SIGKILL');

    broker = await startBrokerProcess({ dataDir, port });
    assert.equal(broker.port, port);
    await ackCount(ackedBeforeKill + ACKS_AFTER_RESTART, 'after the restart');
    child.stdin.end('stop\n');
    const [code] = await exited as [number | null];
    assert.equal(code, 0, stderr);

    assert.deepEqual(errors, [], 'no send failed');
    assert.equal(unflushed, 0);
    assert.notEqual(ends, null, 'the read-back finished');
    assert.equal(acks.length, produced, 'every send was acknowledged');
    assert.deepEqual(new Set(acks.map((a) => a.seq)).size, produced);

    const at = new Map<string, Rec>();
    for (const r of records) at.set(`${r.p}:${r.o}`, r);
    const total = Object.values(ends!).reduce((a, b) => a + b, 0);
    assert.equal(records.length, total, 'read back up to every high watermark');
    assert.equal(at.size, total, 'each offset read once');

    // Every acknowledged message is where its acknowledgement said, and a later send on
    // the same partition has a later offset: nothing lost, nothing reordered.
    const lastOffset = new Map<number, { seq: number; o: number }>();
    for (const a of [...acks].sort((x, y) => x.seq - y.seq)) {
      const r = at.get(`${a.p}:${a.o}`);
      assert.equal(r?.v, `value-${a.seq}`, `ack of value-${a.seq} at ${a.p}:${a.o} reads back`);
      assert.equal(r.k, `key-${a.seq % 17}`);
      const prev = lastOffset.get(a.p);
      assert.ok(prev === undefined || prev.o < a.o, `value-${a.seq} (offset ${a.o}) after value-${prev?.seq} (offset ${prev?.o}) in partition ${a.p}`);
      lastOffset.set(a.p, { seq: a.seq, o: a.o });
    }
    // Anything else in the log is a retried copy of a send that was in flight at the kill.
    const acked = new Set(acks.map((a) => `${a.p}:${a.o}`));
    const extra = records.filter((r) => !acked.has(`${r.p}:${r.o}`));
    const maxSeqBeforeKill = Math.max(...acks.slice(0, ackedBeforeKill).map((a) => a.seq));
    for (const r of extra) {
      assert.ok(acks.some((a) => `value-${a.seq}` === r.v), `unacknowledged record ${r.v} at ${r.p}:${r.o} is a copy of an acknowledged send`);
      assert.ok(Number(r.v.slice('value-'.length)) > maxSeqBeforeKill - 64, `duplicate ${r.v} was in flight at the kill`);
    }
    assert.ok(acks.length - ackedBeforeKill >= ACKS_AFTER_RESTART, 'the producer went on after the restart');
    t.diagnostic(`${sentBeforeKill} sent and ${ackedBeforeKill} acknowledged before the kill, ${acks.length} in all; ` +
      `${extra.length} retried copies in the log`);
    assert.ok(sentBeforeKill > ackedBeforeKill, `sends were outstanding at the kill (${sentBeforeKill} sent, ${ackedBeforeKill} acknowledged)`);
    assert.match(broker.stderr(), /"hadCleanShutdown":false/, 'the restarted broker recovered from an unclean shutdown');
    assert.equal(await broker.stop(), 0);
  });
});
