/**
 * kill -9 under an idempotent producer whose acknowledgement is lost (issue 6):
 * confluent-kafka-python (librdkafka, enable.idempotence, five requests in flight)
 * produces through a small TCP proxy to a real broker process. Once armed, the proxy
 * withholds the next Produce response: that batch is certainly written but never
 * acknowledged. The broker is then killed with SIGKILL and restarted on the same data
 * directory and port (helpers/kill9-run.ts); the producer reconnects and retries what
 * was in flight with the same producer id and sequences. The restarted broker rebuilds
 * producer state from its snapshot plus the log tail and answers those retries with
 * their first offsets.
 * Afterwards every message sent is stored exactly once (no duplicates, no gaps), in send
 * order per partition, at the offset its acknowledgement named.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { ApiKey, FrameReader } from '@samsa/protocol';
import { after, describe, it } from 'node:test';
import { Kill9Run, seqOf, valueOf } from '../helpers/kill9-run.ts';
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

describe('kill -9 under an idempotent producer', () => {
  const run = new Kill9Run();
  let proxy: AckDroppingProxy | undefined;
  after(async () => {
    await run.close();
    await proxy?.close();
  });

  it('stores every message exactly once when an acknowledgement is lost to kill -9 and the batch retried', { timeout: 90_000 }, async (t) => {
    // Debug level: the broker then logs each retry it answers as a duplicate (counted below).
    process.env['SAMSA_LOG_LEVEL'] = 'debug';
    const ackDropper = await AckDroppingProxy.start();
    proxy = ackDropper;
    const { broker, acks, ackedBeforeKill, produced } = await run.produce({
      topic: 'idem-kill9',
      partitions: PARTITIONS,
      producer: {
        'enable.idempotence': true, 'linger.ms': 1, 'batch.num.messages': 20, 'max.in.flight.requests.per.connection': 5,
        'reconnect.backoff.ms': 20, 'reconnect.backoff.max.ms': 200, 'retry.backoff.ms': 50,
        'message.timeout.ms': 60000, 'topic.metadata.refresh.interval.ms': 1000,
      },
      maxUnacknowledged: 400,
      pollSeconds: 0.01,
      acksBeforeKill: ACKS_BEFORE_KILL,
      acksAfterRestart: ACKS_AFTER_RESTART,
      // Small segments, so the restart loads a roll snapshot and replays the log after it.
      overrides: { 'log.segment.bytes': 64 * 1024, 'advertised.listeners': `PLAINTEXT://127.0.0.1:${ackDropper.port}` },
      bootstrap: `127.0.0.1:${ackDropper.port}`,
      onBrokerStarted: (b) => { ackDropper.upstreamPort = b.port; },
      // The batch whose response the proxy withholds is written but never acknowledged.
      beforeKill: () => ackDropper.dropNextProduceAck(),
    });

    const wire = await WireClient.connect(broker.port);
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
          const seq = seqOf(v);
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
    for (const a of acks) assert.equal(at.get(`${a.p}:${a.o}`), valueOf(a.seq), `ack of value-${a.seq} at ${a.p}:${a.o}`);
    const duplicates = broker.stderr().split('retried batch answered with its first offsets').length - 1;
    t.diagnostic(`${ackedBeforeKill} acknowledged before the kill, ${produced} in all; ${duplicates} retried batches answered as duplicates`);
    assert.ok(duplicates >= 1, 'the batch whose acknowledgement was lost came back and was answered as a duplicate');
    assert.equal(await broker.stop(), 0);
  });
});
