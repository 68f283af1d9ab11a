import assert from 'node:assert/strict';
import { it } from 'node:test';
import { fuzzDecoders } from './fuzz-decoders.ts';

// Fixed seed, bounded time: the same inputs every run, up to the budget. The long run is
// `node scripts/fuzz-protocol.ts --seconds N`.
it('decoders reject malformed input only with typed errors (seed 20261121, 4 s)', () => {
  const stats = fuzzDecoders(20261121, Date.now() + 4000, 150);
  assert.ok(stats.cases > 1000, `only ${stats.cases} cases ran`);
  assert.ok(stats.rejected > 0, 'no input was rejected: the mutations are not reaching the decoders');
});
