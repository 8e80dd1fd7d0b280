// Over 300 lines on purpose: every option's rule sits in one place, so one startup error can name every bad
// field at once; the rules are a flat list, read one at a time.
import { readClientSecretFile } from './client-secret.source.js';
import { WristbandConfigurationError } from './errors/wristband-configuration.error.js';
import { parseRedisClusterNodes } from './session/redis-cluster-nodes.js';
import { describeProblem, envVariableOf } from './wristband-options.env-sources.js';
import type { ResolvedWristbandOptions } from './interfaces/resolved-options.interface.js';
import type { WristbandModuleOptions } from './interfaces/wristband-module-options.interface.js';
import type { SessionStore } from './session/session-store.interface.js';
import {
  CSRF_COOKIE_NAME,
  LOGIN_STATE_COOKIE_PREFIX,
  RETURN_URL_COOKIE_NAME,
  SESSION_COOKIE_NAME,
} from './wristband.constants.js';

const HOST_PORT =
  /^(?=.{1,253}(?::\d{1,5})?$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$/i;
const MIN_SECRET_LENGTH = 32;
const DEFAULT_APP_ORIGIN = 'http://localhost:3001';
const DEFAULT_AUTH_ROUTE_PREFIX = 'auth';
/**
 * 10k typical Wristband sessions (about 4.9 KB each by the caches' estimate) and 10k access tokens (about
 * 2.6 KB) fit; the two together hold at most about 64 MB of real heap (the estimate is high by a fifth).
 */
const DEFAULT_SESSION_CACHE_MAX_BYTES = 48 * 1024 * 1024;
const DEFAULT_BEARER_CACHE_MAX_BYTES = 32 * 1024 * 1024;
/** Path segments Nest routes literally (no `:param`, no wildcard), joined by `/`. */
const ROUTE_PREFIX = /^(?:[A-Za-z0-9_~-][A-Za-z0-9._~-]*)(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*$/;
const COOKIE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const COOKIE_PREFIX = /^[A-Za-z0-9_-]{1,40}$/;
/** No `{` or `}`: the store sets its own Redis Cluster hash tags. */
const REDIS_KEY_PREFIX = /^[\x21-\x7a\x7c\x7e]{1,100}$/;
/** The refresh lock is renewed every third of its lifetime, and at most every 100 ms. */
const MIN_LOCK_TTL_MS = 300;
/** An OAuth2 client id as Wristband issues them; no spaces or commas, so a comma list can carry them. */
const CLIENT_ID = /^[\x21-\x2b\x2d-\x7e]{1,255}$/;

/** Field names of the options, so callers (e.g. env loaders) can translate problems to their own names. */
export type WristbandOptionField =
  | 'applicationVanityDomain'
  | 'clientId'
  | 'clientSecret'
  | 'clientSecretFile'
  | 'callbackUrl'
  | 'loginUrl'
  | 'scopes'
  | 'dangerouslyAllowHttp'
  | 'sessionSecrets'
  | 'allowedTenantCustomDomains'
  | 'defaultReturnPath'
  | 'postLogoutRedirectUrl'
  | 'session'
  | 'login'
  | 'tokens'
  | 'authStrategies'
  | 'bearer'
  | 'bearer.allowedClientIds'
  | 'authRoutePrefix'
  | 'redisUrl'
  | 'redis'
  | 'redis.clusterNodes'
  | 'sessionStore'
  | 'requestUserAccessor'
  | 'metrics';

export interface OptionProblem {
  field: WristbandOptionField;
  message: string;
  /** Another field the message names, for callers that translate field names (e.g. to variables). */
  related?: WristbandOptionField;
}

/** Every problem of the options at once; never echoes a secret. */
export function findOptionProblems(
  o: Partial<WristbandModuleOptions>,
  nodeEnv = process.env.NODE_ENV,
): OptionProblem[] {
  const problems: OptionProblem[] = [];
  const add: AddProblem = (field, message, related) =>
    problems.push({ field, message, ...(related ? { related } : {}) });

  if (!o.applicationVanityDomain) add('applicationVanityDomain', 'is required (host[:port])');
  else if (!HOST_PORT.test(o.applicationVanityDomain))
    add('applicationVanityDomain', 'must be a host[:port] without scheme or path');
  if (!o.clientId) add('clientId', 'is required');
  checkClientSecret(o, problems);

  const allowHttp = o.dangerouslyAllowHttp === true;
  if (allowHttp && nodeEnv === 'production')
    add('dangerouslyAllowHttp', 'is refused when NODE_ENV=production');

  const prefix = routePrefix(o.authRoutePrefix);
  if (prefix === undefined)
    add(
      'authRoutePrefix',
      'must be path segments of letters, digits, "-", "_", "." or "~" joined by "/", e.g. "auth" or "api/auth" ("" for the root)',
    );

  // The app's own URLs. Wristband's URLs and cookies follow only the flag: browsers keep `Secure` cookies
  // on loopback http (a secure context), so a local app on http://localhost needs no flag.
  const defaults = defaultAppUrls(prefix ?? DEFAULT_AUTH_ROUTE_PREFIX);
  const appUrls = {
    callbackUrl: o.callbackUrl ?? defaults.callbackUrl,
    loginUrl: o.loginUrl ?? defaults.loginUrl,
    postLogoutRedirectUrl: o.postLogoutRedirectUrl,
  };
  for (const [field, value] of Object.entries(appUrls) as [
    keyof typeof appUrls,
    string | undefined,
  ][]) {
    if (value === undefined) continue;
    const defaulted = o[field] === undefined ? ` (it defaults to ${value}: set it)` : '';
    const url = parseUrl(value);
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
      add(field, 'must be an absolute https URL');
    else if (url.protocol === 'http:' && nodeEnv === 'production')
      add(field, `must use https when NODE_ENV=production${defaulted}`);
    else if (url.protocol === 'http:' && !allowHttp && !isLoopbackHost(url.hostname))
      add(
        field,
        'must use https (http only on a loopback host: localhost, 127.x.x.x or [::1]; elsewhere only with dangerouslyAllowHttp)',
      );
  }

  if (o.scopes !== undefined) {
    if (!Array.isArray(o.scopes) || !o.scopes.includes('openid'))
      add('scopes', 'must include "openid"');
    else if (o.scopes.some((s) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s)))
      add('scopes', 'must be scope tokens without spaces or quotes');
  }

  if (!Array.isArray(o.sessionSecrets) || o.sessionSecrets.length === 0)
    add(
      'sessionSecrets',
      `is required: one or more secrets of at least ${MIN_SECRET_LENGTH} characters`,
    );
  else if (o.sessionSecrets.some((s) => typeof s !== 'string' || s.length < MIN_SECRET_LENGTH))
    add('sessionSecrets', `every secret must be at least ${MIN_SECRET_LENGTH} characters`);

  if (o.allowedTenantCustomDomains?.some((d) => !HOST_PORT.test(d)))
    add('allowedTenantCustomDomains', 'must be host[:port] values');
  if (o.defaultReturnPath !== undefined && !isSafeRelativePath(o.defaultReturnPath))
    add('defaultReturnPath', 'must be a path starting with a single "/"');
  else if (o.defaultReturnPath !== undefined && /[^\x21-\x7e]/.test(o.defaultReturnPath))
    // It becomes a `Location` header as it is.
    add('defaultReturnPath', 'must be percent-encoded (no spaces or non-ASCII characters)');

  const s = o.session ?? {};
  checkPositiveInt(s.idleTimeoutSeconds, 'session', 'idleTimeoutSeconds', add);
  checkPositiveInt(s.absoluteTimeoutSeconds, 'session', 'absoluteTimeoutSeconds', add);
  checkPositiveInt(s.cacheMaxEntries, 'session', 'cacheMaxEntries', add);
  checkPositiveInt(s.cacheMaxBytes, 'session', 'cacheMaxBytes', add);
  checkCookieNames(o, add);
  const t = o.tokens ?? {};
  checkPositiveInt(t.requestTimeoutMs, 'tokens', 'requestTimeoutMs', add);
  checkPositiveInt(t.refreshMaxAttempts, 'tokens', 'refreshMaxAttempts', add);
  checkPositiveInt(t.refreshBudgetMs, 'tokens', 'refreshBudgetMs', add);
  checkPositiveInt(t.retryBaseDelayMs, 'tokens', 'retryBaseDelayMs', add);
  checkPositiveInt(t.recentRefreshCacheMaxEntries, 'tokens', 'recentRefreshCacheMaxEntries', add);
  if (
    t.expiryBufferSeconds !== undefined &&
    !(Number.isInteger(t.expiryBufferSeconds) && t.expiryBufferSeconds >= 0)
  )
    add('tokens', 'expiryBufferSeconds must be an integer ≥ 0');
  const b = o.bearer ?? {};
  checkPositiveInt(b.cacheMaxEntries, 'bearer', 'cacheMaxEntries', add);
  checkPositiveInt(b.cacheMaxBytes, 'bearer', 'cacheMaxBytes', add);
  checkPositiveInt(b.jwksCooldownMs, 'bearer', 'jwksCooldownMs', add);
  if (b.allowedClientIds !== undefined) {
    if (!Array.isArray(b.allowedClientIds) || b.allowedClientIds.length === 0)
      add(
        'bearer.allowedClientIds',
        'must list at least one client id (leave it unset to accept every client)',
      );
    else if (b.allowedClientIds.some((id) => typeof id !== 'string' || !CLIENT_ID.test(id)))
      add('bearer.allowedClientIds', 'must be client ids without spaces or commas');
    if (b.expectedClientId !== undefined)
      add(
        'bearer.allowedClientIds',
        'and bearer.expectedClientId (deprecated) cannot both be set: keep allowedClientIds',
      );
  }
  if (
    b.clockToleranceSeconds !== undefined &&
    !(b.clockToleranceSeconds >= 0 && b.clockToleranceSeconds <= 300)
  )
    add('bearer', 'clockToleranceSeconds must be between 0 and 300');

  if (o.authStrategies !== undefined) {
    const ok =
      Array.isArray(o.authStrategies) &&
      o.authStrategies.length > 0 &&
      o.authStrategies.every((x) => x === 'session' || x === 'bearer');
    if (!ok) add('authStrategies', 'must be a non-empty list of "session" and/or "bearer"');
  }
  checkRedis(o, add);
  if (o.sessionStore !== undefined && !isSessionStore(o.sessionStore))
    add(
      'sessionStore',
      'must implement SessionStore: read(), write() and destroy() functions (readSync() optional)',
    );
  if (o.requestUserAccessor !== undefined && typeof o.requestUserAccessor !== 'boolean')
    add('requestUserAccessor', 'must be true or false');
  if (o.metrics !== undefined && !isMetricsOptions(o.metrics))
    add('metrics', 'must be an object, with registry a prom-client Registry when given');
  return problems;
}

type AddProblem = (
  field: WristbandOptionField,
  message: string,
  related?: WristbandOptionField,
) => void;

/** Exactly one of `clientSecret` and `clientSecretFile`; the file readable and not empty (content never shown). */
function checkClientSecret(o: Partial<WristbandModuleOptions>, problems: OptionProblem[]): void {
  const hasSecret = o.clientSecret !== undefined && o.clientSecret !== '';
  const hasFile = o.clientSecretFile !== undefined && o.clientSecretFile !== '';
  const related = 'clientSecretFile';
  if (hasSecret && hasFile)
    problems.push({
      field: 'clientSecret',
      related,
      message: 'and clientSecretFile are both set: set exactly one',
    });
  else if (!hasSecret && !hasFile)
    problems.push({
      field: 'clientSecret',
      related,
      message: 'or clientSecretFile is required: set exactly one',
    });
  else if (hasFile) {
    const read =
      typeof o.clientSecretFile === 'string'
        ? readClientSecretFile(o.clientSecretFile)
        : { problem: 'must be a file path' };
    if ('problem' in read) problems.push({ field: 'clientSecretFile', message: read.problem });
  } else if (typeof o.clientSecret !== 'string')
    problems.push({ field: 'clientSecret', message: 'must be a string' });
}

/**
 * Wristband sends the browser to `callbackUrl`: while the module serves the auth routes, that must be
 * their callback (anything before it, such as a global prefix, is free). Needs the graph options, which
 * only the module knows (an env loader does not), so it is not part of `findOptionProblems`.
 */
function findRouteProblems(o: Partial<WristbandModuleOptions>): OptionProblem[] {
  const prefix = routePrefix(o.authRoutePrefix);
  if (prefix === undefined || o.registerAuthRoutes === false) return [];
  const callbackPath = parseUrl(
    o.callbackUrl ?? defaultAppUrls(prefix).callbackUrl,
  )?.pathname.replace(/\/+$/, '');
  const expected = prefix === '' ? '/callback' : `/${prefix}/callback`;
  if (callbackPath === undefined || callbackPath.endsWith(expected)) return [];
  return [
    {
      field: 'callbackUrl',
      message: `must end with ${expected}, the callback route (authRoutePrefix "${prefix}")`,
    },
  ];
}

function checkRedis(o: Partial<WristbandModuleOptions>, add: AddProblem): void {
  const r = o.redis ?? {};
  if (o.redisUrl !== undefined && !isRedisUrl(o.redisUrl))
    add('redisUrl', 'must be a redis:// or rediss:// URL');
  if (r.url !== undefined && !isRedisUrl(r.url))
    add('redis', 'url must be a redis:// or rediss:// URL');
  if (o.redisUrl !== undefined && r.url !== undefined)
    add('redis', 'url and redisUrl cannot both be set: keep one');
  if ((o.redisUrl !== undefined || r.url !== undefined) && o.sessionStore !== undefined)
    add(
      'sessionStore',
      'cannot be combined with a Redis URL (redisUrl / redis.url): choose one session store',
    );
  if (r.clusterNodes !== undefined) {
    for (const problem of parseRedisClusterNodes(r.clusterNodes).problems)
      add('redis.clusterNodes', problem);
    if (o.redisUrl !== undefined)
      add('redis.clusterNodes', 'and redisUrl cannot both be set: keep one', 'redisUrl');
    if (r.url !== undefined)
      add('redis.clusterNodes', 'and redis.url cannot both be set: keep one');
    if (o.sessionStore !== undefined)
      add('sessionStore', 'cannot be combined with redis.clusterNodes: choose one session store');
  }
  if (
    r.keyPrefix !== undefined &&
    !(typeof r.keyPrefix === 'string' && REDIS_KEY_PREFIX.test(r.keyPrefix))
  )
    add('redis', 'keyPrefix must be 1-100 printable ASCII characters without spaces, { or }');
  checkPositiveInt(r.commandTimeoutMs, 'redis', 'commandTimeoutMs', add);
  checkPositiveInt(r.connectTimeoutMs, 'redis', 'connectTimeoutMs', add);
  checkPositiveInt(r.maxReconnectDelayMs, 'redis', 'maxReconnectDelayMs', add);
  checkPositiveInt(r.lockPollIntervalMs, 'redis', 'lockPollIntervalMs', add);
  checkPositiveInt(r.lockMaxWaitMs, 'redis', 'lockMaxWaitMs', add);
  checkPositiveInt(r.endedSessionMarkerSeconds, 'redis', 'endedSessionMarkerSeconds', add);
  if (
    r.lockTtlMs !== undefined &&
    !(Number.isInteger(r.lockTtlMs) && r.lockTtlMs >= MIN_LOCK_TTL_MS)
  )
    add('redis', `lockTtlMs must be an integer ≥ ${MIN_LOCK_TTL_MS}`);
  const poll = r.lockPollIntervalMs ?? 50;
  const wait = r.lockMaxWaitMs ?? 20_000;
  if (Number.isInteger(poll) && Number.isInteger(wait) && poll > 0 && wait > 0 && poll > wait)
    add('redis', `lockPollIntervalMs (${poll}) must not exceed lockMaxWaitMs (${wait})`);
}

/** Each cookie name valid, and no two of the module's cookies able to take the same name. */
function checkCookieNames(o: Partial<WristbandModuleOptions>, add: AddProblem): void {
  const s = o.session ?? {};
  const l = o.login ?? {};
  const bad = (value: unknown, pattern: RegExp) =>
    value !== undefined && !(typeof value === 'string' && pattern.test(value));
  if (bad(s.cookieName, COOKIE_NAME))
    add('session', 'cookieName must be 1-64 letters, digits, "_" or "-"');
  if (bad(s.csrfCookieName, COOKIE_NAME))
    add('session', 'csrfCookieName must be 1-64 letters, digits, "_" or "-"');
  if (bad(l.stateCookiePrefix, COOKIE_PREFIX))
    add('login', 'stateCookiePrefix must be 1-40 letters, digits, "_" or "-"');
  if (bad(l.returnUrlCookieName, COOKIE_NAME))
    add('login', 'returnUrlCookieName must be 1-64 letters, digits, "_" or "-"');

  const names = cookieNames(o);
  const named: [string, string][] = [
    ['session.cookieName', names.session],
    ['session.csrfCookieName', names.csrf],
    ['login.returnUrlCookieName', names.returnUrl],
  ];
  for (let i = 0; i < named.length; i++) {
    for (let j = i + 1; j < named.length; j++) {
      if (named[i][1] === named[j][1])
        add(
          j === 2 ? 'login' : 'session',
          `cookie names must differ: ${named[i][0]} and ${named[j][0]} are both "${named[i][1]}"`,
        );
    }
  }
  for (const [option, name] of named) {
    if (name.startsWith(names.loginStatePrefix))
      add(
        'login',
        `stateCookiePrefix "${names.loginStatePrefix}" must not start another cookie's name (${option} "${name}")`,
      );
  }
}

function cookieNames(o: Partial<WristbandModuleOptions>) {
  return {
    session: o.session?.cookieName ?? SESSION_COOKIE_NAME,
    csrf: o.session?.csrfCookieName ?? CSRF_COOKIE_NAME,
    loginStatePrefix: o.login?.stateCookiePrefix ?? LOGIN_STATE_COOKIE_PREFIX,
    returnUrl: o.login?.returnUrlCookieName ?? RETURN_URL_COOKIE_NAME,
  };
}

/** The prefix without leading or trailing slashes; `undefined` when invalid. */
function routePrefix(value: unknown): string | undefined {
  if (value === undefined) return DEFAULT_AUTH_ROUTE_PREFIX;
  if (typeof value !== 'string') return undefined;
  const prefix = value.replace(/^\/+|\/+$/g, '');
  return prefix === '' || ROUTE_PREFIX.test(prefix) ? prefix : undefined;
}

function defaultAppUrls(prefix: string): { callbackUrl: string; loginUrl: string } {
  const base = prefix === '' ? DEFAULT_APP_ORIGIN : `${DEFAULT_APP_ORIGIN}/${prefix}`;
  return { callbackUrl: `${base}/callback`, loginUrl: `${base}/login` };
}

function isRedisUrl(value: unknown): boolean {
  const url = typeof value === 'string' ? parseUrl(value) : undefined;
  return url !== undefined && (url.protocol === 'redis:' || url.protocol === 'rediss:');
}

function isMetricsOptions(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const registry = (value as { registry?: Partial<Record<string, unknown>> }).registry;
  return (
    registry === undefined ||
    (typeof registry?.registerMetric === 'function' &&
      typeof registry.getSingleMetric === 'function')
  );
}

function isSessionStore(value: unknown): boolean {
  const store = value as Partial<Record<keyof SessionStore, unknown>> | null;
  return (
    typeof store === 'object' &&
    store !== null &&
    typeof store.read === 'function' &&
    typeof store.write === 'function' &&
    typeof store.destroy === 'function' &&
    (store.readSync === undefined || typeof store.readSync === 'function')
  );
}

/**
 * Validates and fills defaults; throws one `WristbandConfigurationError` naming every bad field. Takes
 * the graph options too (as the module does), so it also checks that `callbackUrl` reaches the callback
 * route the module serves. A field that still holds what `wristbandOptionsFromEnv` read is named by its
 * variable, the option in parentheses: `WRISTBAND_CALLBACK_URL (callbackUrl) must end with …`.
 */
export function resolveWristbandOptions(o: WristbandModuleOptions): ResolvedWristbandOptions {
  const problems = [...findOptionProblems(o), ...findRouteProblems(o)];
  if (problems.length)
    throw new WristbandConfigurationError(problems.map((p) => describeProblem(p, nameIn(o))));

  const dangerouslyAllowHttp = o.dangerouslyAllowHttp === true;
  const scheme = dangerouslyAllowHttp ? 'http' : 'https';
  const vanity = o.applicationVanityDomain.toLowerCase();
  const authRoutePrefix = routePrefix(o.authRoutePrefix)!;
  const defaults = defaultAppUrls(authRoutePrefix);
  const callbackUrl = o.callbackUrl ?? defaults.callbackUrl;
  const names = cookieNames(o);
  const redisUrl = o.redisUrl ?? o.redis?.url;
  const clusterNodes = o.redis?.clusterNodes;
  return {
    applicationVanityDomain: vanity,
    clientId: o.clientId,
    ...clientSecretOptions(o),
    callbackUrl,
    loginUrl: o.loginUrl ?? defaults.loginUrl,
    scopes: o.scopes ?? ['openid', 'offline_access', 'email', 'profile', 'roles'],
    isApplicationCustomDomainActive: o.isApplicationCustomDomainActive === true,
    dangerouslyAllowHttp,
    sessionSecrets: [...o.sessionSecrets],
    allowedTenantCustomDomains: (o.allowedTenantCustomDomains ?? []).map((d) => d.toLowerCase()),
    defaultReturnPath: o.defaultReturnPath ?? '/',
    postLogoutRedirectUrl: o.postLogoutRedirectUrl,
    wristbandBaseUrl: `${scheme}://${vanity}`,
    issuer: `${scheme}://${vanity}`,
    appOrigin: new URL(callbackUrl).origin,
    secureCookies: !dangerouslyAllowHttp,
    authRoutePrefix,
    registerAuthRoutes: o.registerAuthRoutes !== false,
    session: {
      idleTimeoutSeconds: o.session?.idleTimeoutSeconds ?? 3600,
      absoluteTimeoutSeconds: o.session?.absoluteTimeoutSeconds ?? 43_200,
      cookieName: names.session,
      csrfCookieName: names.csrf,
      cacheMaxEntries: o.session?.cacheMaxEntries ?? 10_000,
      cacheMaxBytes: o.session?.cacheMaxBytes ?? DEFAULT_SESSION_CACHE_MAX_BYTES,
    },
    login: { stateCookiePrefix: names.loginStatePrefix, returnUrlCookieName: names.returnUrl },
    tokens: {
      expiryBufferSeconds: o.tokens?.expiryBufferSeconds ?? 60,
      requestTimeoutMs: o.tokens?.requestTimeoutMs ?? 5000,
      refreshMaxAttempts: o.tokens?.refreshMaxAttempts ?? 3,
      refreshBudgetMs: o.tokens?.refreshBudgetMs ?? 10_000,
      retryBaseDelayMs: o.tokens?.retryBaseDelayMs ?? 200,
      recentRefreshCacheMaxEntries: o.tokens?.recentRefreshCacheMaxEntries ?? 10_000,
    },
    authStrategies: o.authStrategies ?? ['session', 'bearer'],
    bearer: {
      allowedClientIds: allowedClientIds(o.bearer),
      expectedAppId: o.bearer?.expectedAppId,
      clockToleranceSeconds: o.bearer?.clockToleranceSeconds ?? 5,
      cacheMaxEntries: o.bearer?.cacheMaxEntries ?? 10_000,
      cacheMaxBytes: o.bearer?.cacheMaxBytes ?? DEFAULT_BEARER_CACHE_MAX_BYTES,
      jwksCooldownMs: o.bearer?.jwksCooldownMs ?? 30_000,
    },
    redisUrl,
    redis:
      redisUrl === undefined && clusterNodes === undefined
        ? undefined
        : {
            ...(redisUrl !== undefined ? { url: redisUrl } : {}),
            ...(clusterNodes !== undefined
              ? { cluster: parseRedisClusterNodes(clusterNodes).target! }
              : {}),
            keyPrefix: o.redis?.keyPrefix ?? 'wristband:',
            commandTimeoutMs: o.redis?.commandTimeoutMs ?? 1000,
            connectTimeoutMs: o.redis?.connectTimeoutMs ?? 2000,
            maxReconnectDelayMs: o.redis?.maxReconnectDelayMs ?? 1000,
            lockTtlMs: o.redis?.lockTtlMs ?? 5000,
            lockPollIntervalMs: o.redis?.lockPollIntervalMs ?? 50,
            lockMaxWaitMs: o.redis?.lockMaxWaitMs ?? 20_000,
            endedSessionMarkerSeconds: o.redis?.endedSessionMarkerSeconds ?? 600,
          },
    sessionStore: o.sessionStore,
    requestUserAccessor: o.requestUserAccessor === true,
    fetch: o.fetch ?? globalThis.fetch.bind(globalThis),
    metrics: o.metrics && { ...o.metrics },
  };
}

/** A same-origin path: one leading slash, no scheme-relative `//` or `/\`, no control characters. */
export function isSafeRelativePath(path: string): boolean {
  return (
    path.length <= 2048 &&
    path.startsWith('/') &&
    !path.startsWith('//') &&
    !path.startsWith('/\\') &&
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    !/[\u0000-\u001f\u007f\\]/.test(path)
  );
}

/**
 * Hosts browsers treat as a secure context over http (Chromium and Firefox keep `Secure` cookies there).
 * `hostname` as `URL` gives it: lower-case, IPv4 normalised, IPv6 in brackets.
 */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** The secret now (the file read once more: validation read it a moment ago) and the file to read later. */
function clientSecretOptions(
  o: WristbandModuleOptions,
): Pick<ResolvedWristbandOptions, 'clientSecret' | 'clientSecretFile'> {
  if (!o.clientSecretFile) return { clientSecret: o.clientSecret! };
  const read = readClientSecretFile(o.clientSecretFile);
  if ('problem' in read)
    throw new WristbandConfigurationError([
      describeProblem({ field: 'clientSecretFile', message: read.problem }, nameIn(o)),
    ]);
  return { clientSecret: read.secret, clientSecretFile: o.clientSecretFile };
}

/** How a message names a field of `o`: `VARIABLE (field)` when its value came from the environment. */
function nameIn(o: object): (field: WristbandOptionField) => string {
  return (field) => {
    const variable = envVariableOf(o, field);
    return variable ? `${variable} (${field})` : field;
  };
}

function allowedClientIds(b: WristbandModuleOptions['bearer']): readonly string[] | undefined {
  if (b?.allowedClientIds !== undefined) return Object.freeze([...b.allowedClientIds]);
  return b?.expectedClientId !== undefined ? Object.freeze([b.expectedClientId]) : undefined;
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function checkPositiveInt(
  value: number | undefined,
  field: WristbandOptionField,
  name: string,
  add: AddProblem,
): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0))
    add(field, `${name} must be a positive integer`);
}
