import 'reflect-metadata';
import { Controller, Get, Module, UseGuards, type INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import {
  CurrentUser,
  WristbandConfigurationError,
  WristbandGuard,
  WristbandModule,
  type WristbandModuleFactoryOptions,
  type WristbandUser,
} from 'nestjs-wristband';
import { RedisTestServer, request, type HttpResponse } from 'nestjs-wristband/testing';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  SESSION_SECRET,
  freePort,
  login,
  moduleOptions,
  startModuleApp,
  startStack,
  type TestApp,
  type TestStack,
} from './support/test-stack.js';
import { createTestHttpApp } from './support/http-adapter.js';

// Every option the README documents is reachable from forRoot / forRootAsync and takes effect where a
// user sees it: routes, cookie names, Redis keys and timings.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sleepUntil = (epochMs: number) => sleep(Math.max(0, epochMs - Date.now()));

/** Names of the cookies a response sets (or clears), in order. */
const cookieNames = (res: HttpResponse) =>
  (res.headers['set-cookie'] ?? []).map((line) => line.slice(0, line.indexOf('=')));
const cleared = (res: HttpResponse, name: string) =>
  res.headers['set-cookie']?.find((c) => c.startsWith(`${name}=`))?.includes('Max-Age=0');

@Controller('me')
class MeController {
  @Get()
  @UseGuards(WristbandGuard)
  me(@CurrentUser() user: WristbandUser) {
    return { userId: user.userId };
  }
}

