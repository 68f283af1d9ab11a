/**
 * The broker's listeners (Kafka's SocketServer): one TCP server per listener, one
 * Connection per client. `max.connections` caps open connections; beyond it new ones are
 * closed at once. Shutdown stops accepting, lets every connection finish the request it
 * is working on (parked fetches are woken by the abort), then closes them.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from '../logger.ts';
import type { HandlerRegistry } from '../handlers/registry.ts';
import { Connection, type ConnectionOptions } from './connection.ts';

export interface ListenerSpec {
  name: string;
  host: string;
  port: number;
}

export interface BoundListener {
  name: string;
  host: string;
  port: number;
}

export interface SocketServerOptions extends Omit<ConnectionOptions, 'listenerName'> {
  maxConnections: number;
}

export class SocketServer {
  readonly #registry: HandlerRegistry;
  readonly #log: Logger;
  readonly #opts: SocketServerOptions;
  readonly #servers: Array<{ name: string; server: Server }> = [];
  readonly #connections = new Set<Connection>();
  readonly #sockets = new Set<Socket>();

  constructor(registry: HandlerRegistry, log: Logger, opts: SocketServerOptions) {
    this.#registry = registry;
    this.#log = log;
    this.#opts = opts;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  async listen(listeners: readonly ListenerSpec[]): Promise<BoundListener[]> {
    const bound: BoundListener[] = [];
    for (const l of listeners) {
      const server = createServer({ noDelay: true }, (socket) => this.#accept(socket, l.name));
      server.maxConnections = this.#opts.maxConnections;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        // An empty host means every interface, as in Kafka's listener syntax.
        server.listen({ host: l.host === '' ? undefined : l.host, port: l.port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const addr = server.address() as AddressInfo;
      this.#servers.push({ name: l.name, server });
      bound.push({ name: l.name, host: l.host === '' ? addr.address : l.host, port: addr.port });
    }
    return bound;
  }

  #accept(socket: Socket, listenerName: string): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    const conn = new Connection(socket, this.#registry, this.#log, { ...this.#opts, listenerName });
    this.#connections.add(conn);
    socket.once('close', () => this.#connections.delete(conn));
  }

  /** Stops accepting, waits (up to `graceMs`) for in-flight requests, then closes connections. */
  async close(graceMs = 5000): Promise<void> {
    const closing = this.#servers.map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve())));
    const idle = Promise.all([...this.#connections].map((c) => c.drain()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([idle, new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs); })]);
    clearTimeout(timer);
    for (const c of this.#connections) c.close();
    for (const s of this.#sockets) s.destroy();
    await Promise.all(closing);
  }
}
