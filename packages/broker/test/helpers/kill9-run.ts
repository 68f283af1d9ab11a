/**
 * A produce run across a kill -9, for the interop tests that kill a real broker process
 * under load. confluent-kafka-python (librdkafka) creates the topic and produces
 * `value-<seq>` under 17 keys, reporting every send and every acknowledgement as they
 * happen. Once `acksBeforeKill` are acknowledged the broker is killed with SIGKILL and
 * restarted on the same data directory and port; the same producer reconnects by itself
 * and goes on until `acksAfterRestart` more are acknowledged, then flushes. With
 * `readBack` it then reads every partition back from the beginning to its high watermark.
 *
 * The run itself checks what every such test needs: the broker died of SIGKILL, came back
 * on its port and recovered from an unclean shutdown; the producer exited cleanly with
 * nothing failed, nothing left unflushed and every send acknowledged. What the log must
 * hold afterwards is each test's own business.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { startBrokerProcess, type BrokerProcess } from './broker-process.ts';

const KEYS = 17;
/** How long the producer may take to reach each acknowledgement count. */
const ACK_WAIT_MS = 30_000;

export const keyOf = (seq: number): string => `key-${seq % KEYS}`;
export const valueOf = (seq: number): string => `value-${seq}`;
export const seqOf = (value: string): number => Number(value.slice('value-'.length));

export interface Ack { seq: number; p: number; o: number }
export interface ReadBackRecord { p: number; o: number; k: string; v: string }

export interface Kill9RunOptions {
  topic: string;
  partitions: number;
  /** librdkafka producer settings; bootstrap.servers and error_cb are added. */
  producer: Record<string, string | number | boolean>;
  /** Sends left unacknowledged at most; at the limit the loop polls for `pollSeconds`. */
  maxUnacknowledged: number;
  pollSeconds: number;
  acksBeforeKill: number;
  acksAfterRestart: number;
  /** Broker config overrides, for the first start and the restart alike. */
  overrides?: Record<string, string | number>;
  /** Where the producer connects (a proxy in front of the broker); the broker itself by default. */
  bootstrap?: string;
  /** Called once the broker listens, before the producer starts. */
  onBrokerStarted?: (broker: BrokerProcess) => void;
  /** Awaited after `acksBeforeKill` acknowledgements, right before the kill. */
  beforeKill?: () => Promise<void>;
  /** Read every partition back with a consumer once the producer has flushed. */
  readBack?: boolean;
}

export interface Kill9RunResult {
  /** The restarted broker, still running. */
  broker: BrokerProcess;
  /** In the order they arrived. */
  acks: Ack[];
  ackedBeforeKill: number;
  sentBeforeKill: number;
  produced: number;
  /** Empty without `readBack`. */
  records: ReadBackRecord[];
  /** High watermark per partition at the read-back; null without `readBack`. */
  ends: Record<string, number> | null;
}

/**
 * One JSON object per stdout line. The producer keeps at most `maxUnacknowledged` sends
 * outstanding, so the run lasts until told to stop (a line on stdin) or 60 s pass.
 */
