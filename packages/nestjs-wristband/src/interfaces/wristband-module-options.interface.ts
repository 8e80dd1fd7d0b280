/** Options of `WristbandModule.forRoot()` / `forRootAsync()`. Validated once, at startup. */
export interface WristbandModuleOptions {
  /** Application vanity domain, `host[:port]` without scheme, e.g. `invotastic-acme.us.wristband.dev`. */
  applicationVanityDomain: string;
  /** OAuth2 client id of the Wristband "Backend Server" client. */
  clientId: string;
  /** OAuth2 client secret. Never logged. */
  clientSecret: string;
  /**
   * Absolute callback URL registered at Wristband. Default `http://localhost:3001/auth/callback`.
   * `https`, or `http` on a loopback host (`localhost`, `127.x.x.x`, `[::1]`) outside production, or any
   * `http` with `dangerouslyAllowHttp`. Same rule for `loginUrl` and `postLogoutRedirectUrl`.
   */
  callbackUrl?: string;
  /** Absolute URL of this app's login route (Wristband sends tenant discovery here). Default `http://localhost:3001/auth/login`. */
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
   * Register the `/auth/*` routes (login, callback, logout, session, token). Default `true`.
   * Shapes the module graph: with `forRootAsync` it goes next to `useFactory`, never in its result.
   */
  registerAuthRoutes?: boolean;
  /** Redis connection URL; when set, sessions live in Redis and the cookie holds only a sealed id. */
  redisUrl?: string;
  /** `fetch` used for every call to Wristband (tests and proxies). Default: global `fetch`. */
  fetch?: typeof fetch;
}

export type AuthStrategyName = 'session' | 'bearer';

/** Options that decide which providers and controllers the module has, so they are read before any factory runs. */
export type WristbandModuleGraphOptionName = 'globalGuard' | 'registerAuthRoutes';

/**
 * What a `forRootAsync` factory (`useFactory`, or `create()` of `useClass` / `useExisting`) returns:
 * every option except `globalGuard` and `registerAuthRoutes`. Nest builds the module graph before the
 * factory runs, so those two could not take effect from here; they go next to `useFactory`, and one
 * found in the factory's result (JavaScript, a cast) stops the app at startup.
 */
export type WristbandModuleFactoryOptions = Omit<WristbandModuleOptions, WristbandModuleGraphOptionName> & {
  [K in WristbandModuleGraphOptionName]?: never;
};

export interface SessionOptions {
  /** Session ends after this long without a request, in seconds. Default 3600 (1 h). */
  idleTimeoutSeconds?: number;
  /** Session ends this long after login whatever happens, in seconds. Default 43200 (12 h). */
  absoluteTimeoutSeconds?: number;
  /** Cookie name, without the `__Host-` prefix added when cookies are Secure. Default `wb_session`. */
  cookieName?: string;
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
  /** Minimum time between two JWKS fetches, in milliseconds. Default 30000. */
  jwksCooldownMs?: number;
}
