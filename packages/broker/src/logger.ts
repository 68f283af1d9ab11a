import { pino, type Logger as PinoLogger } from 'pino';

/** The broker's structured logger (pino): JSON lines on stderr, fields rather than prose. */
export type Logger = Pick<PinoLogger, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'child' | 'level'>;

export function createLogger(level: string = process.env['SAMSA_LOG_LEVEL'] ?? 'info'): Logger {
  return pino({ level, base: { name: 'samsa' } }, pino.destination(2));
}

/** A logger that drops everything, for embedded brokers in tests that do not want output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
