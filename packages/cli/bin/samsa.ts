#!/usr/bin/env node
// The `samsa` command as the package's bin names it. The command itself is samsa.js, plain
// JavaScript: started from this file instead, Node loads its TypeScript stripper for this
// file on every run (~15 MiB, ~50 ms; see compile-cache.js), which samsa.js avoids.
import './samsa.js';
