import { createServer } from 'node:net';

// Below the ephemeral ranges of Linux (32768-60999), macOS and Windows (49152-65535): the kernel never hands
// these to outgoing connections, which could take a port between this check and the caller's bind.
const LOW = 15_000;
const HIGH = 32_767;

/** A TCP port free on the loopback interface right now, outside the ephemeral range when one is free there. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
    if (await bindable(port)) return port;
  }
  return listenOn(0);
}

function bindable(port: number): Promise<boolean> {
  return listenOn(port).then(
    () => true,
    () => false,
  );
}

function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as { port: number };
      server.close(() => resolve(bound));
    });
  });
}
