/**
 * The reference figure for bench/broker/run.ts: how fast a Node process moves bytes
 * through a loopback socket when it does nothing else with them, against the same native
 * writer (or reader) that drives the broker.
 *
 *   node bench/broker/loopback.ts sink <bytes>            read and discard <bytes>, then answer one byte
 *   node bench/broker/loopback.ts source <bytes> <chunk>  write <bytes> in <chunk>-byte writes, then end
 *
 * Listens on 127.0.0.1, an ephemeral port, prints the port on stdout, serves one
 * connection and exits.
 */
import { createServer, type AddressInfo } from 'node:net';

const [mode, bytesArg, chunkArg] = process.argv.slice(2);
const total = Number(bytesArg);

const server = createServer({ noDelay: true }, (socket) => {
  server.close();
  if (mode === 'sink') {
    let got = 0;
    socket.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= total) socket.end(Buffer.of(1));
    });
  } else {
    const chunk = Buffer.alloc(Number(chunkArg), 'x');
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          socket.once('drain', pump);
          return;
        }
      }
      socket.end();
    };
    pump();
  }
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
