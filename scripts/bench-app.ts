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
 */
import 'reflect-metadata';
import { Body, Controller, Get, Injectable, Module, Put, UseGuards, type CanActivate } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';

// The production build, loaded at run time (typed by its sources: `dist/` does not exist before a build).
const dist = (path: string) => new URL(`../dist/${path}`, import.meta.url).href;
const { AppModule } = (await import(dist('app.module.js'))) as typeof import('../src/app.module.js');
const { setUpHttpApp } = (await import(dist('app.setup.js'))) as typeof import('../src/app.setup.js');
const { CurrentUser, Public } = (await import(dist('wristband/index.js'))) as typeof import('../src/wristband/index.js');

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

@Module({ imports: [AppModule.forRoot()], controllers: [BenchFloorController] })
class BenchAppModule {}

const app = await NestFactory.create<NestExpressApplication>(BenchAppModule, { logger: ['error', 'warn'] });
setUpHttpApp(app);
await app.init();
placeFloorBesideMe(app);
await app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');

/**
 * Express tries routes in order and each route passed costs a regex match: Nest registers this root
 * module's routes first, which would hand the floor route a head start of several routes over
 * `/api/me`. Moved right after `/api/me`, both pass the same routes.
 */
function placeFloorBesideMe(nest: NestExpressApplication): void {
  type Layer = { route?: { path?: string } };
  const stack = (nest.getHttpAdapter().getInstance() as { router: { stack: Layer[] } }).router.stack;
  const floor = stack.filter((l) => l.route?.path === '/bench/floor');
  const rest = stack.filter((l) => !floor.includes(l));
  const me = rest.findIndex((l) => l.route?.path === '/api/me');
  if (floor.length === 0 || me === -1) throw new Error('bench-app: /bench/floor or /api/me not found in the Express router');
  stack.splice(0, stack.length, ...rest.slice(0, me + 1), ...floor, ...rest.slice(me + 1));
}
