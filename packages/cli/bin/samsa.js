#!/usr/bin/env node
// The `samsa` command. Plain JavaScript so that the compile cache is on before any
// TypeScript loads (see compile-cache.js); everything else is in ../src/main.ts.
import { enableSamsaCompileCache } from './compile-cache.js';

enableSamsaCompileCache();
const { main } = await import('../src/main.ts');

process.exitCode = await main(process.argv.slice(2));
