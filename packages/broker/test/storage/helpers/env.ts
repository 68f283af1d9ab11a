import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../src/storage/clock.ts';
import { FaultInjectingFs } from '../../../src/storage/fault-injecting-fs.ts';
import { resolveLogConfig, type LogConfig } from '../../../src/storage/log-config.ts';
import { createStorageContext, type StorageContext } from '../../../src/storage/storage-context.ts';
import { NodeFs, type StorageFs } from '../../../src/storage/storage-fs.ts';
import { UnifiedLog, type LoadLogOptions } from '../../../src/storage/unified-log.ts';

/** A place to put logs: a real temp directory, or the in-memory fault-injecting fs. */
export interface StorageEnv {
  name: string;
  fs: StorageFs;
  clock: ManualClock;
  root: string;
  ctx: StorageContext;
  openLog(overrides?: Partial<LogConfig>, load?: Partial<LoadLogOptions>, name?: string): Promise<UnifiedLog>;
  cleanup(): Promise<void>;
}

export type EnvFactory = () => Promise<StorageEnv>;

function envWith(name: string, fs: StorageFs, root: string, clock: ManualClock, cleanup: () => Promise<void>): StorageEnv {
  const ctx = createStorageContext({ fs, clock });
  return {
    name, fs, clock, root, ctx, cleanup,
    openLog(overrides = {}, load = {}, logName = 'topic-0') {
      return UnifiedLog.load(ctx, join(root, logName), 'topic', 0, resolveLogConfig(overrides), {
        recoveryPoint: 0, logStartOffset: 0, hadCleanShutdown: false, ...load,
      });
    },
  };
}

export const memoryEnv: EnvFactory = async () => {
  const clock = new ManualClock();
  const fs = new FaultInjectingFs(() => clock.now());
  await fs.mkdir('/data');
  return envWith('memory', fs, '/data', clock, async () => {});
};

export const diskEnv: EnvFactory = async () => {
  const root = await mkdtemp(join(tmpdir(), 'samsa-storage-'));
  return envWith('disk', new NodeFs(), root, new ManualClock(), () => rm(root, { recursive: true, force: true }));
};

/** A test body run in a fresh env from `makeEnv`, cleaned up afterwards whatever happens. */
export function inEnv(makeEnv: EnvFactory) {
  return (fn: (env: StorageEnv) => Promise<void>) => async (): Promise<void> => {
    const env = await makeEnv();
    try {
      await fn(env);
    } finally {
      await env.cleanup();
    }
  };
}
