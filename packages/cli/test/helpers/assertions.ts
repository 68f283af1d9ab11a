import assert from 'node:assert/strict';
import type { RunResult } from './run-samsa.ts';

/** A failure is one line on stderr, prefixed by the tool, with the given exit code. */
export function assertFailure(r: RunResult, tool: string, code: number, message: RegExp): void {
  assert.equal(r.code, code, `exit code; stderr: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.ok(lines[0]!.startsWith(`samsa ${tool}: `), lines[0]);
  assert.match(lines[0]!, message);
}

export function assertSuccess(r: RunResult): void {
  assert.equal(r.code, 0, `exit code; stderr: ${r.stderr}; stdout: ${r.stdout}`);
}
