import { WristbandConfigurationError } from './errors/wristband-configuration.error.js';
import type { ResolvedWristbandOptions } from './interfaces/resolved-options.interface.js';
import type { WristbandModuleOptions } from './interfaces/wristband-module-options.interface.js';

const HOST_PORT = /^(?=.{1,253}(?::\d{1,5})?$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$/i;
const MIN_SECRET_LENGTH = 32;
const DEFAULT_CALLBACK_URL = 'http://localhost:3001/auth/callback';
const DEFAULT_LOGIN_URL = 'http://localhost:3001/auth/login';
/** An OAuth2 client id as Wristband issues them; no spaces or commas, so a comma list can carry them. */
const CLIENT_ID = /^[\x21-\x2b\x2d-\x7e]{1,255}$/;

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
  | 'bearer.allowedClientIds'
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

  // The app's own URLs. Wristband's URLs and cookies follow only the flag: browsers keep `Secure` cookies
  // on loopback http (a secure context), so a local app on http://localhost needs no flag.
  const appUrls = { callbackUrl: o.callbackUrl ?? DEFAULT_CALLBACK_URL, loginUrl: o.loginUrl ?? DEFAULT_LOGIN_URL, postLogoutRedirectUrl: o.postLogoutRedirectUrl };
  for (const [field, value] of Object.entries(appUrls) as [keyof typeof appUrls, string | undefined][]) {
    if (value === undefined) continue;
    const defaulted = o[field] === undefined ? ` (it defaults to ${value}: set it)` : '';
    const url = parseUrl(value);
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) add(field, 'must be an absolute https URL');
    else if (url.protocol === 'http:' && nodeEnv === 'production') add(field, `must use https when NODE_ENV=production${defaulted}`);
    else if (url.protocol === 'http:' && !allowHttp && !isLoopbackHost(url.hostname))
      add(field, 'must use https (http only on a loopback host: localhost, 127.x.x.x or [::1]; elsewhere only with dangerouslyAllowHttp)');
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
  if (b.allowedClientIds !== undefined) {
    if (!Array.isArray(b.allowedClientIds) || b.allowedClientIds.length === 0)
      add('bearer.allowedClientIds', 'must list at least one client id (leave it unset to accept every client)');
    else if (b.allowedClientIds.some((id) => typeof id !== 'string' || !CLIENT_ID.test(id)))
      add('bearer.allowedClientIds', 'must be client ids without spaces or commas');
    if (b.expectedClientId !== undefined)
      add('bearer.allowedClientIds', 'and bearer.expectedClientId (deprecated) cannot both be set: keep allowedClientIds');
  }
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
  const callbackUrl = o.callbackUrl ?? DEFAULT_CALLBACK_URL;
  return {
    applicationVanityDomain: vanity,
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    callbackUrl,
    loginUrl: o.loginUrl ?? DEFAULT_LOGIN_URL,
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
    authStrategies: o.authStrategies ?? ['session', 'bearer'],
    bearer: {
      allowedClientIds: allowedClientIds(o.bearer),
      expectedAppId: o.bearer?.expectedAppId,
      clockToleranceSeconds: o.bearer?.clockToleranceSeconds ?? 5,
      cacheMaxEntries: o.bearer?.cacheMaxEntries ?? 10_000,
      jwksCooldownMs: o.bearer?.jwksCooldownMs ?? 30_000,
    },
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

/**
 * Hosts browsers treat as a secure context over http (Chromium and Firefox keep `Secure` cookies there).
 * `hostname` as `URL` gives it: lower-case, IPv4 normalised, IPv6 in brackets.
 */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
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
  add: (f: WristbandOptionField, m: string) => void,
): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) add(field, `${name} must be a positive integer`);
}
