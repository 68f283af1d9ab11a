/**
 * `--bootstrap-server host:port[,host:port]` and the first contact with it. Before any
 * Kafka client is made, the tool checks that some address accepts a TCP connection,
 * retrying until `--connect-timeout-ms` runs out, so an unreachable broker gives one line
 * naming the addresses tried, for how long, and what the socket said, instead of a
 * client's retry log.
 */
import { connect } from 'node:net';
import { Option, type Command } from 'commander';
import { CliError, usageError } from './cli-error.ts';
import { parseNonNegativeInt } from './arguments.ts';

export const DEFAULT_BOOTSTRAP_SERVER = '127.0.0.1:9092';
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export interface BrokerAddress {
  host: string;
  port: number;
}

export interface ConnectionOptions {
  bootstrapServer: string;
  connectTimeoutMs: number;
}

/** Adds --bootstrap-server and --connect-timeout-ms to a tool. */
export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--bootstrap-server <host:port>', 'the broker(s) to connect to, comma-separated')
      .default(DEFAULT_BOOTSTRAP_SERVER))
    .addOption(new Option('--connect-timeout-ms <ms>', 'how long to keep trying to reach a broker before giving up')
      .default(DEFAULT_CONNECT_TIMEOUT_MS).argParser(parseNonNegativeInt));
}

/** Parses `host:port[,host:port]`; IPv6 hosts in brackets (`[::1]:9092`). */
export function parseBootstrapServers(text: string): BrokerAddress[] {
  const out: BrokerAddress[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(item);
    const host = m?.[1] ?? m?.[2];
    const port = Number(m?.[3]);
    if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw usageError(`--bootstrap-server: "${item}" is not host:port`);
    }
    out.push({ host, port });
  }
  if (out.length === 0) throw usageError('--bootstrap-server: no address given');
  return out;
}

export function formatAddress(a: BrokerAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/**
 * Resolves once one of `addresses` accepts a TCP connection; retries every 200 ms until
 * `timeoutMs` has passed, then throws a CliError naming every address and the last error.
 * Returns the addresses as strings for the client's bootstrapBrokers.
 */
export async function reachBootstrap(options: ConnectionOptions): Promise<string[]> {
  const addresses = parseBootstrapServers(options.bootstrapServer);
  const started = performance.now();
  const deadline = started + options.connectTimeoutMs;
  const lastError = new Map<string, string>();
  for (;;) {
    for (const a of addresses) {
      const remaining = Math.max(1, deadline - performance.now());
      const err = await tryConnect(a, Math.min(remaining, 2000));
      if (err === null) return addresses.map(formatAddress);
      lastError.set(formatAddress(a), err);
    }
    if (performance.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, Math.min(200, Math.max(0, deadline - performance.now()))));
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const tried = [...lastError].map(([a, e]) => `${a} (${e})`).join(', ');
  throw new CliError(`cannot reach a broker: tried ${tried} for ${seconds} s; is the broker running? (--bootstrap-server, --connect-timeout-ms)`);
}

function tryConnect(a: BrokerAddress, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: a.host, port: a.port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(`no answer within ${Math.round(timeoutMs)} ms`);
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(null);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(err.code ?? err.message);
    });
  });
}
