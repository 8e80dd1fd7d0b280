import type { Provider } from '@nestjs/common';
import type { ResolvedWristbandOptions } from './interfaces/resolved-options.interface.js';
import type {
  WristbandModuleFactoryOptions,
  WristbandModuleGraphOptions,
} from './interfaces/wristband-module-options.interface.js';
import { CookieSealer } from './session/cookie-sealer.js';
import { CookieSessionStore } from './session/cookie-session.store.js';
import { AppSessionStore } from './session/app-session.store.js';
import { RedisSessionStore } from './session/redis-session.store.js';
import { loadIoredis, RedisConnection } from './session/redis.connection.js';
import { SESSION_STORE, type SessionStore } from './session/session-store.interface.js';
import {
  InProcessRefreshCoordinator,
  REFRESH_COORDINATOR,
} from './tokens/refresh-coordinator.interface.js';
import { RedisRefreshCoordinator } from './tokens/redis-refresh.coordinator.js';
import {
  WRISTBAND_GRAPH_OPTIONS,
  WRISTBAND_MODULE_OPTIONS,
  assertNoGraphOptions,
} from './wristband.module-definition.js';
import { WRISTBAND_OPTIONS } from './wristband.constants.js';
import { resolveWristbandOptions } from './wristband-options.validator.js';

/** The options validated all at once: the factory's (or `forRoot`'s) and the graph options next to them. */
export const wristbandOptionsProvider: Provider = {
  provide: WRISTBAND_OPTIONS,
  inject: [WRISTBAND_MODULE_OPTIONS, WRISTBAND_GRAPH_OPTIONS],
  useFactory: (options: WristbandModuleFactoryOptions, graph: WristbandModuleGraphOptions) => {
    assertNoGraphOptions(options);
    return resolveWristbandOptions({ ...options, ...graph });
  },
};

export const cookieSealerProvider: Provider = {
  provide: CookieSealer,
  inject: [WRISTBAND_OPTIONS],
  useFactory: (options: ResolvedWristbandOptions) => new CookieSealer(options.sessionSecrets),
};

/** The app's own store when it gave one; Redis sessions when Redis (or a Redis Cluster) is set; sealed cookies otherwise. */
export const sessionStoreProvider: Provider = {
  provide: SESSION_STORE,
  inject: [CookieSealer, WRISTBAND_OPTIONS],
  useFactory: async (
    sealer: CookieSealer,
    options: ResolvedWristbandOptions,
  ): Promise<SessionStore> => {
    if (options.sessionStore) return new AppSessionStore(options.sessionStore);
    const redis = options.redis;
    if (!redis)
      return new CookieSessionStore(
        sealer,
        options.session.cacheMaxEntries,
        options.session.cacheMaxBytes,
      );
    const connection = new RedisConnection(redis.cluster ?? redis.url!, await loadIoredis(), {
      commandTimeoutMs: redis.commandTimeoutMs,
      connectTimeoutMs: redis.connectTimeoutMs,
      maxReconnectDelayMs: redis.maxReconnectDelayMs,
    });
    return new RedisSessionStore(sealer, connection, {
      keyPrefix: redis.keyPrefix,
      endedMarkerSeconds: redis.endedSessionMarkerSeconds,
    });
  },
};

/**
 * Across instances through the Redis store's lock when sessions live in Redis, or through the app's
 * store when it offers a coordinator; in-process otherwise.
 */
export const refreshCoordinatorProvider: Provider = {
  provide: REFRESH_COORDINATOR,
  inject: [SESSION_STORE, WRISTBAND_OPTIONS],
  useFactory: (store: SessionStore, options: ResolvedWristbandOptions) => {
    if (store instanceof RedisSessionStore) {
      const redis = options.redis!;
      return new RedisRefreshCoordinator(store, {
        lockTtlMs: redis.lockTtlMs,
        pollIntervalMs: redis.lockPollIntervalMs,
        maxWaitMs: redis.lockMaxWaitMs,
      });
    }
    return store.refreshCoordinator ?? new InProcessRefreshCoordinator();
  },
};
