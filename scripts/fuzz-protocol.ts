/**
 * Long protocol fuzz run: `node scripts/fuzz-protocol.ts [--seconds N] [--seed S]`.
 * Stops by itself after N seconds (default 60). Exit 1 with the reproducing input on failure.
 */
import { parseArgs } from 'node:util';
import { fuzzDecoders } from '../packages/protocol/test/fuzz/fuzz-decoders.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, seed: { type: 'string' } } });
const seconds = Number(values.seconds);
const seed = values.seed === undefined ? (Date.now() % 0x7fffffff) : Number(values.seed);
const start = Date.now();
try {
  const stats = fuzzDecoders(seed, start + seconds * 1000);
  process.stdout.write(`fuzz-protocol: seed ${seed}, ${stats.cases} cases in ${((Date.now() - start) / 1000).toFixed(1)} s: ` +
    `${stats.rejected} rejected with typed errors, ${stats.accepted} decoded, 0 failures\n`);
} catch (e) {
  process.stderr.write(`fuzz-protocol: seed ${seed}: ${(e as Error).stack}\n`);
  process.exitCode = 1;
}
