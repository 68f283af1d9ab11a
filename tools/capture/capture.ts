/**
 * Reruns the capture: `node tools/capture/capture.ts [--port N] [--out DIR]`. See
 * README.md. The code lives in src/ so the workspace's typecheck and lint cover it.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { capture } from './src/capture.ts';

const { values } = parseArgs({ options: { port: { type: 'string' }, out: { type: 'string' } } });
const failures = await capture({
  port: values.port === undefined ? 0 : Number(values.port),
  ...(values.out === undefined ? {} : { out: path.resolve(values.out) }),
});
process.exitCode = failures === 0 ? 0 : 1;
