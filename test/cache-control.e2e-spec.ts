import { Controller, Get, Header, Post, Res, UseGuards } from '@nestjs/common';
import { Public, WristbandGuard } from 'nestjs-wristband';
import { request } from 'nestjs-wristband/testing';
import {
  login,
  startModuleApp,
  startStack,
  type TestApp,
  type TestStack,
} from './support/test-stack.js';

@Controller('cc')
@UseGuards(WristbandGuard)
class CacheProbeController {
  @Get('guarded')
  guarded() {
    return { ok: true };
  }

  @Post('guarded')
  write() {
    return { ok: true };
  }

  /** A handler that chooses its own caching keeps it. */
  @Get('own-header')
  @Header('Cache-Control', 'private, max-age=60')
  ownHeader() {
    return { ok: true };
  }

  /** `header(name, value)`: Express's response and Fastify's reply both have it. */
  @Get('own-set-header')
  ownSetHeader(@Res({ passthrough: true }) res: { header(name: string, value: string): unknown }) {
    res.header('Cache-Control', 'public, max-age=5');
    return { ok: true };
  }

  @Public()
  @Get('public')
  open() {
    return { ok: true };
  }
}

describe('Cache-Control on answers to authenticated requests', () => {
  let stack: TestStack;
  let app: TestApp;

  beforeAll(async () => {
    stack = await startStack({ reservePorts: 1 });
    app = await startModuleApp(stack, stack.reservedPorts[0], {
      controllers: [CacheProbeController],
    });
  });
  afterAll(async () => {
    await app?.close();
    await stack?.close();
  });

  it('a cookie-session GET (no Authorization header for a cache to see) answers no-store, first and cached', async () => {
    const { jar } = await login(stack, app);
    const first = await request(`${app.url}/cc/guarded`, { jar });
    const second = await request(`${app.url}/cc/guarded`, { jar }); // the guard's synchronous fast path
    expect([first.status, second.status]).toEqual([200, 200]);
    expect([first.headers['cache-control'], second.headers['cache-control']]).toEqual([
      'no-store',
      'no-store',
    ]);
  });

  it('a bearer GET answers no-store, first and cached', async () => {
    const token = await stack.emulator.mintAccessToken();
    const headers = { authorization: `Bearer ${token}` };
    const first = await request(`${app.url}/cc/guarded`, { headers });
    const second = await request(`${app.url}/cc/guarded`, { headers });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect([first.headers['cache-control'], second.headers['cache-control']]).toEqual([
      'no-store',
      'no-store',
    ]);
  });

  it('an unsafe method on a cookie session answers no-store', async () => {
    const { jar } = await login(stack, app);
    const csrf = jar.get(`${app.url}/`, 'CSRF-TOKEN')!;
    const res = await request(`${app.url}/cc/guarded`, {
      method: 'POST',
      jar,
      headers: { 'x-csrf-token': csrf },
    });
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it("a handler's own Cache-Control wins (@Header() or res.header)", async () => {
    const { jar } = await login(stack, app);
    expect((await request(`${app.url}/cc/own-header`, { jar })).headers['cache-control']).toBe(
      'private, max-age=60',
    );
    expect((await request(`${app.url}/cc/own-set-header`, { jar })).headers['cache-control']).toBe(
      'public, max-age=5',
    );
  });

  it('public routes are left as the app answers them', async () => {
    const { jar } = await login(stack, app);
    expect(
      (await request(`${app.url}/cc/public`, { jar })).headers['cache-control'],
    ).toBeUndefined();
    expect((await request(`${app.url}/cc/public`)).headers['cache-control']).toBeUndefined();
  });
});
