/**
 * The shared conformance scripts (../shared/conformance/run.sh: kafka-python producer and
 * consumer group, kcat smoke with a balanced consumer group) against a real broker
 * process. They are a floor for every Kafka-compatible broker, so a missing copy is a
 * failure here, not a skip: CI clones the repository next to ../shared.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.ts';
import { run } from '../helpers/run.ts';

const repoRoot = resolve(import.meta.dirname, '../../../..');
const runScript = join(repoRoot, '..', 'shared', 'conformance', 'run.sh');

describe('shared conformance scripts', () => {
  let broker: BrokerProcess | undefined;
  before(async () => {
    assert.ok(existsSync(runScript), `conformance scripts not found at ${runScript} (../shared must sit next to the repository)`);
    broker = await startBrokerProcess();
  });
  after(async () => {
    if (broker !== undefined) assert.equal(await broker.stop(), 0, 'broker exits 0 on SIGTERM');
  });

  it('run.sh BOOTSTRAP 1000 passes every step', { timeout: 240_000 }, async (t) => {
    const started = Date.now();
    // run.sh bounds its own steps (180 + 180 + 300 s at worst); this deadline is for a hang.
    const r = await run(runScript, [broker!.bootstrap, '1000'], { timeoutMs: 230_000 });
    const output = `${r.stdout}\n--- stderr ---\n${r.stderr}\n--- broker ---\n${broker!.stderr().slice(-4000)}`;
    assert.equal(r.timedOut, false, `run.sh timed out:\n${output}`);
    assert.equal(r.code, 0, output);
    assert.match(r.stdout.trimEnd(), /\b0 failed$/, output);
    t.diagnostic(`${r.stdout.trimEnd().split('\n').at(-1)} in ${Date.now() - started} ms`);
  });
});
