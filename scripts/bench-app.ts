/**
 * The app as `npm run bench` runs it: the production build (`dist/`), created exactly like `dist/main.js`
 * does (`createHttpApp`, on the adapter `HTTP_ADAPTER` names), plus routes only the benchmark uses.
 *
 * `GET /bench/floor` sits behind a guard that does nothing, takes `@CurrentUser()` like `/api/me` and
 * answers the same body as `/api/me` (the bench sets it once with `PUT /bench/floor`). Driven with the
 * same session cookie as `/api/me`, it measures what Nest's guard and parameter pipeline, the cookie
 * header and the larger body cost by themselves: the part of a request no guard implementation can
 * remove. On Express it sits right after `/api/me` in the route list (Fastify's router does not depend
 * on order). The GraphQL query `benchFloorMe` is the same floor for GraphQL (see
 * `BenchFloorResolver`). `GET /bench/caches` reports the app's memory and the two credential caches (entries and their
 * estimated bytes, read from the package's internals), after full collections with `?gc=1`. These routes do nothing useful to anyone else.
 *
 * With BENCH_COMPARE=1 it also serves the comparison routes of scripts/bench-compare.ts (Express only).
 */
import 'reflect-metadata';
import {
  Body,
  Controller,
  Get,
  Injectable,
  Module,
  Put,
  Query,
  UseGuards,
  type CanActivate,
  type INestApplication,
} from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { getHeapSpaceStatistics } from 'node:v8';
import type { ResolvedWristbandOptions } from 'nestjs-wristband';

// The production build, loaded at run time (typed by its sources: `dist/` does not exist before a build).
const dist = (path: string) => new URL(`../dist/${path}`, import.meta.url).href;
const { AppModule } = (await import(
  dist('app.module.js')
)) as typeof import('../src/app.module.js');
const { createHttpApp } = (await import(
  dist('app.setup.js')
)) as typeof import('../src/app.setup.js');
const { MeModel } = (await import(
  dist('graphql/models/me.model.js')
)) as typeof import('../src/graphql/models/me.model.js');
const { Query: GraphQLQuery, Resolver } = await import('@nestjs/graphql');
const {
  BearerTokenVerifier,
  CurrentUser,
  Public,
  SESSION_STORE,
  SessionService,
  WRISTBAND_OPTIONS,
} = await import('nestjs-wristband');

@Injectable()
class PassThroughGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

let floorBody: Record<string, unknown> = {};

/** An lru-cache inside a package object, by field name (bench only: these are internals). */
type Lru = { size: number; calculatedSize: number; max: number; maxSize: number };
const lruIn = (holder: unknown, field: string): Lru | undefined =>
  (holder as Record<string, Lru | undefined> | undefined)?.[field];
const lruFigures = (c: Lru | undefined) =>
  c && { entries: c.size, bytes: c.calculatedSize, maxEntries: c.max, maxBytes: c.maxSize };

@Public()
@Controller('bench')
class BenchFloorController {
  @Get('floor')
  @UseGuards(PassThroughGuard)
  floor(@CurrentUser() user: unknown) {
    return user ?? { ...floorBody };
  }

  @Put('floor')
  setFloor(@Body() body: Record<string, unknown>) {
    floorBody = body;
    return { ok: true };
  }

  /**
   * `?gc=1`: what is still held after full collections (the bench starts the app with --expose-gc), as
   * V8's memory reducer collects by itself once an app goes idle.
   */
  @Get('caches')
  caches(@Query('gc') collect?: string) {
    if (collect === '1') {
      globalThis.gc?.();
      globalThis.gc?.();
    }
    return {
      memory: process.memoryUsage(),
      // Committed and used bytes of each V8 heap space: where RSS the caches do not explain sits.
      heapSpaces: Object.fromEntries(
        getHeapSpaceStatistics().map((h) => [h.space_name, [h.space_size, h.space_used_size]]),
      ),
      sessions: lruFigures(lruIn(app.get(SESSION_STORE), 'opened')),
      bearer: lruFigures(lruIn(app.get(BearerTokenVerifier), 'cache')),
    };
  }
}

/**
 * GraphQL's floor: the `me` query's type and fields, behind the same no-op guard with `@CurrentUser()`.
 * Against `ping` it shows what GraphQL itself costs for the larger answer; against `me`, the guard.
 */
@Resolver()
class BenchFloorResolver {
  @GraphQLQuery(() => MeModel)
  @Public()
  @UseGuards(PassThroughGuard)
  benchFloorMe(@CurrentUser() user: unknown): InstanceType<typeof MeModel> {
    const b = (user ?? floorBody) as Partial<InstanceType<typeof MeModel>>;
    return {
      userId: b.userId ?? '',
      tenantId: b.tenantId ?? '',
      tenantName: b.tenantName ?? '',
      email: b.email,
      roles: b.roles ?? [],
    };
  }
}

const adapter = process.env.HTTP_ADAPTER === 'fastify' ? 'fastify' : 'express';
const compare =
  process.env.BENCH_COMPARE === '1' && adapter === 'express'
    ? await (
        await import('./bench-compare.js')
      ).benchCompareModule(() => ({
        secret: process.env.SESSION_SECRETS!.split(',')[0].trim(),
        sessionCookieName: app.get(SessionService).cookieName,
        issuer: app.get<symbol, ResolvedWristbandOptions>(WRISTBAND_OPTIONS).issuer,
        body: () => floorBody,
      }))
    : undefined;

@Module({
  imports: [AppModule.forRoot(), ...(compare ? [compare] : [])],
  controllers: [BenchFloorController],
  providers: [BenchFloorResolver],
})
class BenchAppModule {}

const app: INestApplication = await createHttpApp(BenchAppModule, {
  adapter,
  logger: ['error', 'warn'],
});
await app.init();
if (adapter === 'express') placeBenchRoutesBesideMe(app as NestExpressApplication);
await app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');

/**
 * Express tries routes in order and each route passed costs a regex match: Nest registers this root
 * module's routes first, which would hand the bench routes a head start of several routes over
 * `/api/me`. Moved right after `/api/me`, they pass the same routes (plus the bench routes before them).
 */
function placeBenchRoutesBesideMe(nest: NestExpressApplication): void {
  type Layer = { route?: { path?: string } };
  const stack = (nest.getHttpAdapter().getInstance() as { router: { stack: Layer[] } }).router
    .stack;
  const bench = stack.filter((l) => l.route?.path?.startsWith('/bench/'));
  const rest = stack.filter((l) => !bench.includes(l));
  const me = rest.findIndex((l) => l.route?.path === '/api/me');
  if (bench.length === 0 || me === -1)
    throw new Error('bench-app: /bench/floor or /api/me not found in the Express router');
  stack.splice(0, stack.length, ...rest.slice(0, me + 1), ...bench, ...rest.slice(me + 1));
}
