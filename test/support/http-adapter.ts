/**
 * The HTTP adapter the e2e suite runs on. Jest runs the app's e2e specs twice, once per project of
 * jest.config.js (`e2e` on Express, `e2e-fastify` on Fastify); the project's `globals` say which.
 * Every app a test starts (test-stack.ts, app processes) uses it.
 */
import type { DynamicModule, INestApplication, NestApplicationOptions, Type } from '@nestjs/common';
import { createHttpApp, type HttpAdapterName } from '../../src/app.setup.js';

declare global {
  /** Set per Jest project (jest.config.js `globals`). */
  var E2E_HTTP_ADAPTER: string | undefined;
}

function selected(): HttpAdapterName {
  const name = globalThis.E2E_HTTP_ADAPTER ?? 'express';
  if (name !== 'express' && name !== 'fastify')
    throw new Error(`E2E_HTTP_ADAPTER must be express or fastify, not ${name}`);
  return name;
}

export const HTTP_ADAPTER: HttpAdapterName = selected();

/** True on Fastify: for the few assertions on what only one platform has (its request object). */
export const onFastify = HTTP_ADAPTER === 'fastify';

/**
 * `describe` and `it` for behaviour that exists on Express only (its request prototype, `res.locals`); on
 * Fastify they are listed as skipped, so the output says what did not run there. Say why where used.
 */
export const describeExpressOnly: jest.Describe = onFastify ? describe.skip : describe;
export const itExpressOnly: jest.It = onFastify ? it.skip : it;

/**
 * A Nest application on the selected adapter, created as the example app creates its own (`createHttpApp`:
 * the same proxy trust, headers and body limit), not listening yet. `env` holds only the server settings
 * (`TRUST_PROXY`, …): never the developer's shell. No signal handlers: a test process holds many apps.
 */
export function createTestHttpApp(
  module: Type | DynamicModule,
  options: { env?: NodeJS.ProcessEnv; logger?: NestApplicationOptions['logger'] } = {},
): Promise<INestApplication> {
  return createHttpApp(module, {
    adapter: HTTP_ADAPTER,
    env: options.env ?? {},
    logger: options.logger ?? false,
    abortOnError: false,
    gracefulShutdown: false,
  });
}
