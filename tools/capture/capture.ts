/**
 * Reruns the capture: `node tools/capture/capture.ts [--port N]`. See README.md. The code
 * lives in src/ so the workspace's typecheck and lint cover it.
 */
import { capture } from './src/capture.ts';

const portFlag = process.argv.indexOf('--port');
const port = portFlag === -1 ? 0 : Number(process.argv[portFlag + 1]);
const failures = await capture({ port });
process.exitCode = failures === 0 ? 0 : 1;
