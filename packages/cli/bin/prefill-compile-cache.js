#!/usr/bin/env node
/**
 * Fills the `samsa` command's compile cache (compile-cache.js) the way a first run would,
 * so that the first `samsa broker` after `npm install` / `npm ci` (this is the workspace's
 * `prepare` script) starts as fast as every later one: Node strips the types of the
 * TypeScript modules a broker and the tools load, and of every generated codec module
 * (loaded by a broker at a client's first request of that API), and V8 compiles them.
 * Nothing runs. It never fails the install: a problem is reported and skipped.
 */
import { readdirSync } from 'node:fs';
import { flushCompileCache, getCompileCacheDir } from 'node:module';
import { enableSamsaCompileCache } from './compile-cache.js';

enableSamsaCompileCache();
const started = performance.now();
try {
  const dir = getCompileCacheDir?.();
  if (dir === undefined) {
    process.stdout.write('samsa: no compile cache in this Node.js; nothing to prefill\n');
  } else {
    const src = new URL('../src/', import.meta.url);
    const commands = readdirSync(src).filter((f) => f.endsWith('-command.ts')).map((f) => new URL(f, src).href);
    for (const m of [new URL('../src/main.ts', import.meta.url).href, ...commands]) await import(m);
    // The message codecs are lazy (@samsa/protocol's primitives/lazy-codec.ts): a first
    // call loads each one's module.
    let codecs = 0;
    for (const c of Object.values(await import('@samsa/protocol'))) {
      if (typeof c?.read === 'function' && typeof c.defaults === 'function') {
        c.defaults();
        codecs++;
      }
    }
    flushCompileCache?.();
    process.stdout.write(`samsa: compile cache filled in ${dir} (the tools, the broker and ${codecs} codecs; ${Math.round(performance.now() - started)} ms)\n`);
  }
} catch (err) {
  process.stdout.write(`samsa: compile cache not prefilled (${err instanceof Error ? err.message : String(err)}); the first run will fill it\n`);
}
