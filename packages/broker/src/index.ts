/**
 * @samsa/broker: run a Kafka-compatible broker, standalone or inside your own process
 * (for tests: real sockets, real files, port 0 allowed).
 */
import { Broker, type BrokerAddress } from './broker.ts';
import { loadBrokerConfig } from './config/index.ts';
import { silentLogger, type Logger } from './logger.ts';

export { Broker } from './broker.ts';
export type { BrokerAddress } from './broker.ts';
export { createLogger, silentLogger } from './logger.ts';
export { ConfigError, loadBrokerConfig } from './config/index.ts';
export type { BrokerConfig } from './config/index.ts';
export type { Logger } from './logger.ts';

export interface StartBrokerOptions {
  /** Config keys and values, Kafka's names (`num.partitions`, `log.dirs`, ...). */
  config?: Record<string, string | number | boolean>;
  /** A server.properties file read before `config`. */
  configFile?: string;
  /** Where data goes; shorthand for config `log.dirs`. */
  logDir?: string;
  /** Listener port (0: any free port); shorthand for `listeners=PLAINTEXT://127.0.0.1:<port>`. */
  port?: number;
  /** Defaults to a silent logger, so tests stay quiet; pass createLogger() to see logs. */
  logger?: Logger;
}

export interface RunningBroker {
  readonly broker: Broker;
  readonly host: string;
  readonly port: number;
  /** "host:port", ready for a client's bootstrap servers. */
  readonly bootstrap: string;
  readonly listeners: BrokerAddress[];
  close(): Promise<void>;
}

/** Starts a broker in this process and resolves once it accepts connections. */
export async function startBroker(options: StartBrokerOptions = {}): Promise<RunningBroker> {
  const overrides: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.config ?? {})) overrides[k] = String(v);
  if (options.logDir !== undefined) overrides['log.dirs'] = options.logDir;
  if (options.port !== undefined) overrides['listeners'] = `PLAINTEXT://127.0.0.1:${options.port}`;
  const config = loadBrokerConfig({ ...(options.configFile === undefined ? {} : { file: options.configFile }), overrides, env: {} });
  const broker = await Broker.start(config, options.logger ?? silentLogger());
  const first = broker.listeners[0]!;
  return {
    broker,
    host: first.host,
    port: first.port,
    bootstrap: `${first.host}:${first.port}`,
    listeners: broker.listeners,
    close: () => broker.close(),
  };
}
