/**
 * kill -9 under an idempotent producer whose acknowledgement is lost (issue 6):
 * confluent-kafka-python (librdkafka, enable.idempotence, five requests in flight)
 * produces through a small TCP proxy to a real broker process. Once armed, the proxy
 * withholds the next Produce response: that batch is certainly written but never
 * acknowledged. The broker is then killed with SIGKILL and restarted on the same data
 * directory and port; the producer reconnects and retries what was in flight with the
 * same producer id and sequences. The restarted broker rebuilds producer state from its
 * snapshot plus the log tail and answers those retries with their first offsets.
 * Afterwards every message sent is stored exactly once (no duplicates, no gaps), in send
 * order per partition, at the offset its acknowledgement named.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { ApiKey, FrameReader } from '@samsa/protocol';
import { after, describe, it } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.ts';
import { WireClient } from './idempotent-wire.ts';

const PARTITIONS = 3;
const ACKS_BEFORE_KILL = 3000;
const ACKS_AFTER_RESTART = 3000;
/** Forwards Kafka connections to the broker; once armed, swallows the next Produce response and all after it on that connection. */
class AckDroppingProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  upstreamPort = 0;
  #armed: (() => void) | null = null;

  private constructor(server: Server) {
    this.#server = server;
    server.on('connection', (client) => this.#relay(client));
  }

  static async start(): Promise<AckDroppingProxy> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new AckDroppingProxy(server);
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  /** Resolves once a Produce response has been withheld. */
  dropNextProduceAck(): Promise<void> {
    return new Promise((resolve) => { this.#armed = resolve; });
  }

  #relay(client: Socket): void {
    const upstream = connect(this.upstreamPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.#sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        this.#sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    const requests = new FrameReader(1 << 30);
    const responses = new FrameReader(1 << 30);
    const produceIds = new Set<number>();
    let holding = false;
    client.on('data', (chunk: Buffer) => {
      for (const f of requests.push(chunk)) if (f.readInt16BE(0) === ApiKey.Produce) produceIds.add(f.readInt32BE(4));
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      for (const f of responses.push(chunk)) {
        const id = f.readInt32BE(0);
        if (!holding && this.#armed !== null && produceIds.has(id)) {
          holding = true;
          const resolve = this.#armed;
          this.#armed = null;
          resolve();
        }
        if (holding) continue;
        produceIds.delete(id);
        const size = Buffer.alloc(4);
        size.writeInt32BE(f.length);
        client.write(Buffer.concat([size, f]));
      }
    });
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    this.#server.close();
    await once(this.#server, 'close');
  }
}

/** Produces `value-<seq>` until a line arrives on stdin, keeping up to 400 unacknowledged; one JSON object per line. */
const script = `
import json, sys, threading, time
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
bootstrap, topic, partitions = sys.argv[1], sys.argv[2], int(sys.argv[3])
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
p = Producer({'bootstrap.servers': bootstrap, 'error_cb': on_error, 'enable.idempotence': True, 'linger.ms': 1, 'batch.num.messages': 20,
              'max.in.flight.requests.per.connection': 5, 'reconnect.backoff.ms': 20, 'reconnect.backoff.max.ms': 200,
              'retry.backoff.ms': 50, 'message.timeout.ms': 60000, 'topic.metadata.refresh.interval.ms': 1000})
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
    if outstanding[0] >= 400:
        p.poll(0.01)
        continue
    p.produce(topic, key=('key-%d' % (seq % 17)).encode(), value=('value-%d' % seq).encode(), on_delivery=report)
    outstanding[0] += 1
    seq += 1
    p.poll(0)
left = p.flush(60)
emit({'produced': seq, 'unflushed': left})
`;

interface Ack { seq: number; p: number; o: number }

describe('kill -9 under an idempotent producer', () => {
  let broker: BrokerProcess | undefined;
  let proxy: AckDroppingProxy | undefined;
  after(async () => {
    await broker?.kill();
    await proxy?.close();
  });

  it('stores every message exactly once when an acknowledgement is lost to kill -9 and the batch retried', { timeout: 90_000 }, async (t) => {
    // Debug level: the broker then logs each retry it answers as a duplicate (counted below).
    process.env['SAMSA_LOG_LEVEL'] = 'debug';
    proxy = await AckDroppingProxy.start();
    // Small segments, so the restart loads a roll snapshot and replays the log after it.
    const overrides = { 'log.segment.bytes': 64 * 1024, 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` };
    broker = await startBrokerProcess({ overrides });
    proxy.upstreamPort = broker.port;
    const { port, dataDir } = broker;
    const bootstrap = `127.0.0.1:${proxy.port}`;
    const py = spawn('/usr/bin/python3', ['-u', '-c', script, bootstrap, 'idem-kill9', String(PARTITIONS)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    py.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = once(py, 'exit');
    const acks: Ack[] = [];
    const errors: string[] = [];
    let produced = -1;
    let unflushed = -1;
    let waiting: { count: number; resolve: () => void } | null = null;
    const ackCount = (count: number, what: string): Promise<void> => {
      if (acks.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${what}: only ${acks.length} acks after 30 s\n${stderr}\n${errors.join('\n')}`)), 30_000);
        waiting = { count, resolve: () => { clearTimeout(timer); resolve(); } };
      });
    };
    createInterface({ input: py.stdout }).on('line', (line) => {
      const m = JSON.parse(line) as Record<string, unknown>;
      if ('ack' in m) acks.push({ seq: m['ack'] as number, p: m['p'] as number, o: m['o'] as number });
      else if ('error' in m) errors.push(`${String(m['seq'])}: ${String(m['error'])}`);
      else if ('client_error' in m) errors.push(`client: ${String(m['client_error'])}`);
      else if ('produced' in m) ({ produced, unflushed } = m as { produced: number; unflushed: number });
      if (waiting !== null && acks.length >= waiting.count) {
        const w = waiting;
        waiting = null;
        w.resolve();
      }
    });

    await ackCount(ACKS_BEFORE_KILL, 'before the kill');
    await proxy.dropNextProduceAck();
    await broker.kill();
    const ackedBeforeKill = acks.length;
    broker = await startBrokerProcess({ port, dataDir, overrides });
    await ackCount(ackedBeforeKill + ACKS_AFTER_RESTART, 'after the restart');
    py.stdin.write('stop\n');
    const [code] = await exited as [number | null];
    assert.equal(code, 0, stderr);
    assert.deepEqual(errors, [], 'no delivery failed and the producer never hit a fatal error');
    assert.equal(unflushed, 0);
    assert.equal(acks.length, produced, 'every send was acknowledged');

    const wire = await WireClient.connect(port);
    const at = new Map<string, string>();
    let stored = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      const batches = await wire.fetchAll('idem-kill9', p);
      // Sequences follow on within an epoch; a KIP-360 epoch bump restarts them at 0.
      let epoch = -1;
      let nextSeq = 0;
      let last = -1;
      for (const b of batches) {
        assert.ok(b.producerId >= 0n);
        if (b.producerEpoch !== epoch) {
          assert.ok(b.producerEpoch > epoch, `epochs only grow (partition ${p})`);
          epoch = b.producerEpoch;
          nextSeq = 0;
        }
        assert.equal(b.baseSequence, nextSeq, `partition ${p} offset ${b.baseOffset}: sequence ${b.baseSequence}, expected ${nextSeq}`);
        nextSeq += b.lastOffsetDelta + 1;
        for (const r of b.toArray()) {
          const v = r.value!.toString();
          const seq = Number(v.slice('value-'.length));
          assert.ok(seq > last, `partition ${p}: ${v} after value-${last}`);
          last = seq;
          at.set(`${p}:${b.baseOffset + BigInt(r.offsetDelta)}`, v);
          stored++;
        }
      }
    }
    wire.close();
    assert.equal(stored, produced, `${stored} stored for ${produced} sent: no duplicates`);
    assert.equal(new Set(at.values()).size, produced, 'every message once: no gaps');
    for (const a of acks) assert.equal(at.get(`${a.p}:${a.o}`), `value-${a.seq}`, `ack of value-${a.seq} at ${a.p}:${a.o}`);
    assert.match(broker.stderr(), /"hadCleanShutdown":false/);
    const duplicates = broker.stderr().split('retried batch answered with its first offsets').length - 1;
    t.diagnostic(`${ackedBeforeKill} acknowledged before the kill, ${produced} in all; ${duplicates} retried batches answered as duplicates`);
    assert.ok(duplicates >= 1, 'the batch whose acknowledgement was lost came back and was answered as a duplicate');
    assert.equal(await broker.stop(), 0);
    broker = undefined;
  });
});
