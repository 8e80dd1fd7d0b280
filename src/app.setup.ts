import type { NestExpressApplication } from '@nestjs/platform-express';
import { EnvValidationError } from './config/app.config.js';
import { readServerConfig } from './config/server.config.js';
import { enableGracefulShutdown } from './shutdown.js';

/**
 * HTTP settings every run of the app uses (`main.ts`, and the benchmark's copy of it): which proxies
 * to believe (`TRUST_PROXY`) and the graceful shutdown on SIGTERM / SIGINT (`SHUTDOWN_TIMEOUT_MS`).
 */
export function setUpHttpApp(
  app: NestExpressApplication,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const { config, problems } = readServerConfig(env);
  if (problems.length) throw new EnvValidationError(problems);
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  enableGracefulShutdown(app, { timeoutMs: config.shutdownTimeoutMs });
}
