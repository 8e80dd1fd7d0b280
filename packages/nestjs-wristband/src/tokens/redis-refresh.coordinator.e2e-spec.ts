import { Cluster, Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisTestServer } from '../testing/redis-test-server.js';
import { testSession } from '../../test/session-fixture.js';
import {
  AuthenticationRequiredError,
  SessionStoreUnavailableError,
  WristbandRequestError,
} from '../errors/wristband.errors.js';
import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import { CookieSealer } from '../session/cookie-sealer.js';
import { RedisSessionStore } from '../session/redis-session.store.js';
import { RedisConnection } from '../session/redis.connection.js';
import { RedisRefreshCoordinator } from './redis-refresh.coordinator.js';
import { RefreshPendingError } from './refresh-pending.error.js';

const sealer = new CookieSealer(['s'.repeat(32)]);

const expiredSession = () =>
  testSession({
    accessToken: 'at-0',
    accessTokenExpiresAt: Date.now() - 1000,
    refreshToken: 'rt-0',
  });

const isFresh = (s: WristbandSession) => s.accessTokenExpiresAt > Date.now();

/** A token endpoint with rotation: each refresh token works once, like the emulator. */
function tokenEndpoint(delayMs = 100) {
  const used = new Set<string>();
  let n = 0;
  const calls = { count: 0, invalidGrant: 0 };
  const refresh = async (latest: WristbandSession): Promise<WristbandSession> => {
    calls.count++;
    await sleep(delayMs);
    if (!latest.refreshToken || used.has(latest.refreshToken)) {
      calls.invalidGrant++;
      throw new WristbandRequestError(
        'invalid_grant',
        'reused refresh token',
        'invalid_grant',
        400,
      );
    }
    used.add(latest.refreshToken);
    n++;
    return {
      ...latest,
      accessToken: `at-${n}`,
      refreshToken: `rt-${n}`,
      accessTokenExpiresAt: Date.now() + 60_000,
    };
  };
  return { calls, refresh };
}

