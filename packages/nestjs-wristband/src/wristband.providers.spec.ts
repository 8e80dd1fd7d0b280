import type { FactoryProvider } from '@nestjs/common';
import type { LRUCache } from 'lru-cache';
import { Cluster, type Redis } from 'ioredis';
import type { ResolvedWristbandOptions } from './interfaces/resolved-options.interface.js';
import type { WristbandModuleOptions } from './interfaces/wristband-module-options.interface.js';
import { AppSessionStore } from './session/app-session.store.js';
import { CookieSealer } from './session/cookie-sealer.js';
import { CookieSessionStore } from './session/cookie-session.store.js';
import { RedisSessionStore } from './session/redis-session.store.js';
import type { SessionStore } from './session/session-store.interface.js';
import {
  InProcessRefreshCoordinator,
  type RefreshCoordinator,
} from './tokens/refresh-coordinator.interface.js';
import { RedisRefreshCoordinator } from './tokens/redis-refresh.coordinator.js';
import { TokenRefreshService } from './tokens/token-refresh.service.js';
import {
  refreshCoordinatorProvider,
  sessionStoreProvider,
  wristbandOptionsProvider,
} from './wristband.providers.js';
import { resolveWristbandOptions } from './wristband-options.validator.js';

// The options reach the objects they tune (sizes and timings nothing else shows without waiting for them).

const base: WristbandModuleOptions = {
  applicationVanityDomain: 'invotastic-acme.us.wristband.dev',
  clientId: 'client-id',
  clientSecret: 'client-secret',
  sessionSecrets: ['s'.repeat(32)],
};
const sealer = new CookieSealer(base.sessionSecrets);
const factory = <T>(provider: unknown) =>
  (provider as FactoryProvider<T>).useFactory as (...args: unknown[]) => T;
const storeFor = (options: ResolvedWristbandOptions) =>
  factory<Promise<SessionStore>>(sessionStoreProvider)(sealer, options);
const coordinatorFor = (store: SessionStore, options: ResolvedWristbandOptions) =>
  factory<RefreshCoordinator>(refreshCoordinatorProvider)(store, options);
/** A private field, read for this test only. */
const peek = <T>(object: object, field: string) => (object as unknown as Record<string, T>)[field];

describe('option wiring', () => {
  it('validates the graph options with the others', () => {
    const resolve = factory<ResolvedWristbandOptions>(wristbandOptionsProvider);
    expect(resolve(base, { authRoutePrefix: 'account', registerAuthRoutes: true })).toMatchObject({
      authRoutePrefix: 'account',
      callbackUrl: 'http://localhost:3001/account/callback',
    });
    expect(() => resolve(base, { authRoutePrefix: 'a b' })).toThrow(
      /authRoutePrefix must be path segments/,
    );
  });

  it('session.cacheMaxEntries and cacheMaxBytes size the sealed-cookie cache; in-process refresh coordination', async () => {
    const options = resolveWristbandOptions({
      ...base,
      session: { cacheMaxEntries: 7, cacheMaxBytes: 9000 },
    });
    const store = await storeFor(options);
    expect(store).toBeInstanceOf(CookieSessionStore);
    expect(peek<LRUCache<string, object>>(store, 'opened').max).toBe(7);
    expect(peek<LRUCache<string, object>>(store, 'opened').maxSize).toBe(9000);
    expect(coordinatorFor(store, options)).toBeInstanceOf(InProcessRefreshCoordinator);
  });

  it('tokens.recentRefreshCacheMaxEntries sizes both refresh memories', () => {
    const options = resolveWristbandOptions({
      ...base,
      tokens: { recentRefreshCacheMaxEntries: 12 },
    });
    const service = new TokenRefreshService(
      options,
      undefined as never,
      undefined as never,
      new InProcessRefreshCoordinator(),
    );
    expect([
      peek<LRUCache<string, object>>(service, 'recentlyRefreshed').max,
      peek<LRUCache<string, object>>(service, 'failedRecently').max,
    ]).toEqual([12, 12]);
  });

  it('redis options reach the connection, the store and the refresh lock', async () => {
    const options = resolveWristbandOptions({
      ...base,
      redis: {
        url: 'redis://127.0.0.1:1',
        keyPrefix: 'app:',
        commandTimeoutMs: 300,
        connectTimeoutMs: 700,
        maxReconnectDelayMs: 4000,
        endedSessionMarkerSeconds: 900,
        lockTtlMs: 3000,
        lockPollIntervalMs: 25,
        lockMaxWaitMs: 8000,
      },
    });
    const store = (await storeFor(options)) as RedisSessionStore;
    try {
      expect(store).toBeInstanceOf(RedisSessionStore);
      expect(store.keyPrefix).toBe('app:');
      expect(peek<number>(store, 'endedMarkerMs')).toBe(900_000);
      const { commandTimeout, connectTimeout, retryStrategy } = (store.redis as Redis).options;
      expect([commandTimeout, connectTimeout, retryStrategy?.(20)]).toEqual([300, 700, 4000]);
      const coordinator = coordinatorFor(store, options);
      expect(coordinator).toBeInstanceOf(RedisRefreshCoordinator);
      expect(
        ['lockTtlMs', 'pollIntervalMs', 'maxWaitMs'].map((f) => peek<number>(coordinator, f)),
      ).toEqual([3000, 25, 8000]);
    } finally {
      await store.onApplicationShutdown();
    }
  });

  it('redis.clusterNodes: the store and the refresh lock on a Redis Cluster client, password for every node', async () => {
    const options = resolveWristbandOptions({
      ...base,
      redis: {
        clusterNodes: ['redis://:cluster-pass@127.0.0.1:1', '127.0.0.1:2'],
        commandTimeoutMs: 300,
      },
    });
    const store = (await storeFor(options)) as RedisSessionStore;
    try {
      expect(store.redis).toBeInstanceOf(Cluster);
      const cluster = store.redis as Cluster;
      expect(peek<unknown>(cluster, 'startupNodes')).toEqual([
        { host: '127.0.0.1', port: 1 },
        { host: '127.0.0.1', port: 2 },
      ]);
      expect(cluster.options.redisOptions).toMatchObject({
        password: 'cluster-pass',
        commandTimeout: 300,
      });
      expect(cluster.options).toMatchObject({ enableOfflineQueue: false, retryDelayOnFailover: 0 });
      expect(coordinatorFor(store, options)).toBeInstanceOf(RedisRefreshCoordinator);
    } finally {
      await store.onApplicationShutdown();
    }
  });

  it("an app's store is used (wrapped), with its refresh coordinator when it offers one", async () => {
    const coordinator: RefreshCoordinator = { coordinate: (s, refresh) => refresh(s) };
    const own: SessionStore = {
      read: () => Promise.resolve(undefined),
      write: () => Promise.resolve('h'),
      destroy: () => Promise.resolve(),
    };
    const withCoordinator = resolveWristbandOptions({
      ...base,
      sessionStore: { ...own, refreshCoordinator: coordinator },
    });
    const wrapped = await storeFor(withCoordinator);
    expect(wrapped).toBeInstanceOf(AppSessionStore);
    expect(coordinatorFor(wrapped, withCoordinator)).toBe(coordinator);

    const without = resolveWristbandOptions({ ...base, sessionStore: own });
    expect(coordinatorFor(await storeFor(without), without)).toBeInstanceOf(
      InProcessRefreshCoordinator,
    );
  });
});
