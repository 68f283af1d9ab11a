/**
 * 10,000 idle connections (issue 4): a broker process holds 10,000 client connections
 * that each did one ApiVersions round trip and then went quiet, while a real client
 * (confluent-kafka-python, librdkafka) keeps producing and fetching. The broker stays up,
 * the client's rounds keep finishing within a deadline, the broker's memory grows by a
 * bounded amount per connection, and once the idle connections close it serves as before.
 *
 * Both ends need 10,000 file descriptors: the test raises its own soft RLIMIT_NOFILE to
 * the hard limit (prlimit), and the broker process inherits it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { ApiKey, ApiVersionsResponse, FrameReader, Reader, ResponseHeader, encodeRequest, frame } from '@samsa/protocol';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.ts';

const IDLE_CONNECTIONS = 10_000;
/** Connections opened at once: below the listen backlog, so none waits for a SYN retry. */
const WAVE = 250;
/** A round of the busy client (produce 50 with acks=all, read them back) must finish within this. */
const ROUND_DEADLINE_MS = 5_000;
/** Generous: a socket, a Connection, its frame reader and logger are a few KiB. */
const MAX_RSS_PER_CONNECTION = 32 * 1024;

/** Produces 50 keyed messages per round with acks=all and fetches them back; one JSON line per round. */
const script = `
import json, sys, threading, time
from confluent_kafka import Producer, Consumer, TopicPartition
bootstrap, topic = sys.argv[1], sys.argv[2]
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
p = Producer({'bootstrap.servers': bootstrap, 'acks': 'all', 'linger.ms': 1})
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'unused', 'enable.auto.commit': False,
              'fetch.wait.max.ms': 50})
c.assign([TopicPartition(topic, 0, 0)])
n = 0
deadline = time.time() + 120
while not stop.is_set() and time.time() < deadline:
    t0 = time.time()
    errors = []
    for i in range(50):
        p.produce(topic, key=b'k', value=('round-%d-%d' % (n, i)).encode(),
                  on_delivery=lambda err, msg: err is not None and errors.append(str(err)))
    left = p.flush(30)
    got = 0
    while got < 50 and time.time() - t0 < 30:
        m = c.poll(0.1)
        if m is not None and not m.error():
            if m.value().decode() != 'round-%d-%d' % (n, got):
                errors.append('out of order: %s' % m.value().decode())
            got += 1
    sys.stdout.write(json.dumps({'round': n, 'ms': (time.time() - t0) * 1000, 'left': left, 'got': got, 'errors': errors}) + '\\n')
    sys.stdout.flush()
    n += 1
c.close()
`;

interface Round { round: number; ms: number; left: number; got: number; errors: string[] }

function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m, 'VmRSS in /proc/<pid>/status');
  return Number(m[1]) * 1024;
}

