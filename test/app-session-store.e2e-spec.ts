import 'reflect-metadata';
import { jest } from '@jest/globals';
import {
  Controller,
  Get,
  Injectable,
  Logger,
  Module,
  UseGuards,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import {
  CurrentUser,
  SessionRevocationService,
  WristbandGuard,
  WristbandModule,
  type RefreshCoordinator,
  type SessionStore,
  type WristbandSession,
  type WristbandUser,
} from 'nestjs-wristband';
import { CookieJar, request } from 'nestjs-wristband/testing';
import { MapSessionStore } from './support/map-session.store.js';
import {
  login,
  moduleOptions,
  startModuleApp,
  startStack,
  type TestApp,
  type TestStack,
} from './support/test-stack.js';
import { createTestHttpApp } from './support/http-adapter.js';

// An app's own session store (`sessionStore`): what the module does with it beyond the core flow
// (test/core-flow.e2e-spec.ts runs that over it too).

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

@Controller('me')
class MeController {
  @Get()
  @UseGuards(WristbandGuard)
  me(@CurrentUser() user: WristbandUser) {
    return { userId: user.userId };
  }
}

/** A store on a database that is down: every call fails with the driver's own error. */
class DownStore implements SessionStore {
  private fail(): never {
    throw new Error('connect ECONNREFUSED 10.0.0.5:5432 (role app, password hunter2)');
  }
  read(): Promise<WristbandSession | undefined> {
    return Promise.reject(
      new Error('connect ECONNREFUSED 10.0.0.5:5432 (role app, password hunter2)'),
    );
  }
  write(): Promise<string> {
    this.fail();
  }
  destroy(): Promise<void> {
    this.fail();
  }
}

describe("an app's own session store", () => {
  let stack: TestStack;
  const apps: TestApp[] = [];
  const start = async (index: number, sessionStore: SessionStore) => {
    const app = await startModuleApp(stack, stack.reservedPorts[index], {
      controllers: [MeController],
      wristband: { sessionStore },
    });
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    stack = await startStack({ reservePorts: 4, emulator: { accessTokenTtlSeconds: 2 } });
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await stack?.close();
    jest.restoreAllMocks();
  });
  beforeEach(() => stack.emulator.resetCalls());

  it('failing: answers 503 session_store_unavailable (never 500, never its message), and revokes the tokens of a login it cannot keep', async () => {
    const app = await start(0, new DownStore());
    const res = await request(`${app.url}/me`, { headers: { cookie: 'wb_session=some-handle' } });
    expect(res.status).toBe(503);
    expect(res.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      reason: 'session_store_unavailable',
      message: 'Session store unavailable (Error)',
    });

    const { callback } = await login(stack, app);
    expect(callback.status).toBe(503);
    expect(callback.text).not.toContain('hunter2');
    expect(stack.emulator.calls('revoke')).toBe(1);
  });

  it('with destroyById and destroyAllForUser: SessionRevocationService ends sessions from the server', async () => {
    const store = new MapSessionStore();
    const app = await start(1, store);
    const first = await login(stack, app);
    const second = await login(stack, app);
    const other = await login(stack, app, { username: 'bob@acme.test' });
    expect(store.size).toBe(3);
    const revocation = app.app.get(SessionRevocationService);
    expect(revocation.supported).toBe(true);
    const alice = stack.emulator.user('alice@acme.test');
    expect(await revocation.endAllSessionsOfUser(stack.emulator.tenant('acme').id, alice.id)).toBe(
      2,
    );
    const statuses = await Promise.all(
      [first.jar, second.jar, other.jar].map(
        async (jar) => (await request(`${app.url}/me`, { jar })).status,
      ),
    );
    expect(statuses).toEqual([401, 401, 200]);
    expect(store.size).toBe(1);
  });

  it('offering a refreshCoordinator: every refresh goes through it', async () => {
    const store = Object.assign(new MapSessionStore(), {
      coordinated: 0,
      refreshCoordinator: {
        coordinate(session, refresh) {
          store.coordinated++;
          return refresh(session);
        },
      } satisfies RefreshCoordinator,
    });
    const app = await start(2, store);
    const { jar } = await login(stack, app);
    const { expiresAt } = (await request(`${app.url}/auth/token`, { jar })).json<{
      expiresAt: number;
    }>();
    await sleep(Math.max(0, expiresAt + 20 - Date.now()));
    expect((await request(`${app.url}/me`, { jar })).status).toBe(200);
    expect([store.coordinated, stack.emulator.calls('token', 'refresh_token')]).toEqual([1, 1]);
  });

  it('from forRootAsync, as a provider of the app: injected into the factory, its lifecycle hooks run once (by the app)', async () => {
    @Injectable()
    class DatabaseSessionStore extends MapSessionStore implements OnModuleInit, OnModuleDestroy {
      readonly hooks: string[] = [];
      onModuleInit() {
        this.hooks.push('init');
      }
      onModuleDestroy() {
        this.hooks.push('destroy');
      }
    }
    @Module({ providers: [DatabaseSessionStore], exports: [DatabaseSessionStore] })
    class DatabaseModule {}

    const port = stack.reservedPorts[3];
    const url = `http://localhost:${port}`;
    @Module({
      imports: [
        WristbandModule.forRootAsync({
          imports: [DatabaseModule],
          inject: [DatabaseSessionStore],
          useFactory: (sessionStore: DatabaseSessionStore) => ({
            ...moduleOptions(stack, url),
            sessionStore,
          }),
        }),
      ],
      controllers: [MeController],
    })
    class AsyncStoreApp {}
    const nest = await createTestHttpApp(AsyncStoreApp);
    await nest.listen(port, '127.0.0.1');
    const store = nest.get(DatabaseSessionStore);
    try {
      const { jar } = await login(stack, { url });
      expect(store.holds(jar.get(url, 'wb_session'))).toBe(true);
      expect((await request(`${url}/me`, { jar })).status).toBe(200);
      expect((await request(`${url}/me`, { jar: new CookieJar() })).status).toBe(401);
    } finally {
      await nest.close();
    }
    expect(store.hooks).toEqual(['init', 'destroy']);
  });
});
