import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';

type NativeCrc32c = (data: Buffer, initial: number) => number;

let native: NativeCrc32c | undefined;
let nativeName = '';

/**
 * The fastest CRC-32C at hand, loaded on first use (a broker starts and listens before it
 * checks any batch):
 * - aws-crt's native addon (an optional dependency): SSE4.2 with three interleaved streams
 *   and PCLMULQDQ folding, ~20 GB/s here. Only its prebuilt binary is loaded, straight
 *   from the package (dist/bin/<platform>-<arch>-<libc>/), not the package's JavaScript,
 *   which would pull in its HTTP and MQTT clients and spawn `ldd` to pick the binary.
 *   Loading it costs ~40 ms and ~9 MiB of RSS, once.
 * - @node-rs/crc32 otherwise (one stream of SSE4.2 crc32 instructions, ~5.5 GB/s).
 * bench/RESULTS.md has both speeds.
 */
function loadNative(): NativeCrc32c {
  const require = createRequire(import.meta.url);
  try {
    const root = dirname(require.resolve('aws-crt/package.json'));
    const runtimes = platform() === 'linux' ? ['glibc', 'musl'] : ['cruntime'];
    for (const runtime of runtimes) {
      try {
        const addon = require(join(root, 'dist', 'bin', `${platform()}-${arch()}-${runtime}`, 'aws-crt-nodejs.node')) as {
          checksums_crc32c?: NativeCrc32c;
        };
        if (typeof addon.checksums_crc32c === 'function') {
          nativeName = 'aws-crt';
          return addon.checksums_crc32c;
        }
      } catch {
        // Not this C runtime's binary (or none for this platform): try the next.
      }
    }
  } catch {
    // aws-crt is not installed (npm install --omit=optional).
  }
  nativeName = '@node-rs/crc32';
  return (require('@node-rs/crc32') as { crc32c: NativeCrc32c }).crc32c;
}

/** CRC-32C (Castagnoli), the checksum of RecordBatch v2. */
export function crc32c(data: Uint8Array, initial = 0): number {
  return (native ??= loadNative())(data as Buffer, initial) >>> 0;
}

/** Which implementation crc32c() uses (loads it): 'aws-crt' or '@node-rs/crc32'. */
export function crc32cImplementation(): string {
  native ??= loadNative();
  return nativeName;
}
