import { jest } from '@jest/globals';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { TokenValidationError } from '../errors/wristband.errors.js';
import type { ResolvedWristbandOptions } from '../interfaces/resolved-options.interface.js';
import { IdTokenVerifier, isUnverifiableNow } from './id-token.verifier.js';
import { FORCED_RELOAD_INTERVAL_MS, WristbandJwks } from './wristband-jwks.js';

const BASE = 'https://acme.wristband.test';
const ISSUER = BASE;
const CLIENT_ID = 'our-client';

type Key = {
  kid: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  jwk: JWK;
};

async function newKey(kid: string): Promise<Key> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  return {
    kid,
    privateKey,
    jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
  };
}

/** A Wristband whose JWKS serves `served` and counts its fetches. */
function keyServer(served: Key[]) {
  const state = { served, fetches: 0, fail: false };
  const fetch = (async () => {
    state.fetches++;
    if (state.fail) return new Response('down', { status: 503 });
    return Response.json({ keys: state.served.map((k) => k.jwk) });
  }) as typeof globalThis.fetch;
  return { state, fetch };
}

function options(fetch: typeof globalThis.fetch): ResolvedWristbandOptions {
  return {
    wristbandBaseUrl: BASE,
    issuer: ISSUER,
    clientId: CLIENT_ID,
    fetch,
    tokens: { requestTimeoutMs: 5_000 },
    bearer: { jwksCooldownMs: 30_000, clockToleranceSeconds: 5 },
  } as unknown as ResolvedWristbandOptions;
}

function idToken(key: Key, claims: JWTPayload = {}): Promise<string> {
  return new SignJWT({ sub: 'user-1', tnt_id: 'tenant-1', nonce: 'n-1', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setIssuer(ISSUER)
    .setAudience(claims.aud ?? CLIENT_ID)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key.privateKey);
}

async function rejection(p: Promise<unknown>): Promise<TokenValidationError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TokenValidationError);
  return err as TokenValidationError;
}

