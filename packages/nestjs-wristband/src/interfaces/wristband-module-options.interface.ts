import type { SessionStore } from '../session/session-store.interface.js';
import type { WristbandMetricsRegistry } from '../metrics/wristband-metrics.js';

/** Options of `WristbandModule.forRoot()` / `forRootAsync()`. Validated once, at startup. */
export interface WristbandModuleOptions {
  /** Application vanity domain, `host[:port]` without scheme, e.g. `invotastic-acme.us.wristband.dev`. */
  applicationVanityDomain: string;
  /** OAuth2 client id of the Wristband "Backend Server" client. */
  clientId: string;
  /** OAuth2 client secret. Never logged. Set this or `clientSecretFile`, not both. */
  clientSecret?: string;
  /**
   * Path of a file holding the client secret (a trailing newline is ignored), as Kubernetes secret volumes,
   * Docker secrets and Vault agents provide it. Read at startup (unreadable or empty: startup error); read
   * again when Wristband answers `invalid_client` (at most once every 5 s), and the call is sent once more
   * when the secret changed: a rotated secret is picked up without a restart. Set this or `clientSecret`.
   */
  clientSecretFile?: string;
  /**
   * Absolute callback URL registered at Wristband. Default `http://localhost:3001/{authRoutePrefix}/callback`.
   * `https`, or `http` on a loopback host (`localhost`, `127.x.x.x`, `[::1]`) outside production, or any
   * `http` with `dangerouslyAllowHttp`. Same rule for `loginUrl` and `postLogoutRedirectUrl`. While the
   * module registers its routes, its path must end with `/{authRoutePrefix}/callback` (the route that
   * answers it; anything before, such as a global prefix, is free).
   */
  callbackUrl?: string;
  /**
   * Absolute URL of this app's login route (Wristband sends tenant discovery here).
   * Default `http://localhost:3001/{authRoutePrefix}/login`.
   */
  loginUrl?: string;
  /** Scopes requested at login. Default `['openid', 'offline_access', 'email', 'profile', 'roles']`. */
  scopes?: string[];
  /** Tenant host is `{tenant}.{vanity}` instead of `{tenant}-{vanity}`. Default `false`. */
  isApplicationCustomDomainActive?: boolean;
  /**
   * Use `http://` for every Wristband URL, drop `Secure` (and the `__Host-` prefix) from cookies and
   * accept `http` app URLs on any host. Local development against an `http` Wristband (the emulator) or
   * in Safari, which does not keep `Secure` cookies on `http://localhost`. Not needed for `http://localhost`
   * app URLs in Chromium or Firefox. Refused when `NODE_ENV=production`. Default `false`.
   */
  dangerouslyAllowHttp?: boolean;
  /**
   * Secrets for sealing cookies, each at least 32 characters. The first seals; all of them open, so a
   * secret can be rotated by putting the new one first and dropping the old one later.
   */
  sessionSecrets: string[];
  /** Tenant custom domains that `tenant_custom_domain` may name at login. Default none (always ignored). */
  allowedTenantCustomDomains?: string[];
  /** Where the browser goes after login when no valid `return_url` was given. Default `/`. */
  defaultReturnPath?: string;
  /** Where Wristband sends the browser after logout. Default: Wristband's own choice (the login URL). */
  postLogoutRedirectUrl?: string;
  session?: SessionOptions;
  login?: LoginOptions;
  tokens?: TokenOptions;
  /**
   * Install `WristbandGuard` for every route (default-deny); opt out with `@Public()`. Default `false`.
   * Shapes the module graph: with `forRootAsync` it goes next to `useFactory`, never in its result.
   */
  globalGuard?: boolean;
  /** Which credentials `WristbandGuard` accepts, in order. Default `['session', 'bearer']`. */
  authStrategies?: AuthStrategyName[];
  bearer?: BearerOptions;
  /**
   * Register the auth routes (`/auth/login`, `callback`, `logout`, `session`, `token`; see
   * `authRoutePrefix`). Default `true`.
   * Shapes the module graph: with `forRootAsync` it goes next to `useFactory`, never in its result.
   */
  registerAuthRoutes?: boolean;
  /**
   * Path of the auth routes, e.g. `account` serves `/account/login`, `/account/callback`, `/account/logout`,
   * `/account/session` and `/account/token`. Segments of letters, digits, `-`, `_`, `.` and `~` joined by
   * `/`, without leading or trailing slash; `''` puts the routes at the root. Set `callbackUrl` (and
   * `loginUrl`) to match. Default `auth`.
   * Shapes the module graph: with `forRootAsync` it goes next to `useFactory`, never in its result.
   */
  authRoutePrefix?: string;
  /**
   * Redis connection URL (`redis://` or `rediss://`); when set, sessions live in Redis and the cookie
   * holds only a sealed id. Same as `redis.url` (set one of them).
   */
  redisUrl?: string;
  /** Redis: a Redis Cluster (`redis.clusterNodes`) and tuning; applies when Redis is configured. */
  redis?: RedisStoreOptions;
  /**
   * Your own session store (e.g. on your database), used instead of the sealed-cookie and Redis stores:
   * see `SessionStore` for what it must do. An instance; with `forRootAsync`, build it in the factory
   * or inject it there (`inject: [MySessionStore]`). Cannot be combined with a Redis URL. The module
   * calls only the `SessionStore` methods on it: its Nest lifecycle hooks belong to whoever provides it.
   * Default: none (sealed cookie, or Redis when a Redis URL is set).
   */
  sessionStore?: SessionStore;
  /**
   * Define `request.user` once, as an accessor on the Express app's request prototype, instead of
   * assigning it on each authenticated request (Express gives every request a hidden class of its own,
   * so each property added to one is slow: see the README's Performance section). It changes `req.user`
   * on every route of the app: it is never an own property of the request (`Object.keys(req)`,
   * `{ ...req }` and `hasOwnProperty` do not show it, `'user' in req` is always true), `delete req.user`
   * does not remove a user, and code that replaces `res.locals` with a new object drops it. Other
   * Passport strategies keep working (they assign `req.user`). Express only; ignored elsewhere.
   * Default `false`.
   */
  requestUserAccessor?: boolean;
  /** `fetch` used for every call to Wristband (tests and proxies). Default: global `fetch`. */
  fetch?: typeof fetch;
  /**
   * Prometheus metrics (`wristband_*`, see the README's Operations section) through `prom-client`, an
   * optional peer dependency loaded only when this is set. `{}` registers them on prom-client's global
   * registry; `{ registry }` on yours. Default: off.
   */
  metrics?: WristbandMetricsOptions;
}