const script = `
import json, sys, threading, time
from confluent_kafka import Producer, Consumer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.admin import AdminClient, NewTopic
bootstrap, topic, partitions = sys.argv[1], sys.argv[2], int(sys.argv[3])
settings = json.loads(sys.argv[4])
def emit(obj):
    sys.stdout.write(json.dumps(obj) + '\\n')
    sys.stdout.flush()
admin = AdminClient({'bootstrap.servers': bootstrap})
admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])[topic].result(20)
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
def on_error(err):
    # Connection errors while the broker is down are expected; a fatal one is not.
    if err.fatal():
        emit({'client_error': str(err)})
p = Producer({**settings['producer'], 'bootstrap.servers': bootstrap, 'error_cb': on_error})
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
    if outstanding[0] >= settings['maxUnacknowledged']:
        p.poll(settings['pollSeconds'])
        continue
    emit({'sent': seq})
    p.produce(topic, key=('key-%d' % (seq % ${KEYS})).encode(), value=('value-%d' % seq).encode(), on_delivery=report)
    outstanding[0] += 1
    seq += 1
    p.poll(0)
left = p.flush(60)
emit({'produced': seq, 'unflushed': left})
if not settings['readBack']:
    sys.exit(0)
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

/** Owns the broker and the producer process of one run, so a test's `after` can end both whatever happened. */
export class Kill9Run {
  #broker: BrokerProcess | undefined;
  #producer: ChildProcess | undefined;

  async produce(options: Kill9RunOptions): Promise<Kill9RunResult> {
    const { overrides = {} } = options;
    let broker = await startBrokerProcess({ overrides });
    this.#broker = broker;
    const { port, dataDir } = broker;
    options.onBrokerStarted?.(broker);
    const settings = {
      producer: options.producer,
      maxUnacknowledged: options.maxUnacknowledged,
      pollSeconds: options.pollSeconds,
      readBack: options.readBack ?? false,
    };
    const child = spawn('/usr/bin/python3',
      ['-u', '-c', script, options.bootstrap ?? broker.bootstrap, options.topic, String(options.partitions), JSON.stringify(settings)],
      { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#producer = child;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = once(child, 'exit');

    const acks: Ack[] = [];
    const errors: string[] = [];
    const records: ReadBackRecord[] = [];
    let sent = -1;
    let produced = -1;
    let unflushed = -1;
    let ends: Record<string, number> | null = null;
    /** Resolved by the line handler when `acks.length` reaches the awaited count. */
    let waiting: { count: number; resolve: () => void } | null = null;
    const ackCount = (count: number, what: string): Promise<void> => {
      if (acks.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(
          `${what}: only ${acks.length} acks after ${ACK_WAIT_MS / 1000} s\n${stderr}\n${errors.join('\n')}`)), ACK_WAIT_MS);
        waiting = { count, resolve: () => { clearTimeout(timer); resolve(); } };
      });
    };
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = JSON.parse(line) as Record<string, unknown>;
      if ('sent' in m) sent = m['sent'] as number;
      else if ('ack' in m) acks.push({ seq: m['ack'] as number, p: m['p'] as number, o: m['o'] as number });
      else if ('error' in m) errors.push(`${String(m['seq'])}: ${String(m['error'])}`);
      else if ('client_error' in m) errors.push(`client: ${String(m['client_error'])}`);
      else if ('produced' in m) ({ produced, unflushed } = m as { produced: number; unflushed: number });
      else if ('ends' in m) ends = m['ends'] as Record<string, number>;
      else records.push(m as unknown as ReadBackRecord);
      if (waiting !== null && acks.length >= waiting.count) {
        const w = waiting;
        waiting = null;
        w.resolve();
      }
    });

    await ackCount(options.acksBeforeKill, 'before the kill');
    await options.beforeKill?.();
    await broker.kill();
    const ackedBeforeKill = acks.length;
    const sentBeforeKill = sent + 1;
    assert.ok(broker.child.signalCode === 'SIGKILL', 'the broker died of SIGKILL');

    broker = await startBrokerProcess({ dataDir, port, overrides });
    this.#broker = broker;
    assert.equal(broker.port, port);
    assert.match(broker.stderr(), /"hadCleanShutdown":false/, 'the restarted broker recovered from an unclean shutdown');
    await ackCount(ackedBeforeKill + options.acksAfterRestart, 'after the restart');
    child.stdin.end('stop\n');
    const [code] = await exited as [number | null];
    assert.equal(code, 0, stderr);

    assert.deepEqual(errors, [], 'no delivery failed and the producer never hit a fatal error');
    assert.equal(unflushed, 0);
    if (settings.readBack) assert.notEqual(ends, null, 'the read-back finished');
    assert.equal(acks.length, produced, 'every send was acknowledged');
    return { broker, acks, ackedBeforeKill, sentBeforeKill, produced, records, ends };
  }

  /** SIGKILLs the producer if it still runs and the broker. */
  async close(): Promise<void> {
    const producer = this.#producer;
    if (producer?.exitCode === null && producer.signalCode === null) producer.kill('SIGKILL');
    await this.#broker?.kill();
  }
}