describe('RedisRefreshCoordinator (real redis-server)', () => {
  let server: RedisTestServer;
  let stores: RedisSessionStore[] = [];
  let coordinators: RedisRefreshCoordinator[] = [];

  beforeAll(async () => {
    server = await RedisTestServer.start();
  });
  afterAll(async () => {
    await server?.dispose();
  });
  beforeEach(async () => {
    const keyPrefix = `c${randomBytes(4).toString('hex')}:`;
    // Three "instances": separate connections and coordinators over one Redis.
    stores = [0, 1, 2].map(
      () =>
        new RedisSessionStore(
          sealer,
          new RedisConnection(server.url, { Redis, Cluster }, { commandTimeoutMs: 500 }),
          { keyPrefix },
        ),
    );
    await Promise.all(stores.map((s) => s.onModuleInit()));
    coordinators = stores.map(
      (s) =>
        new RedisRefreshCoordinator(s, { lockTtlMs: 1000, pollIntervalMs: 20, maxWaitMs: 5000 }),
    );
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.onApplicationShutdown()));
  });

  it('one refresh for concurrent callers on three instances; all get the refreshed session', async () => {
    const s = expiredSession();
    await stores[0].write(s, 60);
    const { calls, refresh } = tokenEndpoint();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        coordinators[i % 3].coordinate({ ...s }, refresh, isFresh),
      ),
    );
    expect(calls).toEqual({ count: 1, invalidGrant: 0 });
    expect(new Set(results.map((r) => r.refreshToken))).toEqual(new Set(['rt-1']));
    expect((await stores[2].readById(s.id))?.refreshToken).toBe('rt-1');
    expect(await stores[0].redis.exists(stores[0].key('refresh-lock', s.id))).toBe(0);
  });

  it('a later caller with a stale copy reuses the refreshed session instead of refreshing again', async () => {
    const s = expiredSession();
    await stores[0].write(s, 60);
    const { calls, refresh } = tokenEndpoint(10);
    await coordinators[0].coordinate({ ...s }, refresh, isFresh);
    const again = await coordinators[1].coordinate({ ...s }, refresh, isFresh);
    expect(again.refreshToken).toBe('rt-1');
    expect(calls.count).toBe(1);
  });

  it('when the lock holder died, the lock expires and the next caller refreshes once', async () => {
    const s = expiredSession();
    await stores[0].write(s, 60);
    await stores[0].redis.set(stores[0].key('refresh-lock', s.id), 'dead-holder', 'PX', 400);
    const { calls, refresh } = tokenEndpoint(10);
    const started = Date.now();
    const results = await Promise.all(
      [0, 1, 2].map((i) => coordinators[i].coordinate({ ...s }, refresh, isFresh)),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(calls).toEqual({ count: 1, invalidGrant: 0 });
    expect(results.every((r) => r.refreshToken === 'rt-1')).toBe(true);
  });

  it('a live holder keeps its lock past the lock TTL (slow token endpoint): still one refresh', async () => {
    const s = expiredSession();
    await stores[0].write(s, 60);
    const { calls, refresh } = tokenEndpoint(2500); // lock TTL is 1000 ms: renewals must keep it
    const results = await Promise.all(
      [0, 1, 2].map((i) => coordinators[i].coordinate({ ...s }, refresh, isFresh)),
    );
    expect(calls).toEqual({ count: 1, invalidGrant: 0 });
    expect(results.every((r) => r.refreshToken === 'rt-1')).toBe(true);
  });

  it('a caller whose access token still works goes on at once while another instance refreshes', async () => {
    const s = testSession({
      accessToken: 'at-0',
      accessTokenExpiresAt: Date.now() + 10_000,
      refreshToken: 'rt-0',
    });
    await stores[0].write(s, 60);
    const { calls, refresh } = tokenEndpoint(1000);
    const isFreshNow = (c: WristbandSession) => c.accessToken !== 'at-0';
    const holder = coordinators[0].coordinate({ ...s }, refresh, isFreshNow);
    await sleep(100);
    const started = Date.now();
    const other = await coordinators[1].coordinate(
      { ...s },
      refresh,
      isFreshNow,
      (c) => c.accessTokenExpiresAt > Date.now(),
    );
    expect(Date.now() - started).toBeLessThan(500);
    expect(other.accessToken).toBe('at-0');
    expect((await holder).refreshToken).toBe('rt-1');
    expect(calls).toEqual({ count: 1, invalidGrant: 0 });
  });

  it('a refresh whose answer may still come holds the lock until it does, and its session is stored', async () => {
    const s = expiredSession();
    await stores[0].write(s, 60);
    const { calls, refresh } = tokenEndpoint(10);
    const late = sleep(600).then(() => ({
      ...s,
      accessToken: 'at-late',
      refreshToken: 'rt-late',
      accessTokenExpiresAt: Date.now() + 60_000,
    }));
    const unanswered = async () => {
      throw new RefreshPendingError('no answer yet', late);
    };
    await expect(coordinators[0].coordinate({ ...s }, unanswered, isFresh)).rejects.toBeInstanceOf(
      RefreshPendingError,
    );
    expect(await stores[0].redis.exists(stores[0].key('refresh-lock', s.id))).toBe(1);
    // Another instance does not refresh with the refresh token the pending request may have spent.
    const other = await coordinators[1].coordinate({ ...s }, refresh, isFresh);
    expect(other).toMatchObject({ accessToken: 'at-late', refreshToken: 'rt-late' });
    expect(calls.count).toBe(0);
    expect((await stores[2].readById(s.id))?.refreshToken).toBe('rt-late');
    await sleep(50);
    expect(await stores[0].redis.exists(stores[0].key('refresh-lock', s.id))).toBe(0);
  });

  it('a session ended meanwhile is not refreshed', async () => {
    const s = expiredSession();
    await stores[0].write(s, 60);
    await stores[1].destroy(s);
    const { calls, refresh } = tokenEndpoint(10);
    await expect(coordinators[2].coordinate({ ...s }, refresh, isFresh)).rejects.toBeInstanceOf(
      AuthenticationRequiredError,
    );
    expect(calls.count).toBe(0);
  });

  it('Redis down: SessionStoreUnavailableError, no token call', async () => {
    const s = expiredSession();
    await stores[0].write(s, 60);
    await server.stop();
    try {
      const { calls, refresh } = tokenEndpoint(10);
      await expect(coordinators[0].coordinate({ ...s }, refresh, isFresh)).rejects.toBeInstanceOf(
        SessionStoreUnavailableError,
      );
      expect(calls.count).toBe(0);
    } finally {
      await server.start();
    }
  });
});
