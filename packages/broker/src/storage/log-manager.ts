import { join, resolve } from 'node:path';
import {
  checkpointKey, readCheckpoint, writeCheckpoint, type CheckpointEntries,
} from './checkpoint-file.ts';
import {
  CLEAN_SHUTDOWN_FILE, CLEANER_OFFSET_CHECKPOINT_FILE, LOG_START_OFFSET_CHECKPOINT_FILE, RECOVERY_POINT_CHECKPOINT_FILE,
  logDirName, parseLogDirName,
} from './log-file-utils.ts';
import { LogCleaner, type LogCleanerOptions } from './log-cleaner.ts';
import { resolveLogConfig, type LogConfig } from './log-config.ts';
import { createStorageContext, type StorageContext, type StorageContextOptions } from './storage-context.ts';
import { UnifiedLog } from './unified-log.ts';

/**
 * Owns every partition log of a broker (Kafka's LogManager): loading at startup,
 * creation, deletion, the retention loop, the recovery-point and log-start-offset
 * checkpoints, producer-id expiry (producer.id.expiration.ms), and the LogCleaner.
 *
 * On disk, per log.dir: one `<topic>-<partition>` directory per log, plus
 * recovery-point-offset-checkpoint, log-start-offset-checkpoint,
 * cleaner-offset-checkpoint and, between a clean shutdown and the next start,
 * `.kafka_cleanshutdown`.
 *
 * Crash behaviour: the marker is written only after every log was flushed and closed and
 * the checkpoints written; startup deletes it (and fsyncs the directory) before anything
 * is appended, so its presence proves the files are exactly as a clean shutdown left them
 * and recovery can be skipped. Without it, each log recovers from its checkpointed
 * recovery point (0 when unknown: a full scan, slow but safe).
 */

export interface LogManagerOptions extends StorageContextOptions, LogCleanerOptions {
  /** log.dirs */
  logDirs: readonly string[];
  /** Broker-wide defaults (log.* keys) over Kafka's. */
  defaultConfig?: Partial<LogConfig>;
  /** Topic-level overrides for logs found at startup. */
  configFor?: (topic: string, partition: number) => Partial<LogConfig>;
  /** log.retention.check.interval.ms */
  retentionCheckIntervalMs?: number;
  /** log.flush.offset.checkpoint.interval.ms (also used for the log start offset checkpoint). */
  checkpointIntervalMs?: number;
  /** producer.id.expiration.ms: a function so a dynamic change applies at the next check. */
  producerIdExpirationMs?: number | (() => number);
  /** producer.id.expiration.check.interval.ms */
  producerIdExpirationCheckIntervalMs?: number;
  /** Logs loaded in parallel at startup (num.recovery.threads.per.data.dir, roughly). */
  loadConcurrency?: number;
  /** Start the retention, checkpoint and cleaner loops (tests drive them by hand instead). */
  startBackgroundTasks?: boolean;
}

export class LogManager {
  readonly ctx: StorageContext;
  readonly cleaner: LogCleaner;
  #logDirs: readonly string[];
  #defaults: Partial<LogConfig>;
  #logs = new Map<string, UnifiedLog>();
  #creating = new Map<string, Promise<UnifiedLog>>();
  #retentionIntervalMs: number;
  #checkpointIntervalMs: number;
  #producerIdExpirationMs: () => number;
  #producerIdExpirationCheckIntervalMs: number;
  #cancelTimers: Array<() => void> = [];
  #stopped = false;
  #retentionRunning: Promise<void> | null = null;

  private constructor(ctx: StorageContext, options: LogManagerOptions) {
    this.ctx = ctx;
    this.#logDirs = options.logDirs;
    this.#defaults = options.defaultConfig ?? {};
    this.#retentionIntervalMs = options.retentionCheckIntervalMs ?? 300_000;
    this.#checkpointIntervalMs = options.checkpointIntervalMs ?? 60_000;
    const expiration = options.producerIdExpirationMs ?? 86_400_000;
    this.#producerIdExpirationMs = typeof expiration === 'function' ? expiration : () => expiration;
    this.#producerIdExpirationCheckIntervalMs = options.producerIdExpirationCheckIntervalMs ?? 600_000;
    this.cleaner = new LogCleaner(ctx, this, options);
  }

  static async start(options: LogManagerOptions): Promise<LogManager> {
    if (options.logDirs.length === 0) throw new RangeError('log.dirs is empty');
    const ctx = createStorageContext(options);
    const manager = new LogManager(ctx, options);
    await manager.#loadLogs(options);
    if (options.startBackgroundTasks ?? true) manager.startBackgroundTasks();
    return manager;
  }

