/**
 * How every run of the example app creates its Nest application: `main.ts`, the e2e tests' stack and the
 * benchmark all call
 *
 *     const app = await createHttpApp(AppModule.forRoot({ env }), { env, logger: false });
 *     await app.listen(port, host);
 *
 * `createHttpApp(module, options)` builds the app on Express or Fastify (`options.adapter`, else the
 * environment's `HTTP_ADAPTER`, else Express) with the same behaviour on both: which proxies to believe
 * (`TRUST_PROXY`), no `X-Powered-By` / `ETag`, the same body parsing and limit and route matching, and the
 * graceful shutdown on SIGTERM / SIGINT (`SHUTDOWN_TIMEOUT_MS`, src/shutdown.ts).
 */
import {
  BadRequestException,
  type DynamicModule,
  type INestApplication,
  type NestApplicationOptions,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { RawServerDefault } from 'fastify';
import { EnvValidationError } from './config/app.config.js';
import {
  readServerConfig,
  type HttpAdapterName,
  type ServerConfig,
  type TrustProxy,
} from './config/server.config.js';
import { enableGracefulShutdown } from './shutdown.js';

export type { HttpAdapterName } from './config/server.config.js';

export interface CreateHttpAppOptions {
  /** The HTTP platform. Default: `HTTP_ADAPTER` in `env`, else `express`. */
  adapter?: HttpAdapterName;
  /** Environment for `HTTP_ADAPTER`, `TRUST_PROXY` and `SHUTDOWN_TIMEOUT_MS`. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Nest's `logger` option (`false` for silence in tests). Default Nest's logger. */
  logger?: NestApplicationOptions['logger'];
  /** Nest's `abortOnError`: `false` makes a failing module graph reject instead of exiting. Default `true`. */
  abortOnError?: boolean;
  /**
   * Drain requests in flight on SIGTERM / SIGINT, then close and exit (src/shutdown.ts). Default `true`.
   * Tests that build many apps in one process may turn it off: each app listens for the signals.
   */
  gracefulShutdown?: boolean;
}

/**
 * Same limit on both adapters: Express's JSON and urlencoded parsers default to 100 KiB (413 beyond),
 * Fastify's to 1 MiB.
 */
const BODY_LIMIT_BYTES = 100 * 1024;

/**
 * Creates the Nest application on the chosen adapter (not yet listening). Throws `EnvValidationError` when
 * `HTTP_ADAPTER`, `TRUST_PROXY` or `SHUTDOWN_TIMEOUT_MS` is invalid.
 */
export async function createHttpApp(
  module: Type | DynamicModule,
  options: CreateHttpAppOptions = {},
): Promise<INestApplication> {
  const env = options.env ?? process.env;
  const config = serverConfig(env);
  const adapter = options.adapter ?? config.httpAdapter;
  const appOptions: NestApplicationOptions = {
    ...(options.logger !== undefined && { logger: options.logger }),
    ...(options.abortOnError !== undefined && { abortOnError: options.abortOnError }),
  };
  let app: INestApplication;
  if (adapter === 'fastify') {
    const fastify = await NestFactory.create<NestFastifyApplication>(
      module,
      new FastifyAdapter(fastifyOptions(config.trustProxy)),
      appOptions,
    );
    parseBodiesLikeExpress(fastify);
    app = fastify;
  } else {
    const express = await NestFactory.create<NestExpressApplication>(
      module,
      new ExpressAdapter(),
      appOptions,
    );
    configureExpress(express, config.trustProxy);
    app = express;
  }
  if (options.gracefulShutdown !== false) {
    enableGracefulShutdown(app, { timeoutMs: config.shutdownTimeoutMs });
  }
  return app;
}

function serverConfig(env: NodeJS.ProcessEnv): ServerConfig {
  const { config, problems } = readServerConfig(env);
  if (problems.length) throw new EnvValidationError(problems);
  return config;
}

function configureExpress(app: NestExpressApplication, trustProxy: TrustProxy): void {
  app.set('trust proxy', trustProxy);
  app.disable('x-powered-by');
  // Fastify sends no ETag: without it, both answer the same headers (and no 304 for a user's data).
  app.set('etag', false);
}

/**
 * Express (Nest's body parsers) leaves `body` undefined for an empty JSON body and for content types it does
 * not parse, and the route decides; Fastify would answer 400 or 415 before any guard runs.
 */
function parseBodiesLikeExpress(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const json = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>(
    'application/json',
    { bodyLimit: BODY_LIMIT_BYTES },
    (req, body, done) => {
      if (body.length === 0) return done(null, undefined);
      const text = body.toString('utf8');
      void json(req, text, (err, parsed) => done(err && badJson(err, text), parsed));
    },
  );
  // Read (so the limit holds and the connection stays usable) and dropped.
  fastify.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES },
    (_req, _body, done) => done(null, undefined),
  );
}

/** Fastify's refusal of a JSON body, worded and shaped as Express's (`{message, error, statusCode}`). */
function badJson(err: Error, text: string): Error {
  try {
    JSON.parse(text);
  } catch (syntax) {
    return new BadRequestException((syntax as Error).message);
  }
  // Valid JSON that Fastify still refuses: a `__proto__` or `constructor.prototype` key.
  return new BadRequestException(err.message);
}

/** Fastify's defaults where they differ from Express's, so a route answers the same on both. */
function fastifyOptions(trustProxy: TrustProxy) {
  return {
    // Same semantics as Express's `trust proxy` (both use proxy-addr). A bare number would make Fastify
    // trust no proxy at all: Express's hop count is "the n nearest addresses", said as a function.
    trustProxy:
      typeof trustProxy === 'number'
        ? (_address: string, hop: number) => hop < trustProxy
        : trustProxy,
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: {
      // Express matches `/api/me/` and `/API/me` as `/api/me` (parameters keep their case on both).
      ignoreTrailingSlash: true,
      caseSensitive: false,
      // Express has no limit on a parameter's length; Fastify answers 404 beyond 100 characters.
      maxParamLength: 2048,
    },
  };
}
