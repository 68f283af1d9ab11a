import { systemClock, type Clock } from './clock.ts';
import { LruPool } from './lru-pool.ts';
import { NodeFs, type StorageFs } from './storage-fs.ts';

/** pino-compatible subset, so the broker can pass its pino logger straight in. */
export interface StorageLogger {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

export const silentLogger: StorageLogger = { info() {}, warn() {}, error() {} };

/** What every log of one LogManager shares: the seams (fs, clock, logger) and the budgets. */
export interface StorageContext {
  fs: StorageFs;
  clock: Clock;
  logger: StorageLogger;
  /** Open descriptors across all segments. */
  fdPool: LruPool;
  /** Bytes of inactive segments' indexes held in memory. */
  indexPool: LruPool;
}

export interface StorageContextOptions {
  fs?: StorageFs;
  clock?: Clock;
  logger?: StorageLogger;
  /** Most descriptors storage keeps open at once (reads and writes in flight may exceed it briefly). */
  maxOpenFiles?: number;
  /** Most bytes of inactive indexes kept in memory. */
  maxIndexMemoryBytes?: number;
}

export function createStorageContext(options: StorageContextOptions = {}): StorageContext {
  return {
    fs: options.fs ?? new NodeFs(),
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silentLogger,
    fdPool: new LruPool(options.maxOpenFiles ?? 1024),
    indexPool: new LruPool(options.maxIndexMemoryBytes ?? 64 * 1024 * 1024),
  };
}
