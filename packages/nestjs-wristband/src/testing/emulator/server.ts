/**
 * The emulator's listeners: one `node:http` server on 127.0.0.1 and one on ::1 (when the machine has it),
 * on the same port, so `localhost` works whichever address a client resolves it to.
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { WristbandEmulatorError } from './emulator.error.js';

export class LoopbackServers {
  /** Open connections, destroyed on close so a held (`hang`) request never keeps a test alive. */
  private readonly sockets = new Set<Socket>();
  private servers: http.Server[] = [];

  private constructor(private readonly handler: http.RequestListener) {}

  /** Listens on `port` (0: a port free on both addresses). */
  static async listen(
    handler: http.RequestListener,
    port: number,
  ): Promise<{ servers: LoopbackServers; port: number }> {
    const loopback = new LoopbackServers(handler);
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const v4 = loopback.make();
      await listen(v4, '127.0.0.1', port);
      const actual = (v4.address() as { port: number }).port;
      const v6 = loopback.make();
      try {
        await listen(v6, '::1', actual);
        loopback.servers = [v4, v6];
        return { servers: loopback, port: actual };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          await new Promise<void>((r) => v4.close(() => r()));
          if (port === 0) continue;
          throw new WristbandEmulatorError(
            'port_in_use',
            `emulator: port ${actual} is in use on ::1`,
          );
        }
        // No IPv6 loopback here (EADDRNOTAVAIL, EAFNOSUPPORT...): IPv4 only.
        loopback.servers = [v4];
        return { servers: loopback, port: actual };
      }
    }
    throw new WristbandEmulatorError(
      'port_in_use',
      'emulator: could not find a free port on both 127.0.0.1 and ::1',
    );
  }

  /** Stops listening and drops every connection, including requests still waiting for an answer. */
  async close(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  private make(): http.Server {
    const s = http.createServer(this.handler);
    s.keepAliveTimeout = 5000;
    s.on('connection', (sock: Socket) => {
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
    });
    return s;
  }
}

function listen(s: http.Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    s.once('error', onError);
    s.listen({ host, port, exclusive: true }, () => {
      s.off('error', onError);
      resolve();
    });
  });
}