export interface WristbandMetricsOptions {
  /** A prom-client `Registry`. Default: prom-client's global `register`. */
  registry?: WristbandMetricsRegistry;
}

export type AuthStrategyName = 'session' | 'bearer';

/** Options that decide which providers and controllers the module has, so they are read before any factory runs. */
export type WristbandModuleGraphOptionName =
  'globalGuard' | 'registerAuthRoutes' | 'authRoutePrefix';

/** The graph options, as `forRootAsync` takes them next to `useFactory`. */
export type WristbandModuleGraphOptions = Pick<
  WristbandModuleOptions,
  WristbandModuleGraphOptionName
>;

/**
 * What a `forRootAsync` factory (`useFactory`, or `create()` of `useClass` / `useExisting`) returns:
 * every option except the graph options (`globalGuard`, `registerAuthRoutes`, `authRoutePrefix`). Nest
 * builds the module graph before the factory runs, so those could not take effect from here; they go
 * next to `useFactory`, and one found in the factory's result (JavaScript, a cast) stops the app at startup.
 */
export type WristbandModuleFactoryOptions = Omit<
  WristbandModuleOptions,
  WristbandModuleGraphOptionName
> & {
  [K in WristbandModuleGraphOptionName]?: never;
};

export interface SessionOptions {
  /** Session ends after this long without a request, in seconds. Default 3600 (1 h). */
  idleTimeoutSeconds?: number;
  /** Session ends this long after login whatever happens, in seconds. Default 43200 (12 h). */
  absoluteTimeoutSeconds?: number;
  /**
   * Name of the session cookie, without the `__Host-` prefix added when cookies are Secure: 1-64
   * letters, digits, `_` or `-`. Default `wb_session`.
   */
  cookieName?: string;
  /**
   * Name of the cookie holding the CSRF token, which front-end code reads and echoes in `x-csrf-token`
   * (never prefixed, so scripts find it under this exact name). Same characters as `cookieName`.
   * Default `CSRF-TOKEN`.
   */
  csrfCookieName?: string;
  /**
   * Opened session cookies kept in memory, so the same cookie is not opened again on every request
   * (sealed-cookie store only), in entries of a few KB. Default 10000.
   */
  cacheMaxEntries?: number;
  /**
   * Upper bound of the memory those opened cookies take, in bytes (an upper estimate per entry: the
   * sealed value, the session, the cache's slots; about 5 KB for a typical Wristband session).
   * Whichever of `cacheMaxEntries` and `cacheMaxBytes` is reached first evicts the least recently used.
   * Default 50331648 (48 MiB).
   */
  cacheMaxBytes?: number;
}

/** Cookies of a login in progress (between `/auth/login` and `/auth/callback`). */
export interface LoginOptions {
  /**
   * Prefix of the login-state cookies (one per login attempt: prefix + 22 characters of its state),
   * without the `__Host-` prefix: 1-40 letters, digits, `_` or `-`. No other cookie of the app may start
   * with it. Default `wb_login_`.
   */
  stateCookiePrefix?: string;
  /**
   * Name of the cookie keeping the return URL while Wristband's login page asks for the tenant, without
   * the `__Host-` prefix: 1-64 letters, digits, `_` or `-`. Default `wb_return_url`.
   */
  returnUrlCookieName?: string;
}

