/**
 * The app as `npm run bench` runs it: the production build (`dist/`), set up exactly like
 * `dist/main.js`, plus a reference route only the benchmark uses.
 *
 * `GET /bench/floor` sits behind a guard that does nothing, takes `@CurrentUser()` like `/api/me` and
 * answers the same body as `/api/me` (the bench sets it once with `PUT /bench/floor`). Driven with the
 * same session cookie as `/api/me`, it measures what Nest's guard and parameter pipeline, the cookie
 * header and the larger body cost by themselves: the part of the gap to `/health` that no guard
 * implementation can remove. Both routes are public to everyone else: they do nothing useful.
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
await app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
