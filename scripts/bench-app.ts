/**
 * The app as `npm run bench` runs it: the production build (`dist/`), set up exactly like
 * `dist/main.js`, plus a reference route only the benchmark uses.
 *
 * `GET /bench/floor` sits behind a guard that does nothing, takes `@CurrentUser()` like `/api/me` and
 * answers the same body as `/api/me` (the bench sets it once with `PUT /bench/floor`). Driven with the
 * same session cookie as `/api/me`, it measures what Nest's guard and parameter pipeline, the cookie
 * header and the larger body cost by themselves: the part of the gap to `/health` that no guard
 * implementation can remove. It sits right after `/api/me` in Express's route list. Both routes are
 * public to everyone else: they do nothing useful.
 *
 * With BENCH_COMPARE=1 it also serves the comparison routes of scripts/bench-compare.ts.
 */
import 'reflect-metadata';
import {
  Body,
  Controller,
  Get,
  Injectable,
  Module,
  Put,
  UseGuards,
  type CanActivate,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ResolvedWristbandOptions } from 'nestjs-wristband';

// The production build, loaded at run time (typed by its sources: `dist/` does not exist before a build).
const dist = (path: string) => new URL(`../dist/${path}`, import.meta.url).href;
const { AppModule } = (await import(
  dist('app.module.js')
)) as typeof import('../src/app.module.js');
const { setUpHttpApp } = (await import(
  dist('app.setup.js')
)) as typeof import('../src/app.setup.js');
const { CurrentUser, Public, SessionService, WRISTBAND_OPTIONS } = await import('nestjs-wristband');

@Injectable()
class PassThroughGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

let floorBody: Record<string, unknown> = {};

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
}

const compare =
  process.env.BENCH_COMPARE === '1'
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
})
class BenchAppModule {}

const app = await NestFactory.create<NestExpressApplication>(BenchAppModule, {
  logger: ['error', 'warn'],
});
setUpHttpApp(app);
await app.init();
placeBenchRoutesBesideMe(app);
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
