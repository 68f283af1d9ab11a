/**
 * `samsa broker`: runs one broker in the foreground. Configuration comes from a
 * server.properties file (--config), SAMSA_* environment variables and --override
 * key=value flags, in that order of precedence. SIGTERM and SIGINT shut it down cleanly.
 */
import { Command } from 'commander';
import { Broker, createLogger } from '@samsa/broker';
import { ConfigError, loadBrokerConfig } from '@samsa/broker';

export function brokerCommand(): Command {
  return new Command('broker')
    .description('start a broker (data on local disk, no other process needed)')
    .option('--config <file>', 'a server.properties file with Kafka\'s config keys')
    .option('--override <key=value>', 'set a config key (repeatable); wins over the file and the environment',
      (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action(async (opts: { config?: string; override: string[] }) => {
      const overrides: Array<[string, string]> = [];
      for (const o of opts.override) {
        const eq = o.indexOf('=');
        if (eq <= 0) {
          process.stderr.write(`samsa broker: --override needs key=value, got "${o}"\n`);
          process.exitCode = 2;
          return;
        }
        overrides.push([o.slice(0, eq), o.slice(eq + 1)]);
      }
      let config;
      try {
        config = loadBrokerConfig({ ...(opts.config === undefined ? {} : { file: opts.config }), overrides, env: process.env });
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(`samsa broker: ${err.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw err;
      }
      const log = createLogger();
      const broker = await Broker.start(config, log);
      const where = broker.listeners.map((l) => `${l.listener}://${l.host}:${l.port}`).join(', ');
      process.stdout.write(`Samsa broker listening on ${where}; data in ${config.get('log.dirs').join(', ')}\n`);
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'stopping');
        broker.close().then(() => process.exit(0), (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        });
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}
