import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/storage/clock.ts';
import { FaultInjectingFs } from '../../src/storage/fault-injecting-fs.ts';
import { LogManager } from '../../src/storage/log-manager.ts';
import { textBatch } from './helpers/batches.ts';

describe('scale: many partitions within bounded descriptors and index memory', () => {
  it('10,000 partitions with at most maxOpenFiles descriptors open', { timeout: 60_000 }, async () => {
    const clock = new ManualClock();
    const fs = new FaultInjectingFs(() => clock.now());
    const maxOpenFiles = 64;
    const options = {
      logDirs: ['/data'], fs, clock, startBackgroundTasks: false, maxOpenFiles, maxIndexMemoryBytes: 64 * 1024,
      defaultConfig: { segmentBytes: 600, indexIntervalBytes: 64 },
    };
    let m = await LogManager.start(options);
    const partitions = 10_000;
    for (let p = 0; p < partitions; p++) {
      const log = await m.getOrCreateLog('wide', p);
      await log.append(textBatch(`p${p}`, 2));
    }
    // A second pass rolls some segments and reads old ones, to exercise lazy index loads.
    for (let p = 0; p < partitions; p += 10) {
      const log = m.getLog('wide', p)!;
      for (let i = 0; i < 6; i++) await log.append(textBatch(`q${p}-${i}`, 2));
      const r = await log.read(0, { maxBytes: 100 });
      assert.ok(r.records.length > 0);
    }
    assert.ok(fs.maxOpenHandles <= maxOpenFiles + 8, `peak ${fs.maxOpenHandles} descriptors`);
    assert.ok(m.ctx.indexPool.total <= 64 * 1024, `${m.ctx.indexPool.total} bytes of inactive indexes resident`);
    await m.shutdown();
    m = await LogManager.start(options);
    assert.equal(m.logCount, partitions);
    assert.equal(m.getLog('wide', 9990)!.logEndOffset, 14);
    assert.ok(fs.openHandles <= maxOpenFiles, `${fs.openHandles} descriptors open after loading ${partitions} logs`);
    await m.shutdown();
  });
});
