import type { WristbandModuleOptions } from './interfaces/wristband-module-options.interface.js';
import { WristbandConfigurationError } from './errors/wristband-configuration.error.js';
import {
  findOptionProblems,
  isLoopbackHost,
  resolveWristbandOptions,
} from './wristband-options.validator.js';

const base: WristbandModuleOptions = {
  applicationVanityDomain: 'invotastic-acme.us.wristband.dev',
  clientId: 'client-id',
  clientSecret: 'client-secret',
  sessionSecrets: ['s'.repeat(32)],
};
const messages = (o: Partial<WristbandModuleOptions>, nodeEnv?: string) =>
  findOptionProblems(o, nodeEnv).map((p) => `${p.field} ${p.message}`);

describe('app URLs on loopback http', () => {
  it('starts with the defaults (http://localhost:3001) and no flag: Wristband stays https, cookies stay Secure', () => {
    const resolved = resolveWristbandOptions(base);
    expect(resolved).toMatchObject({
      callbackUrl: 'http://localhost:3001/auth/callback',
      loginUrl: 'http://localhost:3001/auth/login',
      appOrigin: 'http://localhost:3001',
      dangerouslyAllowHttp: false,
      wristbandBaseUrl: 'https://invotastic-acme.us.wristband.dev',
      issuer: 'https://invotastic-acme.us.wristband.dev',
      secureCookies: true,
    });
  });

  it.each([
    'http://localhost:3001',
    'http://127.0.0.1:3001',
    'http://127.8.9.10',
    'http://[::1]:3001',
    'http://LOCALHOST:3001',
  ])('%s is accepted for every app URL without the flag', (origin) => {
    expect(
      messages(
        {
          ...base,
          callbackUrl: `${origin}/auth/callback`,
          loginUrl: `${origin}/auth/login`,
          postLogoutRedirectUrl: `${origin}/`,
        },
        'development',
      ),
    ).toEqual([]);
  });

  it.each([
    'http://app.example.com',
    'http://localhost.example.com',
    'http://127.0.0.1.nip.io',
    'http://10.0.0.5:3001',
    'http://[::2]',
  ])('%s (not loopback) needs the flag', (origin) => {
    expect(messages({ ...base, callbackUrl: `${origin}/auth/callback` })).toEqual([
      'callbackUrl must use https (http only on a loopback host: localhost, 127.x.x.x or [::1]; elsewhere only with dangerouslyAllowHttp)',
    ]);
    expect(
      messages({ ...base, callbackUrl: `${origin}/auth/callback`, dangerouslyAllowHttp: true }),
    ).toEqual([]);
  });

  it('the flag keeps its meaning: http Wristband URLs, cookies without Secure', () => {
    expect(resolveWristbandOptions({ ...base, dangerouslyAllowHttp: true })).toMatchObject({
      wristbandBaseUrl: 'http://invotastic-acme.us.wristband.dev',
      issuer: 'http://invotastic-acme.us.wristband.dev',
      secureCookies: false,
    });
  });

  it('production refuses http app URLs (loopback and defaults too) and the flag', () => {
    expect(
      messages(
        {
          ...base,
          callbackUrl: 'http://localhost:3001/auth/callback',
          loginUrl: 'https://app.example.com/auth/login',
        },
        'production',
      ),
    ).toEqual(['callbackUrl must use https when NODE_ENV=production']);
    expect(messages(base, 'production')).toEqual([
      'callbackUrl must use https when NODE_ENV=production (it defaults to http://localhost:3001/auth/callback: set it)',
      'loginUrl must use https when NODE_ENV=production (it defaults to http://localhost:3001/auth/login: set it)',
    ]);
    const https = {
      ...base,
      callbackUrl: 'https://app.example.com/auth/callback',
      loginUrl: 'https://app.example.com/auth/login',
    };
    expect(messages(https, 'production')).toEqual([]);
    expect(messages({ ...https, dangerouslyAllowHttp: true }, 'production')).toEqual([
      'dangerouslyAllowHttp is refused when NODE_ENV=production',
    ]);
    expect(
      messages({ ...https, postLogoutRedirectUrl: 'http://127.0.0.1/' }, 'production'),
    ).toEqual(['postLogoutRedirectUrl must use https when NODE_ENV=production']);
  });

  it('other schemes and relative URLs are refused', () => {
    expect(
      messages({ ...base, callbackUrl: 'ftp://localhost/auth/callback', loginUrl: '/auth/login' }),
    ).toEqual([
      'callbackUrl must be an absolute https URL',
      'loginUrl must be an absolute https URL',
    ]);
  });

  it('isLoopbackHost takes URL hostnames', () => {
    expect(['localhost', '127.0.0.1', '127.255.0.1', '[::1]'].map(isLoopbackHost)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(
      ['localhost.', 'example.localhost.com', '128.0.0.1', '::1', '0.0.0.0'].map(isLoopbackHost),
    ).toEqual([false, false, false, false, false]);
  });
});

describe('bearer client pinning', () => {
  it('allowedClientIds is kept; the deprecated expectedClientId means the same as a list of one', () => {
    expect(
      resolveWristbandOptions({ ...base, bearer: { allowedClientIds: ['spa', 'mobile'] } }).bearer
        .allowedClientIds,
    ).toEqual(['spa', 'mobile']);
    expect(
      resolveWristbandOptions({ ...base, bearer: { expectedClientId: 'spa' } }).bearer
        .allowedClientIds,
    ).toEqual(['spa']);
    expect(resolveWristbandOptions(base).bearer.allowedClientIds).toBeUndefined();
  });

  it('refuses an empty list, bad ids, and both forms at once', () => {
    expect(messages({ ...base, bearer: { allowedClientIds: [] } })).toEqual([
      'bearer.allowedClientIds must list at least one client id (leave it unset to accept every client)',
    ]);
    expect(messages({ ...base, bearer: { allowedClientIds: ['a,b'] } })).toEqual([
      'bearer.allowedClientIds must be client ids without spaces or commas',
    ]);
    expect(
      messages({ ...base, bearer: { allowedClientIds: ['spa'], expectedClientId: 'spa' } }),
    ).toEqual([
      'bearer.allowedClientIds and bearer.expectedClientId (deprecated) cannot both be set: keep allowedClientIds',
    ]);
  });
});

describe('auth route prefix', () => {
  it('defaults to auth; the default app URLs follow the prefix', () => {
    expect(resolveWristbandOptions(base)).toMatchObject({
      authRoutePrefix: 'auth',
      registerAuthRoutes: true,
    });
    expect(resolveWristbandOptions({ ...base, authRoutePrefix: 'account' })).toMatchObject({
      authRoutePrefix: 'account',
      callbackUrl: 'http://localhost:3001/account/callback',
      loginUrl: 'http://localhost:3001/account/login',
    });
    expect(resolveWristbandOptions({ ...base, authRoutePrefix: '/api/auth/' })).toMatchObject({
      authRoutePrefix: 'api/auth',
      callbackUrl: 'http://localhost:3001/api/auth/callback',
    });
    expect(resolveWristbandOptions({ ...base, authRoutePrefix: '' })).toMatchObject({
      authRoutePrefix: '',
      callbackUrl: 'http://localhost:3001/callback',
      loginUrl: 'http://localhost:3001/login',
    });
  });

  it.each([':tenant', 'a//b', '..', 'a b', 'auth/*', 'ä'])('refuses %j', (authRoutePrefix) => {
    expect(messages({ ...base, authRoutePrefix })).toEqual([
      'authRoutePrefix must be path segments of letters, digits, "-", "_", "." or "~" joined by "/", e.g. "auth" or "api/auth" ("" for the root)',
    ]);
  });

  it.each([
    ['//evil.com', 'must be a path starting with a single "/"'],
    ['home', 'must be a path starting with a single "/"'],
    ['/caf\u00e9', 'must be percent-encoded (no spaces or non-ASCII characters)'],
    ['/a b', 'must be percent-encoded (no spaces or non-ASCII characters)'],
  ])('refuses defaultReturnPath %j', (defaultReturnPath, problem) => {
    expect(messages({ ...base, defaultReturnPath })).toEqual([`defaultReturnPath ${problem}`]);
  });

  it('accepts a percent-encoded defaultReturnPath with a query', () => {
    expect(messages({ ...base, defaultReturnPath: '/caf%C3%A9?tab=1#top' })).toEqual([]);
  });

  it('needs callbackUrl to reach the callback route while the module serves it (a global prefix before it is fine)', () => {
    const resolve = (o: Partial<WristbandModuleOptions>) => () =>
      resolveWristbandOptions({ ...base, ...o });
    expect(
      resolve({ authRoutePrefix: 'account', callbackUrl: 'http://localhost:3001/auth/callback' }),
    ).toThrow(
      'callbackUrl must end with /account/callback, the callback route (authRoutePrefix "account")',
    );
    expect(resolve({ callbackUrl: 'http://localhost:3001/oauth/callback' })).toThrow(
      'callbackUrl must end with /auth/callback, the callback route (authRoutePrefix "auth")',
    );
    expect(
      resolve({
        authRoutePrefix: 'account',
        callbackUrl: 'http://localhost:3001/api/account/callback',
      }),
    ).not.toThrow();
    expect(
      resolve({ registerAuthRoutes: false, callbackUrl: 'http://localhost:3001/oauth/callback' }),
    ).not.toThrow();
    // Without the graph options (an env loader) nothing is known about the routes.
    expect(messages({ ...base, callbackUrl: 'http://localhost:3001/account/callback' })).toEqual(
      [],
    );
  });

  it('names the option, with no variable, when the options were written in code', () => {
    let error: unknown;
    try {
      resolveWristbandOptions({ ...base, callbackUrl: 'http://localhost:3001/callback' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(WristbandConfigurationError);
    expect((error as WristbandConfigurationError).problems).toEqual([
      'callbackUrl must end with /auth/callback, the callback route (authRoutePrefix "auth")',
    ]);
  });
});

describe('cookie names and cache sizes', () => {
  it('default to the documented values', () => {
    const o = resolveWristbandOptions(base);
    expect(o.session).toEqual({
      idleTimeoutSeconds: 3600,
      absoluteTimeoutSeconds: 43_200,
      cookieName: 'wb_session',
      csrfCookieName: 'CSRF-TOKEN',
      cacheMaxEntries: 10_000,
      cacheMaxBytes: 48 * 1024 * 1024,
    });
    expect(o.login).toEqual({
      stateCookiePrefix: 'wb_login_',
      returnUrlCookieName: 'wb_return_url',
    });
    expect(o.tokens.recentRefreshCacheMaxEntries).toBe(10_000);
    expect(o.bearer.cacheMaxEntries).toBe(10_000);
    expect(o.bearer.cacheMaxBytes).toBe(32 * 1024 * 1024);
  });

  it('takes every name and size given', () => {
    const o = resolveWristbandOptions({
      ...base,
      session: {
        cookieName: 'app_sid',
        csrfCookieName: 'XSRF-TOKEN',
        cacheMaxEntries: 200,
        cacheMaxBytes: 4096,
      },
      bearer: { cacheMaxBytes: 8192 },
      login: { stateCookiePrefix: 'app_login_', returnUrlCookieName: 'app_return' },
      tokens: { recentRefreshCacheMaxEntries: 300 },
    });
    expect(o.session).toMatchObject({
      cookieName: 'app_sid',
      csrfCookieName: 'XSRF-TOKEN',
      cacheMaxEntries: 200,
      cacheMaxBytes: 4096,
    });
    expect(o.bearer.cacheMaxBytes).toBe(8192);
    expect(o.login).toEqual({ stateCookiePrefix: 'app_login_', returnUrlCookieName: 'app_return' });
    expect(o.tokens.recentRefreshCacheMaxEntries).toBe(300);
  });

  it('refuses bad names and sizes, each named', () => {
    expect(
      messages({
        ...base,
        session: { csrfCookieName: 'CSRF TOKEN', cacheMaxEntries: 0 },
        login: { stateCookiePrefix: 'x'.repeat(41), returnUrlCookieName: 'return;url' },
        tokens: { recentRefreshCacheMaxEntries: 1.5 },
      }),
    ).toEqual([
      'session cacheMaxEntries must be a positive integer',
      'session csrfCookieName must be 1-64 letters, digits, "_" or "-"',
      'login stateCookiePrefix must be 1-40 letters, digits, "_" or "-"',
      'login returnUrlCookieName must be 1-64 letters, digits, "_" or "-"',
      'tokens recentRefreshCacheMaxEntries must be a positive integer',
    ]);
  });

  it('refuses two cookies with one name, and a login-state prefix that starts another cookie', () => {
    expect(messages({ ...base, session: { cookieName: 'sid', csrfCookieName: 'sid' } })).toEqual([
      'session cookie names must differ: session.cookieName and session.csrfCookieName are both "sid"',
    ]);
    expect(messages({ ...base, login: { returnUrlCookieName: 'CSRF-TOKEN' } })).toEqual([
      'login cookie names must differ: session.csrfCookieName and login.returnUrlCookieName are both "CSRF-TOKEN"',
    ]);
    expect(messages({ ...base, login: { stateCookiePrefix: 'wb_' } })).toEqual([
      'login stateCookiePrefix "wb_" must not start another cookie\'s name (session.cookieName "wb_session")',
      'login stateCookiePrefix "wb_" must not start another cookie\'s name (login.returnUrlCookieName "wb_return_url")',
    ]);
  });
});

describe('redis options', () => {
  it('resolve only with a URL, from redisUrl or redis.url, with every default', () => {
    expect(
      resolveWristbandOptions({ ...base, redis: { keyPrefix: 'app:' } }).redis,
    ).toBeUndefined();
    const defaults = {
      url: 'redis://127.0.0.1:6379',
      keyPrefix: 'wristband:',
      commandTimeoutMs: 1000,
      connectTimeoutMs: 2000,
      maxReconnectDelayMs: 1000,
      lockTtlMs: 5000,
      lockPollIntervalMs: 50,
      lockMaxWaitMs: 20_000,
      endedSessionMarkerSeconds: 600,
    };
    expect(resolveWristbandOptions({ ...base, redisUrl: 'redis://127.0.0.1:6379' }).redis).toEqual(
      defaults,
    );
    const tuned = {
      url: 'rediss://cache.internal:6380/2',
      keyPrefix: 'invotastic:auth:',
      commandTimeoutMs: 300,
      connectTimeoutMs: 700,
      maxReconnectDelayMs: 5000,
      lockTtlMs: 3000,
      lockPollIntervalMs: 25,
      lockMaxWaitMs: 8000,
      endedSessionMarkerSeconds: 900,
    };
    const o = resolveWristbandOptions({ ...base, redis: tuned });
    expect(o.redis).toEqual(tuned);
    expect(o.redisUrl).toBe(tuned.url);
  });

  it('refuses every bad value at once', () => {
    expect(
      messages({
        ...base,
        redisUrl: 'redis://a:6379',
        redis: {
          url: 'http://b:6379',
          keyPrefix: 'has space',
          commandTimeoutMs: 0,
          connectTimeoutMs: -1,
          maxReconnectDelayMs: 1.5,
          lockTtlMs: 299,
          lockPollIntervalMs: 500,
          lockMaxWaitMs: 400,
          endedSessionMarkerSeconds: 0,
        },
      }),
    ).toEqual([
      'redis url must be a redis:// or rediss:// URL',
      'redis url and redisUrl cannot both be set: keep one',
      'redis keyPrefix must be 1-100 printable ASCII characters without spaces, { or }',
      'redis commandTimeoutMs must be a positive integer',
      'redis connectTimeoutMs must be a positive integer',
      'redis maxReconnectDelayMs must be a positive integer',
      'redis endedSessionMarkerSeconds must be a positive integer',
      'redis lockTtlMs must be an integer ≥ 300',
      'redis lockPollIntervalMs (500) must not exceed lockMaxWaitMs (400)',
    ]);
  });
});

describe('sessionStore and requestUserAccessor', () => {
  const store = {
    read: () => Promise.resolve(undefined),
    write: () => Promise.resolve('value'),
    destroy: () => Promise.resolve(),
  };

  it('takes a store with read, write and destroy', () => {
    expect(resolveWristbandOptions({ ...base, sessionStore: store }).sessionStore).toBe(store);
    expect(resolveWristbandOptions(base).sessionStore).toBeUndefined();
  });

  it('refuses something else, and a store next to a Redis URL', () => {
    const notAStore = { read: store.read, write: store.write } as unknown as typeof store;
    expect(messages({ ...base, sessionStore: notAStore })).toEqual([
      'sessionStore must implement SessionStore: read(), write() and destroy() functions (readSync() optional)',
    ]);
    expect(
      messages({ ...base, sessionStore: { ...store, readSync: 'yes' } as unknown as typeof store }),
    ).toEqual([
      'sessionStore must implement SessionStore: read(), write() and destroy() functions (readSync() optional)',
    ]);
    expect(
      messages({ ...base, sessionStore: store, redis: { url: 'redis://127.0.0.1:6379' } }),
    ).toEqual([
      'sessionStore cannot be combined with a Redis URL (redisUrl / redis.url): choose one session store',
    ]);
  });

  it('requestUserAccessor is off unless set to true', () => {
    expect(resolveWristbandOptions(base).requestUserAccessor).toBe(false);
    expect(
      resolveWristbandOptions({ ...base, requestUserAccessor: true }).requestUserAccessor,
    ).toBe(true);
    expect(messages({ ...base, requestUserAccessor: 'yes' as unknown as boolean })).toEqual([
      'requestUserAccessor must be true or false',
    ]);
  });
});

describe('one error for everything', () => {
  it('names every bad field of the new options in one WristbandConfigurationError', () => {
    let error: unknown;
    try {
      resolveWristbandOptions({
        ...base,
        authRoutePrefix: ':x',
        session: { csrfCookieName: '' },
        login: { returnUrlCookieName: 'a b' },
        redis: { url: 'redis://127.0.0.1', lockTtlMs: 10 },
        tokens: { recentRefreshCacheMaxEntries: 0 },
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(WristbandConfigurationError);
    expect((error as Error).message.split('\n').slice(1)).toEqual([
      '  - authRoutePrefix must be path segments of letters, digits, "-", "_", "." or "~" joined by "/", e.g. "auth" or "api/auth" ("" for the root)',
      '  - session csrfCookieName must be 1-64 letters, digits, "_" or "-"',
      '  - login returnUrlCookieName must be 1-64 letters, digits, "_" or "-"',
      '  - tokens recentRefreshCacheMaxEntries must be a positive integer',
      '  - redis lockTtlMs must be an integer ≥ 300',
    ]);
  });
});
