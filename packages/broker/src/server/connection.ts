/**
 * One client connection. Requests on a connection are answered in the order they were
 * sent: like Kafka, the broker works on one request per connection at a time and queues
 * pipelined ones behind it (kafka-python sends ApiVersions and Metadata back to back).
 *
 * Memory stays bounded: a frame larger than socket.request.max.bytes closes the
 * connection as soon as its size prefix arrives; reading pauses while more than
 * `maxQueuedRequestBytes` of requests wait, and while more than `maxQueuedResponseBytes`
 * of answers sit unsent in the socket (a client that sends but never reads).
 */
import type { Socket } from 'node:net';
import {
  ApiKey, ErrorCode, FrameReader, ProtocolError, SamsaError, apiSpec, encodeResponse, frame, readRequestHeader,
  readRequestPreamble, type Input,
} from '@samsa/protocol';
import type { Logger } from '../logger.ts';
import type { HandlerRegistry } from '../handlers/registry.ts';
import type { RequestContext } from './request-context.ts';

/**
 * What a connection's signal is aborted with. One shared object: abort() without a reason
 * builds a DOMException, stack trace and all, for every connection that closes; when
 * 10,000 close together (test/server/idle-connections.test.ts) that was 60-230 ms of the
 * event loop here, against 15-40 ms with a shared reason. Nothing reads the reason.
 */
const CONNECTION_CLOSED = new Error('connection closed');

export interface ConnectionOptions {
  maxFrameSize: number;
  maxQueuedRequestBytes: number;
  maxQueuedResponseBytes: number;
  idleTimeoutMs: number;
  listenerName: string;
}

export class Connection {
  readonly socket: Socket;
  readonly clientAddress: string;
  readonly #registry: HandlerRegistry;
  readonly #log: Logger;
  readonly #opts: ConnectionOptions;
  readonly #frames: FrameReader;
  readonly #abort = new AbortController();
  #queue: Buffer[] = [];
  #queuedBytes = 0;
  #busy = false;
  #paused = false;
  #closed = false;
  #clientSoftware: { name: string; version: string } | null = null;
  /** Settles when the request being worked on (if any) has been answered. */
  #idle: Promise<void> = Promise.resolve();
  #markIdle: () => void = () => {};

