import type { Provider } from '@nestjs/common';
import type { ResolvedWristbandOptions } from './interfaces/resolved-options.interface.js';
import type { WristbandModuleFactoryOptions } from './interfaces/wristband-module-options.interface.js';
import { CookieSealer } from './session/cookie-sealer.js';
import { CookieSessionStore } from './session/cookie-session.store.js';
import { RedisSessionStore } from './session/redis-session.store.js';
import { loadRedisClientClass, RedisConnection } from './session/redis.connection.js';
import { SESSION_STORE, type SessionStore } from './session/session-store.interface.js';
import { InProcessRefreshCoordinator, REFRESH_COORDINATOR } from './tokens/refresh-coordinator.interface.js';
import { RedisRefreshCoordinator } from './tokens/redis-refresh.coordinator.js';
import { WRISTBAND_MODULE_OPTIONS, assertNoGraphOptions } from './wristband.module-definition.js';
import { WRISTBAND_OPTIONS } from './wristband.constants.js';
import { resolveWristbandOptions } from './wristband-options.validator.js';

export const wristbandOptionsProvider: Provider = {
  provide: WRISTBAND_OPTIONS,
  inject: [WRISTBAND_MODULE_OPTIONS],
  useFactory: (options: WristbandModuleFactoryOptions) => {
    assertNoGraphOptions(options);
    return resolveWristbandOptions(options);
  },
};

export const cookieSealerProvider: Provider = {
  provide: CookieSealer,
  inject: [WRISTBAND_OPTIONS],
  useFactory: (options: ResolvedWristbandOptions) => new CookieSealer(options.sessionSecrets),
};

/** Sealed cookie sessions by default; Redis sessions when `redisUrl` is set. */
export const sessionStoreProvider: Provider = {
  provide: SESSION_STORE,
  inject: [CookieSealer, WRISTBAND_OPTIONS],
  useFactory: async (sealer: CookieSealer, options: ResolvedWristbandOptions) =>
    options.redisUrl
      ? new RedisSessionStore(sealer, new RedisConnection(options.redisUrl, await loadRedisClientClass()))
      : new CookieSessionStore(sealer),
};

/** In-process by default; across instances through the Redis store's lock when sessions live in Redis. */
export const refreshCoordinatorProvider: Provider = {
  provide: REFRESH_COORDINATOR,
  inject: [SESSION_STORE],
  useFactory: (store: SessionStore) =>
    store instanceof RedisSessionStore ? new RedisRefreshCoordinator(store) : new InProcessRefreshCoordinator(),
};
