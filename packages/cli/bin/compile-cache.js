/**
 * V8's compile cache for the `samsa` command. It keeps, per module, what Node's type
 * stripping made of the TypeScript sources and V8's compiled code, keyed by the source's
 * content: an edited file is a miss, never stale code. With it a broker starts in about a
 * third of the time and 30 MiB less memory than without (bench/RESULTS.md).
 *
 * Plain JavaScript on purpose, like samsa.js: the cache has to be on before the first
 * TypeScript module loads, or Node loads its type stripper (amaro, WebAssembly, ~15 MiB
 * that are never given back) for that module on every run.
 *
 * The cache lives in the package (node_modules/.cache/samsa-compile-cache beside bin/),
 * where `npm install` fills it (prefill-compile-cache.js, the workspace's `prepare`) and
 * where no temp-directory cleaning removes it; if that directory cannot be written, the
 * OS temp directory. NODE_COMPILE_CACHE, when set, wins (Node enables it at start-up).
 */
import { constants, enableCompileCache } from 'node:module';
import { fileURLToPath } from 'node:url';

export const packageCacheDir = fileURLToPath(new URL('../node_modules/.cache/samsa-compile-cache', import.meta.url));

export function enableSamsaCompileCache() {
  if (enableCompileCache === undefined) return; // Node before 22.1
  const { status } = enableCompileCache(packageCacheDir);
  if (status === constants.compileCacheStatus.FAILED) enableCompileCache();
}
