import type { RedisClusterTarget } from '../session/redis-cluster-nodes.js';
import type { SessionStore } from '../session/session-store.interface.js';
import type {
  AuthStrategyName,
  RedisStoreOptions,
  WristbandMetricsOptions,
} from './wristband-module-options.interface.js';

/** Options after validation, with every default applied. Internal. */
export interface ResolvedWristbandOptions {
  applicationVanityDomain: string;
  clientId: string;
  /** The secret at startup: `clientSecret`, or the content of `clientSecretFile`. */
  clientSecret: string;
  /** Read again after `invalid_client` (see `ClientSecretSource`). */
  clientSecretFile?: string;
  callbackUrl: string;
  loginUrl: string;
  scopes: string[];
  isApplicationCustomDomainActive: boolean;
  dangerouslyAllowHttp: boolean;
  sessionSecrets: string[];
  allowedTenantCustomDomains: string[];
  defaultReturnPath: string;
  postLogoutRedirectUrl?: string;
  /** `https://{vanity}` (or `http://` with the dangerous flag): base of every server-to-server call. */
  wristbandBaseUrl: string;
  /** Expected `iss` of every Wristband token. */
  issuer: string;
  /** Origin of `callbackUrl`: the only origin return URLs may point at. */
  appOrigin: string;
  /** Cookies are `Secure` and `__Host-` prefixed: always, except with `dangerouslyAllowHttp`. */
  secureCookies: boolean;
  /** Path of the auth routes, without leading or trailing slash (`''`: at the root). */
  authRoutePrefix: string;
  /** Whether the module serves the auth routes. */
  registerAuthRoutes: boolean;
  session: {
    idleTimeoutSeconds: number;
    absoluteTimeoutSeconds: number;
    cookieName: string;
    csrfCookieName: string;
    cacheMaxEntries: number;
    cacheMaxBytes: number;
  };
  login: { stateCookiePrefix: string; returnUrlCookieName: string };
  tokens: {
    expiryBufferSeconds: number;
    requestTimeoutMs: number;
    refreshMaxAttempts: number;
    refreshBudgetMs: number;
    retryBaseDelayMs: number;
    recentRefreshCacheMaxEntries: number;
  };
  authStrategies: AuthStrategyName[];
  bearer: {
    /** From `allowedClientIds` or the deprecated `expectedClientId`; undefined: any client. */
    allowedClientIds?: readonly string[];
    expectedAppId?: string;
    clockToleranceSeconds: number;
    cacheMaxEntries: number;
    cacheMaxBytes: number;
    jwksCooldownMs: number;
  };
  /** Same as `redis.url`. */
  redisUrl?: string;
  /** Set when sessions live in Redis. */
  redis?: Required<Omit<RedisStoreOptions, 'url' | 'clusterNodes'>> & {
    /** One Redis: its URL. */
    url?: string;
    /** A Redis Cluster: from `clusterNodes`. */
    cluster?: RedisClusterTarget;
  };
  /** The app's own session store, when it gave one. */
  sessionStore?: SessionStore;
  requestUserAccessor: boolean;
  fetch: typeof fetch;
  /** Set when metrics are on. */
  metrics?: WristbandMetricsOptions;
}
