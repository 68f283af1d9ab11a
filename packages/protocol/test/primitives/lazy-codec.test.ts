/**
 * The codecs the package exports are lazy (src/primitives/lazy-codec.ts): importing the
 * package loads no message module, the first use loads exactly that message's module, and
 * a lazy codec then behaves as, and is described by the same facts as, the module's own.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import * as generated from '../../src/generated/codecs.ts';
import { HeartbeatRequest, ProtocolError, Reader, Writer, apis } from '../../src/index.ts';
import { lazyCodec, siblingLoader } from '../../src/primitives/lazy-codec.ts';
import type { MessageCodec } from '../../src/primitives/message-support.ts';

const generatedDir = new URL('../../src/generated/', import.meta.url);
const indexUrl = new URL('../../src/index.ts', import.meta.url).href;
const require = createRequire(import.meta.url);
const lazy = generated as unknown as Record<string, MessageCodec<unknown>>;
const FACTS = ['name', 'schema', 'type', 'apiKey', 'minVersion', 'maxVersion', 'flexibleMinVersion'] as const;

/** The generated modules a fresh process has loaded after running `script` (an ES module body). */
function modulesLoadedBy(script: string): string[] {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
    import { registerHooks } from 'node:module';
    const seen = [];
    registerHooks({ load(url, context, next) { seen.push(url); return next(url, context); } });
    const p = await import(${JSON.stringify(indexUrl)});
    ${script}
    process.stdout.write(JSON.stringify(seen.filter((u) => u.startsWith(${JSON.stringify(generatedDir.href)})).map((u) => u.slice(${generatedDir.href.length}))));
  `], { encoding: 'utf8' });
  return (JSON.parse(out) as string[]).sort();
}

describe('lazy codecs', () => {
  it('importing @samsa/protocol loads no message module', () => {
    assert.deepEqual(modulesLoadedBy(''), ['api-keys.ts', 'codecs.ts', 'error-codes.ts', 'index.ts']);
  });

  it('the first use of a codec loads its module and no other', () => {
    assert.deepEqual(modulesLoadedBy('p.HeartbeatRequest.defaults(); p.apis.get(18).request.name;'),
      ['api-keys.ts', 'codecs.ts', 'error-codes.ts', 'heartbeat-request.ts', 'index.ts']);
  });

  it('every message module has a lazy codec with the same facts, and the same functions once used', () => {
    const tables = new Set(['api-keys.ts', 'codecs.ts', 'error-codes.ts', 'index.ts']);
    const modules = readdirSync(generatedDir).filter((f) => f.endsWith('.ts') && !tables.has(f));
    let count = 0;
    for (const file of modules) {
      const ns = require(new URL(file, generatedDir).pathname) as Record<string, unknown>;
      for (const real of Object.values(ns) as MessageCodec<unknown>[]) {
        if (typeof real !== 'object' || real === null || typeof real.read !== 'function') continue;
        const codec = lazy[real.name];
        assert.ok(codec, `no lazy codec for ${real.name} (${file})`);
        assert.notEqual(codec, real);
        for (const k of FACTS) assert.equal(codec[k], real[k], `${real.name}.${k}`);
        codec.defaults();
        assert.equal(codec.read, real.read, `${real.name}.read after first use`);
        assert.equal(codec.write, real.write, `${real.name}.write after first use`);
        count++;
      }
    }
    assert.equal(count, Object.keys(lazy).length, 'a lazy codec without a module');
    assert.equal(count, 162);
  });

  it('errors from a lazily loaded module are the package\'s ProtocolError', () => {
    const w = new Writer();
    HeartbeatRequest.write(w, 4, { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null });
    assert.deepEqual(HeartbeatRequest.read(new Reader(w.toBuffer()), 4),
      { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null });
    assert.throws(() => apis.get(12)!.request.read(new Reader(Buffer.alloc(2)), 4), ProtocolError);
  });

  it('a load that fails is reported on use and retried on the next', () => {
    let calls = 0;
    const codec = lazyCodec({ name: 'X', schema: 'X.json', type: 'data', apiKey: null, minVersion: 0, maxVersion: 0, flexibleMinVersion: null }, () => {
      calls++;
      if (calls === 1) throw new Error('boom');
      return { ...HeartbeatRequest, name: 'X' };
    });
    assert.throws(() => codec.defaults(), /boom/);
    assert.equal(codec.defaults().groupId, '');
    assert.equal(calls, 2);
  });

  it('loads sibling modules with the extension of the module asking (.ts sources, .js builds)', () => {
    const asked: string[] = [];
    const fake = (id: string): unknown => { asked.push(id); return { A: 1 }; };
    assert.equal(siblingLoader(fake, 'file:///p/generated/codecs.ts')('a-b', 'A'), 1);
    assert.equal(siblingLoader(fake, 'file:///p/generated/codecs.js')('a-b', 'A'), 1);
    assert.deepEqual(asked, ['./a-b.ts', './a-b.js']);
  });
});
