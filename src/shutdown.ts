import { Logger, type INestApplication } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export interface GracefulShutdownOptions {
  /**
   * Longest shutdown, from the signal to the exit, in milliseconds. Requests still running then are cut
   * (their connections destroyed) and the process exits with code 1.
   */
  timeoutMs: number;
  /** Signals that start the shutdown. Default SIGTERM (orchestrators) and SIGINT (Ctrl-C). */
  signals?: NodeJS.Signals[];
}

/**
 * On SIGTERM or SIGINT: stop accepting connections, let the requests in flight finish, then close the
 * app (Nest's lifecycle hooks: the session store's Redis connection among them) and exit 0. Bounded by
 * `timeoutMs`; a second signal cuts at once.
 *
 * It replaces `app.enableShutdownHooks()` rather than adding to it: that waits as long as the requests
 * take, with no bound and no answer to a second signal. (The module itself is safe under
 * `enableShutdownHooks`: it closes Redis in `onApplicationShutdown`, after the HTTP server has closed.)
 *
 * Only the Node `http.Server` is used (`getHttpServer()`, its `request` event and its close methods),
 * which the Express and Fastify adapters both expose, so a change of adapter needs no change here.
 * The signal listeners go away when the server closes some other way (`app.close()` in tests).
 */
export function enableGracefulShutdown(
  app: INestApplication,
  options: GracefulShutdownOptions,
): void {
  const server = app.getHttpServer() as Server;
  const logger = new Logger('Shutdown');
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const inFlight = new Set<ServerResponse>();
  let startedAt: number | undefined;

  const cut = (why: string): never => {
    const ms = Date.now() - (startedAt ?? Date.now());
    logger.error(`${why} after ${ms} ms: cut ${inFlight.size} request(s) still in flight`);
    server.closeAllConnections();
    process.exit(1);
  };

  const onRequest = (_req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    // Keep-alive clients must not send the next request on this connection once it is draining.
    if (startedAt !== undefined) res.setHeader('connection', 'close');
    res.once('close', () => {
      inFlight.delete(res);
      // The connection turns idle only after the response is done; an idle one would hold the server open.
      if (startedAt !== undefined) setImmediate(() => server.closeIdleConnections());
    });
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (startedAt !== undefined) return cut(`Second ${signal} during shutdown`);
    startedAt = Date.now();
    logger.log(
      `${signal}: shutting down (${inFlight.size} request(s) in flight, at most ${options.timeoutMs} ms)`,
    );
    setTimeout(() => cut('Shutdown timed out'), options.timeoutMs);
    for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
    void shutDown();
  };

  const shutDown = async () => {
    // Closed once every connection has ended; no new connection is accepted from now on.
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await drained;
    try {
      await app.close();
    } catch (err) {
      logger.error(`Closing the app failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    }
    logger.log(`Shut down in ${Date.now() - startedAt!} ms`);
    process.exit(0);
  };

  const detach = () => {
    if (startedAt !== undefined) return; // our own shutdown: keep listening for a second signal
    for (const signal of signals) process.removeListener(signal, onSignal);
    server.removeListener('request', onRequest);
  };

  server.on('request', onRequest);
  server.once('close', detach);
  for (const signal of signals) process.on(signal, onSignal);
}
