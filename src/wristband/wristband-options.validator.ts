import { WristbandConfigurationError } from './errors/wristband-configuration.error.js';
import type { ResolvedWristbandOptions } from './interfaces/resolved-options.interface.js';
import type { WristbandModuleOptions } from './interfaces/wristband-module-options.interface.js';

const HOST_PORT = /^(?=.{1,253}(?::\d{1,5})?$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$/i;
const MIN_SECRET_LENGTH = 32;

/** Field names of the options, so callers (e.g. env loaders) can translate problems to their own names. */
export type WristbandOptionField =
  | 'applicationVanityDomain'
  | 'clientId'
  | 'clientSecret'
  | 'callbackUrl'
  | 'loginUrl'
  | 'scopes'
  | 'dangerouslyAllowHttp'
  | 'sessionSecrets'
  | 'allowedTenantCustomDomains'
  | 'defaultReturnPath'
  | 'postLogoutRedirectUrl'
  | 'session'
  | 'tokens'
  | 'authStrategies'
  | 'bearer'
  | 'redisUrl';

export interface OptionProblem {
  field: WristbandOptionField;
  message: string;
}

/** Every problem of the options at once; never echoes a secret. */
export function findOptionProblems(
  o: Partial<WristbandModuleOptions>,
  nodeEnv = process.env.NODE_ENV,
): OptionProblem[] {
  const problems: OptionProblem[] = [];
  const add = (field: WristbandOptionField, message: string) => problems.push({ field, message });

  if (!o.applicationVanityDomain) add('applicationVanityDomain', 'is required (host[:port])');
  else if (!HOST_PORT.test(o.applicationVanityDomain))
    add('applicationVanityDomain', 'must be a host[:port] without scheme or path');
  if (!o.clientId) add('clientId', 'is required');
  if (!o.clientSecret) add('clientSecret', 'is required');

  const allowHttp = o.dangerouslyAllowHttp === true;
  if (allowHttp && nodeEnv === 'production')
    add('dangerouslyAllowHttp', 'is refused when NODE_ENV=production');

  for (const field of ['callbackUrl', 'loginUrl', 'postLogoutRedirectUrl'] as const) {
    const value = o[field];
    if (value === undefined) continue;
    const url = parseUrl(value);
    if (!url) add(field, 'must be an absolute URL');
    else if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:'))
      add(field, 'must use https (http only with dangerouslyAllowHttp)');
  }

  if (o.scopes !== undefined) {
    if (!Array.isArray(o.scopes) || !o.scopes.includes('openid'))
      add('scopes', 'must include "openid"');
    else if (o.scopes.some((s) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s)))
      add('scopes', 'must be scope tokens without spaces or quotes');
  }

  if (!Array.isArray(o.sessionSecrets) || o.sessionSecrets.length === 0)
    add('sessionSecrets', `is required: one or more secrets of at least ${MIN_SECRET_LENGTH} characters`);
  else if (o.sessionSecrets.some((s) => typeof s !== 'string' || s.length < MIN_SECRET_LENGTH))
    add('sessionSecrets', `every secret must be at least ${MIN_SECRET_LENGTH} characters`);

  if (o.allowedTenantCustomDomains?.some((d) => !HOST_PORT.test(d)))
    add('allowedTenantCustomDomains', 'must be host[:port] values');
  if (o.defaultReturnPath !== undefined && !isSafeRelativePath(o.defaultReturnPath))
    add('defaultReturnPath', 'must be a path starting with a single "/"');

  const s = o.session ?? {};
  checkPositiveInt(s.idleTimeoutSeconds, 'session', 'idleTimeoutSeconds', add);
  checkPositiveInt(s.absoluteTimeoutSeconds, 'session', 'absoluteTimeoutSeconds', add);
  if (s.cookieName !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(s.cookieName))
    add('session', 'cookieName must be 1-64 letters, digits, "_" or "-"');
  const t = o.tokens ?? {};
  checkPositiveInt(t.requestTimeoutMs, 'tokens', 'requestTimeoutMs', add);
  checkPositiveInt(t.refreshMaxAttempts, 'tokens', 'refreshMaxAttempts', add);
  checkPositiveInt(t.refreshBudgetMs, 'tokens', 'refreshBudgetMs', add);
  checkPositiveInt(t.retryBaseDelayMs, 'tokens', 'retryBaseDelayMs', add);
  if (t.expiryBufferSeconds !== undefined && !(Number.isInteger(t.expiryBufferSeconds) && t.expiryBufferSeconds >= 0))
    add('tokens', 'expiryBufferSeconds must be an integer ≥ 0');
  const b = o.bearer ?? {};
  checkPositiveInt(b.cacheMaxEntries, 'bearer', 'cacheMaxEntries', add);
  checkPositiveInt(b.jwksCooldownMs, 'bearer', 'jwksCooldownMs', add);
  if (b.clockToleranceSeconds !== undefined && !(b.clockToleranceSeconds >= 0 && b.clockToleranceSeconds <= 300))
    add('bearer', 'clockToleranceSeconds must be between 0 and 300');

  if (o.authStrategies !== undefined) {
    const ok = Array.isArray(o.authStrategies) && o.authStrategies.length > 0 &&
      o.authStrategies.every((x) => x === 'session' || x === 'bearer');
    if (!ok) add('authStrategies', 'must be a non-empty list of "session" and/or "bearer"');
  }
  if (o.redisUrl !== undefined) {
    const url = parseUrl(o.redisUrl);
    if (!url || !['redis:', 'rediss:'].includes(url.protocol))
      add('redisUrl', 'must be a redis:// or rediss:// URL');
  }
  return problems;
}