describe('IdTokenVerifier', () => {
  let k1: Key;
  let k2: Key;
  let now: number;

  beforeAll(async () => {
    [k1, k2] = await Promise.all([newKey('k1'), newKey('k2')]);
  });
  beforeEach(() => {
    // The forced-fetch interval runs on performance.now(); the tests move it by hand.
    now = 1_000_000;
    jest.spyOn(performance, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  function setup(served: Key[] = [k1]) {
    const server = keyServer(served);
    const opts = options(server.fetch);
    const jwks = new WristbandJwks(opts);
    return { server, jwks, verifier: new IdTokenVerifier(opts, jwks) };
  }

  describe('aud and azp (OpenID Connect Core 3.1.3.7)', () => {
    it.each([
      ['aud = client id', { aud: CLIENT_ID }],
      ['aud = [client id]', { aud: [CLIENT_ID] }],
      ['aud = [client id], azp = client id', { aud: [CLIENT_ID], azp: CLIENT_ID }],
      ['aud = [client id, other], azp = client id', { aud: [CLIENT_ID, 'other'], azp: CLIENT_ID }],
      ['aud = client id, azp = client id', { aud: CLIENT_ID, azp: CLIENT_ID }],
    ])('accepted: %s', async (_, claims) => {
      const { verifier } = setup();
      await expect(verifier.verify(await idToken(k1, claims), 'n-1')).resolves.toMatchObject({
        sub: 'user-1',
      });
    });

    it.each([
      [
        'aud = [client id, other], no azp',
        { aud: [CLIENT_ID, 'other-client'] },
        'ID token has several audiences and no azp naming this client',
      ],
      [
        'aud = [client id, other], azp = other',
        { aud: [CLIENT_ID, 'other-client'], azp: 'other-client' },
        'ID token azp is not this client',
      ],
      [
        'aud = client id, azp = other',
        { aud: CLIENT_ID, azp: 'other-client' },
        'ID token azp is not this client',
      ],
      [
        'aud = [other], azp = client id',
        { aud: ['other-client'], azp: CLIENT_ID },
        'ID token rejected (ERR_JWT_CLAIM_VALIDATION_FAILED)',
      ],
    ])('refused: %s', async (_, claims, message) => {
      const { verifier } = setup();
      const err = await rejection(verifier.verify(await idToken(k1, claims), 'n-1'));
      expect(err.code).toBe('id_token_invalid');
      expect(err.message).toBe(message);
      expect(isUnverifiableNow(err)).toBe(false);
    });
  });

  describe('a kid the cached keys lack', () => {
    it('after a key rotation within the cooldown: one forced fetch, and the token is accepted', async () => {
      const { server, verifier } = setup([k1]);
      await verifier.verify(await idToken(k1), 'n-1');
      expect(server.state.fetches).toBe(1);
      server.state.served = [k1, k2]; // Wristband rotates
      await expect(verifier.verify(await idToken(k2), 'n-1')).resolves.toMatchObject({
        sub: 'user-1',
      });
      expect(server.state.fetches).toBe(2);
    });

    it('concurrent logins share one forced fetch', async () => {
      const { server, verifier } = setup([k1]);
      await verifier.verify(await idToken(k1), 'n-1');
      server.state.served = [k1, k2];
      const tokens = await Promise.all(Array.from({ length: 10 }, () => idToken(k2)));
      await Promise.all(tokens.map((t) => verifier.verify(t, 'n-1')));
      expect(server.state.fetches).toBe(2);
    });

    it('a kid still unknown after the fetch is refused as before; at most one forced fetch per interval', async () => {
      const { server, verifier } = setup([k1]);
      await verifier.verify(await idToken(k1), 'n-1');
      const unknown = await idToken(k2); // never served
      const first = await rejection(verifier.verify(unknown, 'n-1'));
      expect(first.message).toBe('ID token rejected (ERR_JWKS_NO_MATCHING_KEY)');
      expect(isUnverifiableNow(first)).toBe(true); // refresh keeps its behaviour
      expect(server.state.fetches).toBe(2);
      // A burst within the interval: no further fetch.
      await Promise.all(
        Array.from({ length: 10 }, () => rejection(verifier.verify(unknown, 'n-1'))),
      );
      expect(server.state.fetches).toBe(2);
      now += FORCED_RELOAD_INTERVAL_MS;
      await rejection(verifier.verify(unknown, 'n-1'));
      expect(server.state.fetches).toBe(3);
    });

    it('another rotation within the interval: refused until the interval has passed', async () => {
      const { server, verifier } = setup([k1]);
      await verifier.verify(await idToken(k1), 'n-1');
      const k3 = await newKey('k3');
      server.state.served = [k1, k2];
      await verifier.verify(await idToken(k2), 'n-1');
      expect(server.state.fetches).toBe(2);
      server.state.served = [k1, k2, k3];
      await rejection(verifier.verify(await idToken(k3), 'n-1'));
      expect(server.state.fetches).toBe(2);
      now += FORCED_RELOAD_INTERVAL_MS;
      await verifier.verify(await idToken(k3), 'n-1');
      expect(server.state.fetches).toBe(3);
    });

    it('a failed forced fetch: refused as an unknown key, unverifiable now', async () => {
      const { server, verifier } = setup([k1]);
      await verifier.verify(await idToken(k1), 'n-1');
      server.state.served = [k1, k2];
      server.state.fail = true;
      const err = await rejection(verifier.verify(await idToken(k2), 'n-1'));
      expect(err.message).toBe('ID token rejected (ERR_JWKS_NO_MATCHING_KEY)');
      expect(isUnverifiableNow(err)).toBe(true);
      expect(server.state.fetches).toBe(2);
    });

    it('bearer tokens have a budget of their own', async () => {
      const { server, jwks, verifier } = setup([k1]);
      await verifier.verify(await idToken(k1), 'n-1');
      await jwks.reloadForUnknownKid('bearer');
      expect(server.state.fetches).toBe(2);
      await jwks.reloadForUnknownKid('bearer');
      expect(server.state.fetches).toBe(2);
      server.state.served = [k1, k2];
      await verifier.verify(await idToken(k2), 'n-1');
      expect(server.state.fetches).toBe(3);
    });
  });
});
