import net from 'node:net';

// Below Linux's ephemeral range (32768-60999): a port handed out there can be taken, between
// this check and the child's bind, by one of the many outgoing Kafka connections the tests open.
const FIRST = 20_000;
const LAST = 32_000;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A TCP port free right now on loopback, for a service a test starts as a child process. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 200; tries += 1) {
    const port = FIRST + Math.floor(Math.random() * (LAST - FIRST));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port between ${FIRST} and ${LAST}`);
}