/** Redis options (`redis`). The URL also works as the top-level `redisUrl`. */
export interface RedisStoreOptions {
  /** Connection URL, `redis://[[user]:password@]host:port/db` or `rediss://…`. Same as `redisUrl` (set one). */
  url?: string;
  /**
   * A Redis Cluster instead of one Redis (not with a URL): seed nodes, each `host:port` or
   * `redis://[[user]:password@]host:port` / `rediss://…`. The user name, password and TLS (`rediss://`)
   * apply to every node: give them on one entry or the same on all. The client learns the other nodes
   * from these. Key layout and behaviour are the same as on one Redis. Env: `REDIS_CLUSTER_NODES`
   * (comma-separated).
   */
  clusterNodes?: string[];
  /**
   * Prefix of every key the module writes (sessions, their per-user index, ended-session markers,
   * refresh locks), so several apps can share one Redis: 1-100 printable ASCII characters without
   * spaces, `{` or `}` (the module sets the Redis Cluster hash tags itself). Default `wristband:`.
   */
  keyPrefix?: string;
  /** Longest wait for one Redis command before the request answers 503, in milliseconds. Default 1000. */
  commandTimeoutMs?: number;
  /** Longest wait for a TCP connection (and its ready check), in milliseconds. Default 2000. */
  connectTimeoutMs?: number;
  /** Longest pause between two reconnection attempts while Redis is down, in milliseconds. Default 1000. */
  maxReconnectDelayMs?: number;
  /**
   * Lifetime of a session's refresh lock, in milliseconds: how long an instance that died while
   * refreshing blocks the session's refresh. Its holder renews it every third of this time, so at least
   * 300. Default 5000.
   */
  lockTtlMs?: number;
  /** Pause between two looks at Redis while another instance refreshes the session, in milliseconds. Default 50. */
  lockPollIntervalMs?: number;
  /**
   * Longest a request waits for another instance's refresh before answering 503, in milliseconds; at
   * least `lockPollIntervalMs`. Default 20000.
   */
  lockMaxWaitMs?: number;
  /**
   * How long an ended session's id stays blocked in Redis, in seconds, at least (it stays as long as the
   * session would have lived): a request that loaded the session before logout cannot write it back.
   * Default 600.
   */
  endedSessionMarkerSeconds?: number;
}

export interface TokenOptions {
  /**
   * Refresh this many seconds before the access token expires, but never more than half the token's
   * lifetime (so short-lived tokens are not refreshed on every request). Default 60.
   */
  expiryBufferSeconds?: number;
  /**
   * Timeout of one HTTP call to Wristband, in milliseconds. Default 5000. A refresh call is not repeated
   * when unanswered (that could reuse a rotated refresh token): it is waited for up to `refreshBudgetMs`,
   * then kept open this long more so that a late answer is still stored.
   */
  requestTimeoutMs?: number;
  /** Attempts for one refresh, the first included. Default 3. */
  refreshMaxAttempts?: number;
  /** Time budget of one refresh over all its attempts, in milliseconds. Default 10000. */
  refreshBudgetMs?: number;
  /** First backoff delay, in milliseconds; doubles each retry, with full jitter. Default 200. */
  retryBaseDelayMs?: number;
  /**
   * Sessions whose refresh each process remembers, in entries: a refreshed session for a minute (so
   * requests already on the wire with the old cookie take the new tokens instead of spending a rotated
   * refresh token), a failed refresh for its 5-second back-off. Default 10000.
   */
  recentRefreshCacheMaxEntries?: number;
}

export interface BearerOptions {
  /**
   * Accept only access tokens issued to these OAuth2 clients (`client_id` claim), e.g. this app's SPA and
   * mobile clients. Default: any client of the application (`request.user.clientId` says which one).
   * At least one id when set.
   */
  allowedClientIds?: string[];
  /** @deprecated Use `allowedClientIds: [id]`, its equivalent; setting both is a configuration error. */
  expectedClientId?: string;
  /** Accept only access tokens of this application (`app_id` claim). Default: any. */
  expectedAppId?: string;
  /** Clock tolerance for `exp`/`nbf`/`iat`, in seconds. Default 5. */
  clockToleranceSeconds?: number;
  /** Verified tokens kept in memory until they expire. Default 10000 entries. */
  cacheMaxEntries?: number;
  /**
   * Upper bound of the memory those verified tokens take, in bytes (an upper estimate per entry: the
   * token, its user and claims, the cache's slots; about 2.6 KB for a typical Wristband access token).
   * Whichever of `cacheMaxEntries` and `cacheMaxBytes` is reached first evicts the least recently used.
   * Default 33554432 (32 MiB).
   */
  cacheMaxBytes?: number;
  /**
   * Minimum time between two JWKS fetches caused by an unknown `kid`, in milliseconds. Default 30000. Beyond
   * it, at most one forced refetch per 5 s for ID tokens and one for bearer tokens (a key Wristband has just
   * rotated in).
   */
  jwksCooldownMs?: number;
}