  async #loadLogs(options: LogManagerOptions): Promise<void> {
    const fs = this.ctx.fs;
    for (const dir of this.#logDirs) {
      await fs.mkdir(dir);
      const marker = join(dir, CLEAN_SHUTDOWN_FILE);
      const hadCleanShutdown = (await fs.stat(marker)) !== null;
      const recoveryPoints = await this.#readCheckpointSafely(join(dir, RECOVERY_POINT_CHECKPOINT_FILE));
      const logStarts = await this.#readCheckpointSafely(join(dir, LOG_START_OFFSET_CHECKPOINT_FILE));
      const jobs: Array<() => Promise<void>> = [];
      for (const name of await fs.readdir(dir)) {
        const tp = parseLogDirName(name);
        if (tp === null || !(await fs.stat(join(dir, name)))?.isDirectory) continue;
        const key = checkpointKey(tp.topic, tp.partition);
        jobs.push(async () => {
          const config = resolveLogConfig({ ...this.#defaults, ...options.configFor?.(tp.topic, tp.partition) });
          const log = await UnifiedLog.load(this.ctx, join(dir, name), tp.topic, tp.partition, config, {
            recoveryPoint: recoveryPoints.get(key) ?? 0,
            logStartOffset: logStarts.get(key) ?? 0,
            hadCleanShutdown: hadCleanShutdown && recoveryPoints.has(key),
          });
          this.#logs.set(this.#key(tp.topic, tp.partition), log);
        });
      }
      await runLimited(jobs, options.loadConcurrency ?? 16);
      if (hadCleanShutdown) {
        await fs.unlink(marker);
        await fs.syncDir(dir);
      }
      this.ctx.logger.info({ dir, logs: jobs.length, hadCleanShutdown }, 'loaded logs');
    }
  }

  async #readCheckpointSafely(path: string): Promise<CheckpointEntries> {
    try {
      return await readCheckpoint(this.ctx.fs, path);
    } catch (err) {
      // A damaged checkpoint only costs a longer recovery: every log then recovers from 0.
      this.ctx.logger.warn({ path, err: String(err) }, 'ignoring unreadable checkpoint');
      return new Map();
    }
  }

  #dirCounts: Map<string, number> | null = null;

