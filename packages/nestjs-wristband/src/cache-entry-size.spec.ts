import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import type { LRUCache } from 'lru-cache';
import { detachedString, heapBytes, shareStrings, stringBytes } from './cache-entry-size.js';
import { cookieFromHeader } from './http/http-exchange.js';
import type { ResolvedWristbandOptions } from './interfaces/resolved-options.interface.js';
import type { WristbandSession } from './interfaces/wristband-session.interface.js';
import { BearerTokenVerifier } from './jwt/bearer-token.verifier.js';
import type { WristbandJwks } from './jwt/wristband-jwks.js';
import { CookieSealer } from './session/cookie-sealer.js';
import { CookieSessionStore } from './session/cookie-session.store.js';

// The real heap, after full collections: what a filled cache keeps alive.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapUsed = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const ENTRIES = 1500;
const MiB = 1024 * 1024;
const ISSUER = 'https://acme.example';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Wristband-shaped userinfo claims and access token (WRISTBAND-API.md), distinct per user. */
function claims(i: number) {
  return {
    iss: ISSUER,
    sub: `user-${i}-${randomBytes(13).toString('base64url')}`,
    sub_kind: 'user',
    client_id: 'f5itnhb2rbd4xhsi6ccvyqhfbm',
    tnt_id: 'eiyrd4risyktag5dfjmtq6pal3',
    tnt_name: 'acme',
    app_id: 'zqbhmvy6nfdgrcvsvdoxk5m4zq',
    idp_name: 'wristband',
    van_dom: 'invotastic-acme.us.wristband.dev',
    scope: 'openid offline_access email profile roles',
    amr: ['pwd'],
    name: 'Alice Anderson',
    email: `alice${i}@acme.test`,
    email_verified: true,
    roles: [
      { id: 'r1', name: 'app:invotastic:admin', display_name: 'Admin' },
      { id: 'r2', name: 'app:invotastic:billing', display_name: 'Billing' },
    ],
    custom_claims: { plan: 'enterprise', seats: 25 },
  };
}

function session(i: number): WristbandSession {
  const c = claims(i);
  const header = b64({ alg: 'RS256', kid: 'k1', typ: 'at+JWT' });
  return {
    id: randomBytes(24).toString('base64url'),
    userId: c.sub,
    tenantId: c.tnt_id,
    tenantName: c.tnt_name,
    identityProviderName: c.idp_name,
    email: c.email,
    roles: c.roles.map((r) => r.name),
    claims: c,
    accessToken: `${header}.${b64({ ...c, exp: 2e9 })}.${randomBytes(256).toString('base64url')}`,
    accessTokenExpiresAt: 1_900_000_000_000,
    refreshToken: randomBytes(32).toString('base64url'),
    csrfToken: randomBytes(24).toString('base64url'),
    createdAt: 1_800_000_000_000,
    lastSeenAt: 1_800_000_100_000,
  };
}

/** As the guard gets them: cut from a request header that carries more than the credential. */
const otherCookies = `_ga=${'g'.repeat(1500)}; theme=dark`;
const fromCookieHeader = (sealed: string) =>
  cookieFromHeader(`${otherCookies}; wb_session=${sealed}`, 'wb_session')!;

const lru = (holder: object, field: string) =>
  (holder as Record<string, LRUCache<string, object>>)[field];