function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Raises this process's soft open-files limit to its hard limit, and returns the new soft limit. */
function raiseOpenFilesLimit(): number {
  const read = (): { soft: number; hard: number } => {
    const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    assert.ok(m, 'Max open files in /proc/self/limits');
    const n = (s: string): number => (s === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(s));
    return { soft: n(m[1]!), hard: n(m[2]!) };
  };
  const { soft, hard } = read();
  if (soft < hard) execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${hard}:${hard}`]);
  return read().soft;
}

/** Opens a connection, does one ApiVersions v0 round trip, and leaves it open and silent. */
async function idleConnection(port: number, correlationId: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  const frames = new FrameReader(1024 * 1024);
  const answer = new Promise<Buffer>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      const [f] = frames.push(d);
      if (f !== undefined) {
        socket.off('data', onData);
        resolve(f);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`connection ${correlationId} closed before its ApiVersions answer`)));
  });
  for (const c of frame(encodeRequest(ApiKey.ApiVersions, 0, correlationId, 'idle', {}))) socket.write(c);
  const r = new Reader(await answer);
  assert.equal(ResponseHeader.read(r, 0).correlationId, correlationId);
  assert.equal(ApiVersionsResponse.read(r, 0).errorCode, 0);
  return socket;
}

describe('10,000 idle connections', () => {
  let broker: BrokerProcess | undefined;
  let py: ChildProcess | undefined;
  const sockets: Socket[] = [];
  after(async () => {
    for (const s of sockets) s.destroy();
    if (py?.exitCode === null && py.signalCode === null) py.kill('SIGKILL');
    await broker?.kill();
  });

  it('hold bounded memory and do not disturb a busy client', { timeout: 120_000 }, async (t) => {
    const limit = raiseOpenFilesLimit();
    assert.ok(limit >= IDLE_CONNECTIONS + 500,
      `this test needs ${IDLE_CONNECTIONS + 500} open files on each side; the hard limit here is ${limit} (raise it with ulimit -Hn)`);
    broker = await startBrokerProcess({ overrides: { 'num.partitions': 1 } });
    const pid = broker.child.pid!;

    const child = spawn('/usr/bin/python3', ['-u', '-c', script, broker.bootstrap, 'idle-connections'], { stdio: ['pipe', 'pipe', 'pipe'] });
    py = child;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const pyExited = once(child, 'exit');
    const rounds: Round[] = [];
    let roundWaiter: { count: number; resolve: () => void } | null = null;
    createInterface({ input: child.stdout }).on('line', (line) => {
      rounds.push(JSON.parse(line) as Round);
      if (roundWaiter !== null && rounds.length >= roundWaiter.count) {
        const w = roundWaiter;
        roundWaiter = null;
        w.resolve();
      }
    });
    /** Waits for `more` further rounds of the busy client. */
    const moreRounds = (more: number, what: string): Promise<void> => {
      const count = rounds.length + more;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${what}: the client finished only ${rounds.length} rounds\n${stderr}`)), 30_000);
        roundWaiter = { count, resolve: () => { clearTimeout(timer); resolve(); } };
      });
    };

    await moreRounds(3, 'warm-up');
    const rssBefore = rssBytes(pid);
    const fdsBefore = openFds(pid);
    const roundsBefore = rounds.length;

    const started = Date.now();
    for (let i = 0; i < IDLE_CONNECTIONS; i += WAVE) {
      const wave = Array.from({ length: Math.min(WAVE, IDLE_CONNECTIONS - i) }, (_, j) => idleConnection(broker!.port, i + j));
      sockets.push(...await Promise.all(wave));
    }
    const openMs = Date.now() - started;
    assert.ok(openFds(pid) >= fdsBefore + IDLE_CONNECTIONS, 'the broker holds every idle connection');
    const roundsWhileOpening = rounds.length - roundsBefore;

    await moreRounds(5, 'with 10,000 idle connections');
    assert.equal(broker.child.exitCode, null, 'the broker is up');
    const rssAfter = rssBytes(pid);
    const perConnection = (rssAfter - rssBefore) / IDLE_CONNECTIONS;
    t.diagnostic(`opened ${IDLE_CONNECTIONS} connections in ${openMs} ms (${roundsWhileOpening} client rounds meanwhile); ` +
      `broker RSS ${(rssBefore / 2 ** 20).toFixed(1)} -> ${(rssAfter / 2 ** 20).toFixed(1)} MiB, ${(perConnection / 1024).toFixed(1)} KiB per connection`);
    assert.ok(perConnection <= MAX_RSS_PER_CONNECTION, `${perConnection} bytes of RSS per idle connection`);

    const roundsHeld = rounds.length;
    for (const s of sockets.splice(0)) s.destroy();
    const deadline = Date.now() + 15_000;
    while (openFds(pid) > fdsBefore + 50) {
      assert.ok(Date.now() < deadline, `the broker still holds ${openFds(pid) - fdsBefore} closed connections after 15 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await moreRounds(3, 'after the idle connections closed');
    (await idleConnection(broker.port, 1)).destroy();

    child.stdin.end('stop\n');
    const [code] = await pyExited as [number | null];
    assert.equal(code, 0, stderr);
    const slow = rounds.filter((r) => r.ms > ROUND_DEADLINE_MS);
    const median = (rs: Round[]): string => rs.map((r) => r.ms).sort((a, b) => a - b)[rs.length >> 1]!.toFixed(1);
    t.diagnostic(`${rounds.length} client rounds, median ${median(rounds.slice(0, roundsBefore))} ms before the idle connections, ` +
      `${median(rounds.slice(roundsBefore + roundsWhileOpening, roundsHeld))} ms while they were held, ` +
      `slowest ${Math.max(...rounds.map((r) => r.ms)).toFixed(0)} ms (round ${rounds.reduce((a, b) => (b.ms > a.ms ? b : a)).round})`);
    assert.deepEqual(slow, [], `every round of the busy client within ${ROUND_DEADLINE_MS} ms`);
    for (const r of rounds) {
      assert.deepEqual(r.errors, [], `round ${r.round}`);
      assert.equal(r.left, 0);
      assert.equal(r.got, 50);
    }
    assert.equal(await broker.stop(), 0, 'clean shutdown');
  });
});
