/** Options of `WristbandModule.forRoot()` / `forRootAsync()`. Validated once, at startup. */
export interface WristbandModuleOptions {
  /** Application vanity domain, `host[:port]` without scheme, e.g. `invotastic-acme.us.wristband.dev`. */
  applicationVanityDomain: string;
  /** OAuth2 client id of the Wristband "Backend Server" client. */
  clientId: string;
  /** OAuth2 client secret. Never logged. */
  clientSecret: string;
  /** Absolute callback URL registered at Wristband. Default `http://localhost:3001/auth/callback`. */
  callbackUrl?: string;
  /** Absolute URL of this app's login route (Wristband sends tenant discovery here). Default `http://localhost:3001/auth/login`. */
  loginUrl?: string;
  /** Scopes requested at login. Default `['openid', 'offline_access', 'email', 'profile', 'roles']`. */
  scopes?: string[];
  /** Tenant host is `{tenant}.{vanity}` instead of `{tenant}-{vanity}`. Default `false`. */
  isApplicationCustomDomainActive?: boolean;
  /**
   * Use `http://` for every Wristband URL and drop `Secure` from cookies. Local development only:
   * refused when `NODE_ENV=production`. Default `false`.
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
  tokens?: TokenOptions;
  /** Install `WristbandGuard` for every route (default-deny); opt out with `@Public()`. Default `false`. */
  globalGuard?: boolean;
  /** Which credentials `WristbandGuard` accepts, in order. Default `['session', 'bearer']`. */
  authStrategies?: AuthStrategyName[];
  bearer?: BearerOptions;
  /** Register the `/auth/*` routes (login, callback, logout, session, token). Default `true`. */
  registerAuthRoutes?: boolean;
  /** Redis connection URL; when set, sessions live in Redis and the cookie holds only a sealed id. */
  redisUrl?: string;
  /** `fetch` used for every call to Wristband (tests and proxies). Default: global `fetch`. */
  fetch?: typeof fetch;
}

export type AuthStrategyName = 'session' | 'bearer';

export interface SessionOptions {
  /** Session ends after this long without a request, in seconds. Default 3600 (1 h). */
  idleTimeoutSeconds?: number;
  /** Session ends this long after login whatever happens, in seconds. Default 43200 (12 h). */
  absoluteTimeoutSeconds?: number;
  /** Cookie name, without the `__Host-` prefix added when cookies are Secure. Default `wb_session`. */
  cookieName?: string;
}

export interface TokenOptions {
  /** Refresh this many seconds before the access token expires. Default 60. */
  expiryBufferSeconds?: number;
  /** Timeout of one HTTP call to Wristband, in milliseconds. Default 5000. */
  requestTimeoutMs?: number;
  /** Attempts for one refresh, the first included. Default 3. */
  refreshMaxAttempts?: number;
  /** Time budget of one refresh over all its attempts, in milliseconds. Default 10000. */
  refreshBudgetMs?: number;
  /** First backoff delay, in milliseconds; doubles each retry, with full jitter. Default 200. */
  retryBaseDelayMs?: number;
}

export interface BearerOptions {
  /** Accept only access tokens issued to this client id (`client_id` claim). Default: any. */
  expectedClientId?: string;
  /** Accept only access tokens of this application (`app_id` claim). Default: any. */
  expectedAppId?: string;
  /** Clock tolerance for `exp`/`nbf`/`iat`, in seconds. Default 5. */
  clockToleranceSeconds?: number;
  /** Verified tokens kept in memory until they expire. Default 10000 entries. */
  cacheMaxEntries?: number;
  /** Minimum time between two JWKS fetches, in milliseconds. Default 30000. */
  jwksCooldownMs?: number;
}