  constructor(socket: Socket, registry: HandlerRegistry, log: Logger, opts: ConnectionOptions) {
    this.socket = socket;
    this.#registry = registry;
    this.#opts = opts;
    this.clientAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    this.#log = log.child({ client: this.clientAddress, listener: opts.listenerName });
    this.#frames = new FrameReader(opts.maxFrameSize);
    socket.setNoDelay(true);
    socket.setTimeout(opts.idleTimeoutMs, () => {
      this.#log.debug('closing idle connection');
      this.close();
    });
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => this.#maybeResume());
    socket.on('error', (err) => this.#log.debug({ err }, 'socket error'));
    socket.on('close', () => this.#onClose());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Graceful shutdown, first half: read no more requests, wake a parked request (a
   * long-poll Fetch answers with what it has), and resolve once the request in progress
   * has been answered. Queued requests not yet started are dropped with the connection.
   */
  drain(): Promise<void> {
    this.socket.pause();
    this.#paused = true;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#abort.abort(CONNECTION_CLOSED);
    return this.#idle;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort(CONNECTION_CLOSED);
    this.socket.end();
    this.socket.destroySoon();
  }

  #onClose(): void {
    this.#closed = true;
    this.#abort.abort(CONNECTION_CLOSED);
    this.#queue = [];
    this.#queuedBytes = 0;
  }

  #onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.#frames.push(chunk);
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'closing connection: bad frame');
      this.socket.destroy();
      return;
    }
    for (const f of frames) {
      this.#queue.push(f);
      this.#queuedBytes += f.length;
    }
    if (this.#queuedBytes + this.#frames.bufferedBytes > this.#opts.maxQueuedRequestBytes) this.#pause();
    void this.#pump();
  }

  #pause(): void {
    if (!this.#paused) {
      this.#paused = true;
      this.socket.pause();
    }
  }

  #maybeResume(): void {
    if (this.#paused && !this.#closed && !this.#abort.signal.aborted && this.#queuedBytes <= this.#opts.maxQueuedRequestBytes &&
      this.socket.writableLength <= this.#opts.maxQueuedResponseBytes) {
      this.#paused = false;
      this.socket.resume();
    }
  }

  async #pump(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    this.#idle = new Promise((resolve) => { this.#markIdle = resolve; });
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const f = this.#queue.shift()!;
        this.#queuedBytes -= f.length;
        await this.#process(f);
        if (this.socket.writableLength > this.#opts.maxQueuedResponseBytes) this.#pause();
      }
    } finally {
      this.#busy = false;
      this.#markIdle();
      this.#maybeResume();
    }
  }

  async #process(f: Buffer): Promise<void> {
    let preamble;
    try {
      preamble = readRequestPreamble(f);
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'closing connection: unreadable request header');
      this.socket.destroy();
      return;
    }
    const { apiKey, apiVersion, correlationId } = preamble;
    const handler = this.#registry.get(apiKey);
    if (apiKey === ApiKey.ApiVersions && (handler === undefined || apiVersion > handler.maxVersion)) {
      // KIP-511: an ApiVersions version we do not know is answered in the v0 layout with
      // UNSUPPORTED_VERSION and our range, so the client can retry with one we support.
      this.#log.info({ apiKey, apiVersion }, 'ApiVersions version not supported; answering with our range');
      this.#send(apiKey, 0, correlationId, {
        errorCode: ErrorCode.UNSUPPORTED_VERSION,
        apiKeys: this.#registry.apiVersionsEntries().filter((e) => e.apiKey === ApiKey.ApiVersions),
      });
      return;
    }
    if (handler === undefined || apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      const name = apiSpec(apiKey)?.name ?? 'unknown';
      this.#log.warn({ apiKey, api: name, apiVersion, clientIdHint: clientIdOf(f) }, handler === undefined
        ? 'closing connection: API not supported'
        : `closing connection: ${name} v${apiVersion} not supported (serving ${handler.minVersion}-${handler.maxVersion})`);
      this.socket.destroy();
      return;
    }
    let request: unknown;
    let ctx: RequestContext;
    try {
      const { header, body } = readRequestHeader(f);
      request = handler.request.read(body, apiVersion);
      ctx = {
        header, apiVersion, clientId: header.clientId ?? '', clientAddress: this.clientAddress,
        listenerName: this.#opts.listenerName, clientSoftware: this.#clientSoftware, signal: this.#abort.signal,
      };
    } catch (err) {
      if (!(err instanceof SamsaError)) throw err;
      this.#log.warn({ apiKey, apiVersion, err: err.message }, 'closing connection: malformed request');
      this.socket.destroy();
      return;
    }
    if (apiKey === ApiKey.ApiVersions && apiVersion >= 3) {
      const r = request as { clientSoftwareName: string; clientSoftwareVersion: string };
      this.#clientSoftware = { name: r.clientSoftwareName, version: r.clientSoftwareVersion };
    }
    let response: Input<unknown> | null;
    try {
      response = await handler.handle(request, ctx);
    } catch (err) {
      this.#log.error({ err, apiKey, apiVersion, clientId: ctx.clientId }, 'closing connection: handler failed');
      this.socket.destroy();
      return;
    }
    if (response !== null && !this.#closed) this.#send(apiKey, apiVersion, correlationId, response);
  }

  #send(apiKey: number, apiVersion: number, correlationId: number, body: Input<unknown>): void {
    let chunks: Buffer[];
    try {
      chunks = frame(encodeResponse(apiKey, apiVersion, correlationId, body));
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.#log.error({ err: err.message, apiKey, apiVersion }, 'closing connection: response not encodable in this version');
      this.socket.destroy();
      return;
    }
    this.socket.cork();
    for (const c of chunks) this.socket.write(c);
    this.socket.uncork();
  }
}

/** The client id of a request whose version we cannot decode, for the log line. */
function clientIdOf(f: Buffer): string | null {
  if (f.length < 10) return null;
  const n = f.readInt16BE(8);
  return n >= 0 && f.length >= 10 + n ? f.toString('utf8', 10, 10 + n) : null;
}