  /** Logs per log.dir, counted once and then kept up to date (10,000 creations stay linear). */
  #logsPerDir(): Map<string, number> {
    if (this.#dirCounts === null) {
      this.#dirCounts = new Map(this.#logDirs.map((d) => [resolve(d), 0]));
      for (const log of this.#logs.values()) {
        const parent = resolve(log.dir, '..');
        this.#dirCounts.set(parent, (this.#dirCounts.get(parent) ?? 0) + 1);
      }
    }
    return this.#dirCounts;
  }

  #key(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`;
  }

  startBackgroundTasks(): void {
    const loop = (ms: number, task: () => Promise<unknown>) => {
      const tick = () => {
        if (this.#stopped) return;
        task().catch((err: unknown) => this.ctx.logger.error({ err: String(err) }, 'storage background task failed'))
          .finally(() => {
            if (!this.#stopped) this.#cancelTimers.push(this.ctx.clock.schedule(ms, tick));
          });
      };
      this.#cancelTimers.push(this.ctx.clock.schedule(ms, tick));
    };
    loop(this.#retentionIntervalMs, () => this.runRetention());
    loop(this.#checkpointIntervalMs, () => this.checkpoint());
    loop(this.#producerIdExpirationCheckIntervalMs, () => this.removeExpiredProducers());
    this.cleaner.start();
  }

  getLog(topic: string, partition: number): UnifiedLog | undefined {
    return this.#logs.get(this.#key(topic, partition));
  }

  allLogs(): IterableIterator<UnifiedLog> {
    return this.#logs.values();
  }

  get logCount(): number {
    return this.#logs.size;
  }

  /** The log for a partition, created (in the log.dir holding fewest logs) when absent. */
  async getOrCreateLog(topic: string, partition: number, config: Partial<LogConfig> = {}): Promise<UnifiedLog> {
    const key = this.#key(topic, partition);
    const existing = this.#logs.get(key);
    if (existing !== undefined) return existing;
    let creating = this.#creating.get(key);
    if (creating === undefined) {
      creating = (async () => {
        if (/[\s/\\]/.test(topic) || topic === '' || topic === '.' || topic === '..') {
          throw new RangeError(`topic name ${JSON.stringify(topic)} cannot name a log directory`);
        }
        const counts = this.#logsPerDir();
        const dir = [...counts.keys()].sort((a, b) => (counts.get(a) ?? 0) - (counts.get(b) ?? 0))[0]!;
        const log = await UnifiedLog.load(this.ctx, join(dir, logDirName(topic, partition)), topic, partition,
          resolveLogConfig({ ...this.#defaults, ...config }), { recoveryPoint: 0, logStartOffset: 0, hadCleanShutdown: true });
        this.#logs.set(key, log);
        counts.set(dir, (counts.get(dir) ?? 0) + 1);
        return log;
      })().finally(() => this.#creating.delete(key));
      this.#creating.set(key, creating);
    }
    return creating;
  }

  /** Applies topic config changes (AlterConfigs) to a log. */
  updateConfig(topic: string, partition: number, config: Partial<LogConfig>): void {
    this.getLog(topic, partition)?.updateConfig(resolveLogConfig({ ...this.#defaults, ...config }));
  }

  async deleteLog(topic: string, partition: number): Promise<void> {
    const key = this.#key(topic, partition);
    const log = this.#logs.get(key);
    if (log === undefined) return;
    this.#logs.delete(key);
    this.#dirCounts = null;
    await log.delete();
  }

  /** DeleteRecords: moves the log start offset and checkpoints it at once. */
  async deleteRecords(topic: string, partition: number, offset: number): Promise<number> {
    const log = this.getLog(topic, partition);
    if (log === undefined) throw new RangeError(`no log for ${topic}-${partition}`);
    const low = await log.deleteRecordsTo(offset);
    await this.checkpoint();
    return low;
  }

  /** One retention pass over every log (log.retention.check.interval.ms runs this). */
  runRetention(): Promise<void> {
    if (this.#retentionRunning !== null) return this.#retentionRunning;
    this.#retentionRunning = (async () => {
      let deleted = 0;
      for (const log of [...this.#logs.values()]) {
        try {
          deleted += await log.deleteOldSegments();
        } catch (err) {
          this.ctx.logger.error({ log: log.dir, err: String(err) }, 'retention failed for a log');
        }
      }
      if (deleted > 0) await this.checkpoint();
    })().finally(() => {
      this.#retentionRunning = null;
    });
    return this.#retentionRunning;
  }

  /** Forgets producers idle for producer.id.expiration.ms in every log; returns how many. */
  async removeExpiredProducers(): Promise<number> {
    const expirationMs = this.#producerIdExpirationMs();
    let removed = 0;
    for (const log of [...this.#logs.values()]) removed += await log.removeExpiredProducers(expirationMs);
    if (removed > 0) this.ctx.logger.info({ removed, expirationMs }, 'expired idle producer ids');
    return removed;
  }

  /** Writes recovery points and log start offsets of every log.dir. */
  async checkpoint(): Promise<void> {
    for (const dir of this.#logDirs) {
      const recovery: CheckpointEntries = new Map();
      const starts: CheckpointEntries = new Map();
      for (const log of this.#logs.values()) {
        if (resolve(log.dir, '..') !== resolve(dir)) continue;
        const key = checkpointKey(log.topic, log.partition);
        recovery.set(key, log.recoveryPoint);
        starts.set(key, log.logStartOffset);
      }
      await writeCheckpoint(this.ctx.fs, join(dir, RECOVERY_POINT_CHECKPOINT_FILE), recovery);
      await writeCheckpoint(this.ctx.fs, join(dir, LOG_START_OFFSET_CHECKPOINT_FILE), starts);
    }
  }

  /** Path of the cleaner checkpoint for the log.dir holding `log`. */
  cleanerCheckpointPath(log: UnifiedLog): string {
    return join(log.dir, '..', CLEANER_OFFSET_CHECKPOINT_FILE);
  }

  /** Flushes and closes every log, writes checkpoints, then the clean-shutdown marker. */
  async shutdown(): Promise<void> {
    this.#stopped = true;
    for (const cancel of this.#cancelTimers) cancel();
    await this.cleaner.stop();
    await this.#retentionRunning;
    let clean = true;
    await runLimited([...this.#logs.values()].map((log) => async () => {
      try {
        await log.close();
      } catch (err) {
        clean = false;
        this.ctx.logger.error({ log: log.dir, err: String(err) }, 'log did not close cleanly');
      }
      if (log.isOffline) clean = false;
    }), 32);
    await this.checkpoint();
    if (!clean) return;
    for (const dir of this.#logDirs) {
      const h = await this.ctx.fs.open(join(dir, CLEAN_SHUTDOWN_FILE), 'create').catch(async (err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        return this.ctx.fs.open(join(dir, CLEAN_SHUTDOWN_FILE), 'write');
      });
      await h.datasync();
      await h.close();
      await this.ctx.fs.syncDir(dir);
    }
  }
}

async function runLimited(jobs: ReadonlyArray<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
}
