/**
 * Misbehaving clients against an embedded broker: each gets Kafka's answer or a closed
 * connection, and a well-behaved client on another connection notices nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import {
  ApiKey, ApiVersionsResponse, ErrorCode, FrameReader, MetadataResponse, Reader, ResponseHeader, decodeResponse, encodeRequest, frame,
  type ListOffsetsResponse,
} from '@samsa/protocol';
import { startBroker, type RunningBroker } from '../../src/index.ts';

/** A minimal client: sends frames, collects response frames. */
class RawClient {
  readonly socket: Socket;
  readonly #frames = new FrameReader(64 * 1024 * 1024);
  readonly #received: Buffer[] = [];
  #waiters: Array<() => void> = [];
  closed: Promise<unknown>;

  constructor(socket: Socket) {
    this.socket = socket;
    this.closed = once(socket, 'close');
    socket.on('data', (d: Buffer) => {
      this.#received.push(...this.#frames.push(d));
      for (const w of this.#waiters.splice(0)) w();
    });
    socket.on('error', () => {});
  }

  static async open(port: number): Promise<RawClient> {
    const s = connect(port, '127.0.0.1');
    await once(s, 'connect');
    return new RawClient(s);
  }

  send(apiKey: number, version: number, correlationId: number, body: object): void {
    for (const c of frame(encodeRequest(apiKey, version, correlationId, 'raw-test', body))) this.socket.write(c);
  }

  async next(timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.#received.length === 0) {
      if (Date.now() > deadline) throw new Error('no response in time');
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.#received.shift()!;
  }
}

describe('bad input at the socket', () => {
  let broker: RunningBroker;
  before(async () => { broker = await startBroker({ port: 0, logDir: mkdtempSync(join(tmpdir(), 'samsa-bad-input-')) }); });
  after(async () => { await broker.close(); });

  async function healthy(): Promise<void> {
    const c = await RawClient.open(broker.port);
    c.send(ApiKey.Metadata, 12, 5, { topics: null });
    const f = await c.next();
    const r = new Reader(f);
    assert.equal(ResponseHeader.read(r, 1).correlationId, 5);
    assert.equal(MetadataResponse.read(r, 12).brokers.length, 1);
    c.socket.destroy();
  }

  it('closes a connection that announces a 2 GB frame, without buffering it', async () => {
    const c = await RawClient.open(broker.port);
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(0x7fffffff);
    c.socket.write(prefix);
    await c.closed;
    await healthy();
  });

  it('closes a connection that sends garbage', async () => {
    const c = await RawClient.open(broker.port);
    const junk = Buffer.alloc(64, 0xab);
    junk.writeInt32BE(60, 0);
    c.socket.write(junk);
    await c.closed;
    await healthy();
  });

  it('closes a connection that sends a truncated request body', async () => {
    const c = await RawClient.open(broker.port);
    const full = Buffer.concat(encodeRequest(ApiKey.Metadata, 12, 1, 'x', { topics: [{ name: 'abc' }] }));
    c.socket.write(Buffer.concat(frame([full.subarray(0, full.length - 5)])));
    await c.closed;
    await healthy();
  });

  it('closes a connection that asks for an API it does not serve', async () => {
    const c = await RawClient.open(broker.port);
    c.send(ApiKey.Vote, 0, 1, {});
    await c.closed;
    await healthy();
  });

  it('answers an unknown ApiVersions version with UNSUPPORTED_VERSION and its own range (KIP-511)', async () => {
    const c = await RawClient.open(broker.port);
    const header = Buffer.alloc(10);
    header.writeInt16BE(ApiKey.ApiVersions, 0);
    header.writeInt16BE(99, 2);
    header.writeInt32BE(7, 4);
    header.writeInt16BE(-1, 8);
    c.socket.write(Buffer.concat(frame([header])));
    const r = new Reader(await c.next());
    assert.equal(ResponseHeader.read(r, 0).correlationId, 7);
    const body = ApiVersionsResponse.read(r, 0);
    assert.equal(body.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    assert.deepEqual(body.apiKeys.map((k) => [k.apiKey, k.minVersion, k.maxVersion]), [[ApiKey.ApiVersions, 0, 3]]);
    c.socket.destroy();
  });

  it('answers INVALID_REQUEST for each copy of a partition named twice in one ListOffsets', async () => {
    const c = await RawClient.open(broker.port);
    const ask = (partitionIndex: number) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp: -1n });
    c.send(ApiKey.ListOffsets, 7, 3, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'no-such-topic', partitions: [ask(0), ask(1), ask(0)] }] });
    const body = decodeResponse(await c.next(), ApiKey.ListOffsets, 7).body as ListOffsetsResponse;
    assert.deepEqual(body.topics[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode]),
      [[0, ErrorCode.INVALID_REQUEST], [1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [0, ErrorCode.INVALID_REQUEST]]);
    c.socket.destroy();
  });

  it('answers pipelined requests in order', async () => {
    const c = await RawClient.open(broker.port);
    for (let i = 0; i < 20; i++) {
      if (i % 2 === 0) c.send(ApiKey.ApiVersions, 0, i, {});
      else c.send(ApiKey.Metadata, 0, i, { topics: [] });
    }
    for (let i = 0; i < 20; i++) {
      const r = new Reader(await c.next());
      assert.equal(ResponseHeader.read(r, 0).correlationId, i);
    }
    c.socket.destroy();
  });

  it('keeps serving others while a client sends requests but never reads', async () => {
    const greedy = await RawClient.open(broker.port);
    greedy.socket.pause();
    for (let i = 0; i < 2000; i++) greedy.send(ApiKey.Metadata, 12, i, { topics: null });
    await healthy();
    greedy.socket.destroy();
  });
});
