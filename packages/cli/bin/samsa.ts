#!/usr/bin/env node
import { enableCompileCache } from 'node:module';

// V8's compile cache (in the OS temp directory) spares each run recompiling the hundreds
// of modules of the Kafka client: about a third of a tool's start-up time.
enableCompileCache?.();
const { main } = await import('../src/main.ts');

process.exitCode = await main(process.argv.slice(2));