/** Validates and fills defaults; throws one `WristbandConfigurationError` naming every bad field. */
export function resolveWristbandOptions(o: WristbandModuleOptions): ResolvedWristbandOptions {
  const problems = findOptionProblems(o);
  if (problems.length) throw new WristbandConfigurationError(problems.map((p) => `${p.field} ${p.message}`));

  const dangerouslyAllowHttp = o.dangerouslyAllowHttp === true;
  const scheme = dangerouslyAllowHttp ? 'http' : 'https';
  const vanity = o.applicationVanityDomain.toLowerCase();
  const callbackUrl = o.callbackUrl ?? 'http://localhost:3001/auth/callback';
  return {
    applicationVanityDomain: vanity,
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    callbackUrl,
    loginUrl: o.loginUrl ?? 'http://localhost:3001/auth/login',
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
    session: {
      idleTimeoutSeconds: o.session?.idleTimeoutSeconds ?? 3600,
      absoluteTimeoutSeconds: o.session?.absoluteTimeoutSeconds ?? 43_200,
      cookieName: o.session?.cookieName ?? 'wb_session',
    },
    tokens: {
      expiryBufferSeconds: o.tokens?.expiryBufferSeconds ?? 60,
      requestTimeoutMs: o.tokens?.requestTimeoutMs ?? 5000,
      refreshMaxAttempts: o.tokens?.refreshMaxAttempts ?? 3,
      refreshBudgetMs: o.tokens?.refreshBudgetMs ?? 10_000,
      retryBaseDelayMs: o.tokens?.retryBaseDelayMs ?? 200,
    },
    globalGuard: o.globalGuard === true,
    authStrategies: o.authStrategies ?? ['session', 'bearer'],
    bearer: {
      expectedClientId: o.bearer?.expectedClientId,
      expectedAppId: o.bearer?.expectedAppId,
      clockToleranceSeconds: o.bearer?.clockToleranceSeconds ?? 5,
      cacheMaxEntries: o.bearer?.cacheMaxEntries ?? 10_000,
      jwksCooldownMs: o.bearer?.jwksCooldownMs ?? 30_000,
    },
    registerAuthRoutes: o.registerAuthRoutes !== false,
    redisUrl: o.redisUrl,
    fetch: o.fetch ?? globalThis.fetch.bind(globalThis),
  };
}

/** A same-origin path: one leading slash, no scheme-relative `//` or `/\`, no control characters. */
export function isSafeRelativePath(path: string): boolean {
  return (
    path.length <= 2048 &&
    path.startsWith('/') &&
    !path.startsWith('//') &&
    !path.startsWith('/\\') &&
    !/[\u0000-\u001f\u007f\\]/.test(path)
  );
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
  add: (f: WristbandOptionField, m: string) => void,
): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) add(field, `${name} must be a positive integer`);
}
