import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/storage/clock.ts';
import { OffsetOutOfRangeError } from '../../src/storage/errors.ts';
import { FaultInjectingFs } from '../../src/storage/fault-injecting-fs.ts';
import { LogManager } from '../../src/storage/log-manager.ts';
import { readCheckpoint } from '../../src/storage/checkpoint-file.ts';
import { readAllRecords, textBatch } from './helpers/batches.ts';

async function managerEnv(defaultConfig = {}) {
  const clock = new ManualClock();
  const fs = new FaultInjectingFs(() => clock.now());
  const start = () => LogManager.start({ logDirs: ['/d1', '/d2'], fs, clock, defaultConfig, startBackgroundTasks: false });
  return { clock, fs, start };
}

describe('LogManager', () => {
  it('spreads logs over log.dirs, reloads them after a clean shutdown, and writes Kafka checkpoints', async () => {
    const { fs, start } = await managerEnv();
    let m = await start();
    for (let p = 0; p < 4; p++) {
      const log = await m.getOrCreateLog('orders', p);
      for (let i = 0; i < p + 1; i++) await log.append(textBatch(`o${p}-${i}`));
    }
    assert.equal((await fs.readdir('/d1')).filter((n) => n.startsWith('orders-')).length, 2);
    await m.shutdown();
    assert.notEqual(await fs.stat('/d1/.kafka_cleanshutdown'), null);
    const text = (await fs.readFile('/d1/recovery-point-offset-checkpoint')).toString();
    assert.match(text, /^0\n2\norders \d \d\norders \d \d\n$/);
    m = await LogManager.start({ logDirs: ['/d1', '/d2'], fs, startBackgroundTasks: false });
    assert.equal(await fs.stat('/d1/.kafka_cleanshutdown'), null, 'marker removed at start');
    assert.equal(m.logCount, 4);
    assert.equal(m.getLog('orders', 3)!.logEndOffset, 4);
    await m.shutdown();
  });

  it('recovers after a crash from the checkpointed recovery point', async () => {
    const { fs, start } = await managerEnv({ flushMessages: 1, segmentBytes: 500 });
    const m = await start();
    const log = await m.getOrCreateLog('t', 0);
    for (let i = 0; i < 20; i++) await log.append(textBatch(`c${i}`));
    await m.checkpoint();
    for (let i = 20; i < 25; i++) await log.append(textBatch(`c${i}`));
    fs.crash({ unflushed: 'torn' });
    const again = await start();
    const recovered = again.getLog('t', 0)!;
    assert.equal(recovered.logEndOffset, 25, 'flush.messages=1: every acknowledged batch survives');
    assert.equal((await readAllRecords(recovered)).length, 25);
    await again.shutdown();
  });

  it('retention.ms deletes old segments via .deleted files, removed after file.delete.delay.ms', async () => {
    const { fs, clock, start } = await managerEnv({ segmentBytes: 300, retentionMs: 60_000, fileDeleteDelayMs: 1000 });
    const m = await start();
    const log = await m.getOrCreateLog('r', 0);
    for (let i = 0; i < 10; i++) await log.append(textBatch(`old${i}`, 1, clock.now()));
    clock.advance(120_000);
    for (let i = 0; i < 3; i++) await log.append(textBatch(`new${i}`, 1, clock.now()));
    const reading = log.read(0, { maxBytes: 1 << 20 });
    await m.runRetention();
    assert.ok(log.logStartOffset >= 10 - 2 && log.logStartOffset <= 10, `log start ${log.logStartOffset}`);
    assert.ok((await reading).records.length > 0, 'a read begun before deletion completes');
    const dir = join('/d1', 'r-0');
    assert.ok((await fs.readdir(dir)).some((n) => n.endsWith('.deleted')));
    clock.advance(1000);
    await new Promise((r) => setImmediate(r));
    assert.ok(!(await fs.readdir(dir)).some((n) => n.endsWith('.deleted')));
    await assert.rejects(log.read(0, { maxBytes: 100 }), OffsetOutOfRangeError);
    assert.ok((await readAllRecords(log)).some((r) => r.value === 'new2-0'));
    const starts = await readCheckpoint(fs, '/d1/log-start-offset-checkpoint');
    assert.equal(starts.get('r 0'), log.logStartOffset);
    await m.shutdown();
  });

  it('retention.ms rolls and deletes an expired active segment', async () => {
    const { clock, start } = await managerEnv({ retentionMs: 1000 });
    const m = await start();
    const log = await m.getOrCreateLog('a', 0);
    for (let i = 0; i < 3; i++) await log.append(textBatch(`x${i}`, 1, clock.now()));
    clock.advance(5000);
    await m.runRetention();
    assert.equal(log.logStartOffset, 3);
    assert.equal(log.logEndOffset, 3);
    assert.equal((await log.append(textBatch('y'))).firstOffset, 3);
    await m.shutdown();
  });

  it('retention.bytes keeps the newest segments under the limit', async () => {
    const { clock, start } = await managerEnv({ segmentBytes: 400, retentionBytes: 1000, retentionMs: -1 });
    const m = await start();
    const log = await m.getOrCreateLog('b', 0);
    for (let i = 0; i < 30; i++) await log.append(textBatch(`b${i}`, 1, clock.now()));
    const before = log.size;
    await m.runRetention();
    assert.ok(before > 1000);
    assert.ok(log.size - log.activeSegment.size <= 1000, `${log.size} bytes left`);
    assert.ok(log.logStartOffset > 0);
    await m.shutdown();
  });

  it('DeleteRecords moves the log start offset, checkpointed at once and kept across restart', async () => {
    const { fs, start } = await managerEnv({ segmentBytes: 300 });
    const m = await start();
    const log = await m.getOrCreateLog('dr', 0);
    for (let i = 0; i < 12; i++) await log.append(textBatch(`d${i}`));
    await assert.rejects(m.deleteRecords('dr', 0, 7), OffsetOutOfRangeError, 'not above the high watermark');
    log.updateHighWatermark(log.logEndOffset);
    assert.equal(await m.deleteRecords('dr', 0, 7), 7);
    await assert.rejects(log.read(6, { maxBytes: 100 }), OffsetOutOfRangeError);
    assert.equal((await readAllRecords(log))[0]!.offset <= 7, true);
    await assert.rejects(m.deleteRecords('dr', 0, 13), OffsetOutOfRangeError);
    fs.crash({ unflushed: 'keep' });
    const again = await start();
    assert.equal(again.getLog('dr', 0)!.logStartOffset, 7);
    await again.shutdown();
  });

  it('deletes a log directory with its topic', async () => {
    const { fs, start } = await managerEnv();
    const m = await start();
    await (await m.getOrCreateLog('gone', 0)).append(textBatch('x'));
    await m.deleteLog('gone', 0);
    assert.equal(m.getLog('gone', 0), undefined);
    assert.equal(await fs.stat('/d1/gone-0'), null);
    await m.shutdown();
  });
});
