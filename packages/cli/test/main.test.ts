import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertFailure, assertSuccess } from './helpers/assertions.ts';
import { samsa } from './helpers/run-samsa.ts';

const TOOLS = ['broker', 'topics', 'configs', 'console-producer', 'console-consumer', 'consumer-groups', 'producer-perf-test',
  'consumer-perf-test', 'dump-log'];

describe('samsa', () => {
  it('lists every tool, and every tool has --help', async () => {
    const [top, ...each] = await Promise.all([samsa(['--help']), ...TOOLS.map((t) => samsa([t, '--help']))]);
    assertSuccess(top!);
    for (const t of TOOLS) assert.match(top!.stdout, new RegExp(`^  ${t} `, 'm'), t);
    each.forEach((r, i) => {
      assertSuccess(r);
      assert.match(r.stdout, new RegExp(`^Usage: samsa ${TOOLS[i]} `), TOOLS[i]);
      if (TOOLS[i] !== 'broker' && TOOLS[i] !== 'dump-log') assert.match(r.stdout, /--bootstrap-server <host:port>/, TOOLS[i]);
    });
  });

  it('refuses an unknown tool, a malformed --bootstrap-server and bad broker flags with exit code 2', async () => {
    const [unknown, badServer, brokerFlag, brokerKey] = await Promise.all([
      samsa(['topic', '--list']),
      samsa(['topics', '--list', '--bootstrap-server', 'localhost']),
      samsa(['broker', '--overide', 'num.partitions=3']),
      samsa(['broker', '--override', 'num.partitions=many']),
    ]);
    assertFailure(brokerFlag, 'broker', 2, /unknown option '--overide'/);
    assert.equal(brokerKey.code, 2);
    assert.match(brokerKey.stderr, /^samsa broker: .*num\.partitions/);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^samsa: unknown command 'topic' \(Did you mean topics\?\)\n$/);
    assertFailure(badServer, 'topics', 2, /--bootstrap-server: "localhost" is not host:port/);
  });
});