describe('auth routes under authRoutePrefix, cookies under their configured names', () => {
  let stack: TestStack;
  let app: TestApp;
  let defaultApp: TestApp;

  beforeAll(async () => {
    stack = await startStack({
      reservePorts: 2,
      callbackPaths: ['/auth/callback', '/account/callback'],
    });
    const url = `http://localhost:${stack.reservedPorts[0]}`;
    app = await startModuleApp(stack, stack.reservedPorts[0], {
      controllers: [MeController],
      wristband: {
        authRoutePrefix: 'account',
        callbackUrl: `${url}/account/callback`,
        loginUrl: `${url}/account/login`,
        session: { cookieName: 'app_sid', csrfCookieName: 'XSRF-TOKEN' },
        login: { stateCookiePrefix: 'app_login_', returnUrlCookieName: 'app_return' },
      },
    });
    // A second app in the same process, with the defaults: each module has its own controller path.
    defaultApp = await startModuleApp(stack, stack.reservedPorts[1], {
      controllers: [MeController],
    });
  });
  afterAll(async () => {
    await app?.close();
    await defaultApp?.close();
    await stack?.close();
  });

  it('serves /account/* and no /auth/*; the app beside it keeps /auth/*', async () => {
    for (const path of [
      'login?tenant_name=acme',
      'callback?state=x&code=y',
      'logout',
      'session',
      'token',
    ]) {
      expect((await request(`${app.url}/auth/${path}`)).status).toBe(404);
      expect((await request(`${defaultApp.url}/account/${path}`)).status).toBe(404);
    }
    expect((await request(`${app.url}/account/login?tenant_name=acme`)).status).toBe(302);
    expect((await request(`${defaultApp.url}/auth/login?tenant_name=acme`)).status).toBe(302);
    expect((await request(`${app.url}/account/session`)).status).toBe(401);
  });

  it('starts a login with its login-state cookie, and a tenant-less one with its return-URL cookie', async () => {
    const start = await request(`${app.url}/account/login?tenant_name=acme`);
    expect(new URL(start.location!).searchParams.get('redirect_uri')).toBe(
      `${app.url}/account/callback`,
    );
    expect(cookieNames(start)).toEqual([expect.stringMatching(/^app_login_[A-Za-z0-9_-]{22}$/)]);

    const discovery = await request(`${app.url}/account/login?return_url=/projects`);
    expect(discovery.location).toBe(`${stack.emulator.url}/login?client_id=${CLIENT_ID}`);
    expect(cookieNames(discovery)).toEqual(['app_return']);
  });

  it('logs in through /account/callback: session and CSRF cookies under their names, nothing under the defaults', async () => {
    const { jar, callback } = await login(stack, app, { authRoutePrefix: 'account' });
    expect(callback.status).toBe(302);
    expect(cookieNames(callback)).toEqual([
      expect.stringMatching(/^app_login_/),
      'app_sid',
      'XSRF-TOKEN',
    ]);
    expect(cleared(callback, cookieNames(callback)[0])).toBe(true);
    expect(jar.all().filter((c) => /^(wb_|CSRF-TOKEN)/.test(c.name))).toEqual([]);
    expect([
      jar.get(app.url, 'app_sid') !== undefined,
      jar.get(app.url, 'XSRF-TOKEN') !== undefined,
    ]).toEqual([true, true]);

    expect((await request(`${app.url}/me`, { jar })).json()).toEqual({
      userId: stack.emulator.user('alice@acme.test').id,
    });
    const session = await request(`${app.url}/account/session`, { jar });
    const csrfToken = session.json<{ csrfToken: string }>().csrfToken;
    expect(jar.get(app.url, 'XSRF-TOKEN')).toBe(csrfToken);
    expect((await request(`${app.url}/account/token`, { jar })).status).toBe(200);

    // Cross-site GET logout is refused, pointing at this app's own logout route.
    const crossSite = await request(`${app.url}/account/logout`, {
      jar,
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.json<{ message: string }>().message).toContain(
      'POST /account/logout with x-csrf-token',
    );

    const logout = await request(`${app.url}/account/logout`, {
      method: 'POST',
      jar,
      headers: { 'x-csrf-token': csrfToken },
    });
    expect(logout.status).toBe(302);
    expect(cookieNames(logout)).toEqual(['app_sid', 'XSRF-TOKEN']);
    expect([cleared(logout, 'app_sid'), cleared(logout, 'XSRF-TOKEN')]).toEqual([true, true]);
    expect((await request(`${app.url}/me`, { jar })).status).toBe(401);
  });
});

describe('authRoutePrefix with forRootAsync', () => {
  const factoryOptions = (url: string, prefix: string): WristbandModuleFactoryOptions => ({
    applicationVanityDomain: 'invotastic-acme.us.wristband.dev',
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    callbackUrl: `${url}/${prefix}/callback`,
    loginUrl: `${url}/${prefix}/login`,
    sessionSecrets: [SESSION_SECRET],
  });

  async function boot(
    wristband: (url: string) => ReturnType<typeof WristbandModule.forRootAsync>,
  ): Promise<{ app: INestApplication; url: string }> {
    const port = await freePort();
    const url = `http://localhost:${port}`;
    @Module({ imports: [wristband(url)] })
    class AsyncApp {}
    const app = await createTestHttpApp(AsyncApp);
    await app.listen(port, '127.0.0.1');
    return { app, url };
  }

  it('goes next to useFactory', async () => {
    const { app, url } = await boot((u) =>
      WristbandModule.forRootAsync({
        useFactory: () => factoryOptions(u, 'api/account'),
        authRoutePrefix: 'api/account',
      }),
    );
    try {
      expect((await request(`${url}/api/account/login?tenant_name=acme`)).status).toBe(302);
      expect((await request(`${url}/auth/login?tenant_name=acme`)).status).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('returned by the factory stops the app at startup, naming it', async () => {
    const err = await boot((u) =>
      WristbandModule.forRootAsync({
        useFactory: () =>
          ({
            ...factoryOptions(u, 'account'),
            authRoutePrefix: 'account',
          }) as unknown as WristbandModuleFactoryOptions,
      }),
    ).then(
      async ({ app }) => {
        await app.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WristbandConfigurationError);
    expect((err as WristbandConfigurationError).problems).toEqual([
      'authRoutePrefix was returned by the forRootAsync factory, where it is ignored: put it next to useFactory, ' +
        'e.g. WristbandModule.forRootAsync({ useFactory, inject, authRoutePrefix: … })',
    ]);
  });

  it('a callbackUrl that misses the callback route stops the app at startup', async () => {
    const err = await boot((u) =>
      WristbandModule.forRootAsync({
        useFactory: () => factoryOptions(u, 'auth'),
        authRoutePrefix: 'account',
      }),
    ).then(
      async ({ app }) => {
        await app.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect((err as WristbandConfigurationError).problems).toEqual([
      'callbackUrl must end with /account/callback, the callback route (authRoutePrefix "account")',
    ]);
  });
});

describe('redis options: key prefix, lock and command timings', () => {
  let stack: TestStack;
  let redis: RedisTestServer;
  let admin: Redis;

  beforeAll(async () => {
    redis = await RedisTestServer.start();
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1, ...{ disconnectTimeout: 100 } });
    stack = await startStack({
      emulator: { accessTokenTtlSeconds: 2 },
      env: { REDIS_URL: redis.url },
      wristband: {
        redis: {
          keyPrefix: 'invotastic:auth:',
          lockMaxWaitMs: 400,
          lockPollIntervalMs: 20,
          commandTimeoutMs: 200,
        },
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await admin?.quit().catch(() => admin.disconnect());
    await redis?.dispose();
  });

  it("writes every key under keyPrefix; waits for another instance's refresh lock no longer than lockMaxWaitMs", async () => {
    const { jar } = await login(stack, stack.app);
    const keys = (await admin.keys('*')).sort();
    expect(keys.map((k) => k.split(':').slice(0, 3).join(':'))).toEqual([
      'invotastic:auth:session',
      'invotastic:auth:user-sessions',
    ]);
    const sessionId = decodeURIComponent(keys[0].slice('invotastic:auth:session:'.length));

    // Another instance holds this session's refresh lock (and will not finish in time).
    await admin.set(
      `invotastic:auth:refresh-lock:${encodeURIComponent(sessionId)}`,
      'another-instance',
      'PX',
      30_000,
    );
    const { expiresAt } = (await request(`${stack.app.url}/auth/token`, { jar })).json<{
      expiresAt: number;
    }>();
    // `expiresAt` is half a 2 s lifetime early: wait until the access token itself has expired.
    await sleepUntil(expiresAt + 1000 + 50);
    stack.emulator.resetCalls();
    const started = Date.now();
    const res = await request(`${stack.app.url}/api/me`, { jar });
    const waited = Date.now() - started;
    expect(res.status).toBe(503);
    expect(res.json()).toMatchObject({ reason: 'wristband_unavailable' });
    expect(stack.emulator.calls('token', 'refresh_token')).toBe(0);
    // The default (20 s) would outlast the test; 400 ms it is.
    expect(waited).toBeGreaterThanOrEqual(400);
    expect(waited).toBeLessThan(5000);
  });

  it('a Redis URL naming a database the server lacks stops the app at startup (ioredis would go on in database 0)', async () => {
    const url = `http://localhost:${await freePort()}`;
    @Module({
      imports: [
        WristbandModule.forRoot({
          ...moduleOptions(stack, url),
          redis: { url: `${redis.url}/99` },
        }),
      ],
    })
    class WrongDatabaseApp {}
    const app = await createTestHttpApp(WrongDatabaseApp);
    const err = await app.init().then(
      () => undefined,
      (e: unknown) => e,
    );
    await app.close();
    expect(err).toBeInstanceOf(WristbandConfigurationError);
    expect((err as WristbandConfigurationError).problems).toEqual([
      `redis: database 99 of the Redis URL does not exist on ${redis.url}/99 (Redis has 16 by default: 0-15)`,
    ]);
    expect(await admin.dbsize()).toBeGreaterThanOrEqual(0); // Redis itself is fine
  });

  it('answers 503 after commandTimeoutMs when Redis hangs', async () => {
    const { jar } = await login(stack, stack.app);
    redis.pause();
    try {
      const started = Date.now();
      const res = await request(`${stack.app.url}/api/me`, { jar });
      const waited = Date.now() - started;
      expect(res.status).toBe(503);
      expect(res.json()).toMatchObject({ reason: 'session_store_unavailable' });
      // 200 ms configured; the default is 1000.
      expect(waited).toBeLessThan(900);
    } finally {
      redis.resume();
    }
  });
});