describe('byte-bounded caches', () => {
  const sealer = new CookieSealer(['s'.repeat(32)]);
  let tokens: string[];
  let jwks: WristbandJwks;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const publicJwk: JWK = await exportJWK(publicKey);
    const key = await importJWK(publicJwk, 'RS256');
    jwks = { getKey: () => Promise.resolve(key) } as unknown as WristbandJwks;
    tokens = await Promise.all(
      Array.from({ length: ENTRIES }, (_, i) =>
        new SignJWT({ ...claims(i), iss: undefined })
          .setProtectedHeader({ alg: 'RS256', typ: 'at+JWT', kid: 'k1' })
          .setIssuer(ISSUER)
          .setIssuedAt()
          .setExpirationTime('1h')
          .setJti(randomBytes(16).toString('base64url'))
          .sign(privateKey),
      ),
    );
  }, 60_000);

  it('estimates strings by their encoding and never shares a header', () => {
    expect(stringBytes('abc')).toBe(24);
    expect(stringBytes('日本')).toBe(24);
    expect(stringBytes('x'.repeat(100))).toBe(16 + 104);
    expect(heapBytes({ a: 'abc', b: [1, 'x'] })).toBeGreaterThan(24 + 24);
    const value = fromCookieHeader('abc.def');
    expect(detachedString(value)).toBe('abc.def');
    expect(detachedString('日本')).toBe('日本');
  });

  it('session cache: the estimate is at least what the entries really take', async () => {
    const cookies = await Promise.all(
      Array.from({ length: ENTRIES }, (_, i) => new CookieSessionStore(sealer).write(session(i))),
    );
    const store = new CookieSessionStore(sealer, ENTRIES, 256 * MiB);
    const before = heapUsed();
    for (const cookie of cookies) expect(store.readSync(fromCookieHeader(cookie))).toBeDefined();
    const grown = heapUsed() - before;
    const cache = lru(store, 'opened');
    expect(cache.size).toBe(ENTRIES);
    expect(cache.calculatedSize).toBeGreaterThanOrEqual(grown);
    // Conservative, not absurd: a budget buys a fair share of the entries it could hold.
    expect(cache.calculatedSize).toBeLessThan(3 * grown);
  });

  it('session cache: never more than its byte budget', async () => {
    const cookies = await Promise.all(
      Array.from({ length: ENTRIES }, (_, i) => new CookieSessionStore(sealer).write(session(i))),
    );
    const store = new CookieSessionStore(sealer, ENTRIES, 1 * MiB);
    const before = heapUsed();
    for (const cookie of cookies) expect(store.readSync(fromCookieHeader(cookie))).toBeDefined();
    const grown = heapUsed() - before;
    const cache = lru(store, 'opened');
    expect(cache.calculatedSize).toBeLessThanOrEqual(1 * MiB);
    expect(cache.size).toBeLessThan(ENTRIES);
    expect(grown).toBeLessThanOrEqual(1 * MiB);
    // The most recent cookie is the one kept.
    expect(cache.has(cookies[ENTRIES - 1].slice(0, 44))).toBe(true);
  });

  const verifier = (maxBytes: number) =>
    new BearerTokenVerifier(
      {
        issuer: ISSUER,
        bearer: {
          clockToleranceSeconds: 5,
          cacheMaxEntries: ENTRIES,
          cacheMaxBytes: maxBytes,
          jwksCooldownMs: 30_000,
        },
      } as ResolvedWristbandOptions,
      jwks,
    );
  const bearerHeader = (token: string) => `Bearer ${token}`.slice(7);

  it('bearer cache: the estimate is at least what the entries really take', async () => {
    const v = verifier(256 * MiB);
    const before = heapUsed();
    for (const token of tokens) await v.verify(bearerHeader(token));
    const grown = heapUsed() - before;
    const cache = lru(v, 'cache');
    expect(cache.size).toBe(ENTRIES);
    expect(cache.calculatedSize).toBeGreaterThanOrEqual(grown);
    expect(cache.calculatedSize).toBeLessThan(3 * grown);
  });

  it('bearer cache: never more than its byte budget', async () => {
    const v = verifier(1 * MiB);
    const before = heapUsed();
    for (const token of tokens) await v.verify(bearerHeader(token));
    const grown = heapUsed() - before;
    const cache = lru(v, 'cache');
    expect(cache.calculatedSize).toBeLessThanOrEqual(1 * MiB);
    expect(cache.size).toBeLessThan(ENTRIES);
    expect(grown).toBeLessThanOrEqual(1 * MiB);
    expect(v.cached(tokens[ENTRIES - 1])).toBeDefined();
  });
});

describe('shareStrings', () => {
  it('keeps every value, and leaves frozen parts alone', () => {
    const frozen = Object.freeze({ name: 'app:invotastic:admin' });
    const value = {
      sub: 'u1',
      roles: ['app:invotastic:admin', { id: 'r1' }],
      long: 'x'.repeat(500),
      n: 1,
      frozen,
    };
    const copy = structuredClone(value);
    expect(shareStrings(value)).toBe(value);
    expect(value).toEqual(copy);
    expect(value.frozen).toBe(frozen);
  });
});
