import { randomBytes } from 'node:crypto';
import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import { CookieSealer } from './cookie-sealer.js';
import { CookieSessionStore } from './cookie-session.store.js';
import { decodeSessionCookie, encodeSessionCookie } from './session-cookie.codec.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = () =>
  `${b64({ alg: 'RS256', kid: 'k1', typ: 'at+JWT' })}.${b64({ iss: 'https://acme.example', sub: 'u1', tnt_id: 't1', exp: 2e9 })}.${randomBytes(256).toString('base64url')}`;

const claims = {
  sub: 'hfagr2zgbpeivisf7fnymyqphf',
  tnt_id: 'eiyrd4risyktag5dfjmtq6pal3',
  tnt_name: 'acme',
  idp_name: 'wristband',
  name: 'Alice Anderson',
  middle_name: null,
  picture: null,
  email: 'alice@acme.test',
  email_verified: true,
  roles: [
    { id: 'r1', name: 'app:invotastic:admin', display_name: 'Admin' },
    { id: 'r2', name: 'app:invotastic:billing', display_name: 'Billing' },
  ],
  custom_claims: { plan: 'enterprise', seats: 25 },
};

function session(overrides: Partial<WristbandSession> = {}): WristbandSession {
  return {
    id: randomBytes(24).toString('base64url'),
    userId: claims.sub,
    tenantId: claims.tnt_id,
    tenantName: 'acme',
    identityProviderName: 'wristband',
    email: 'alice@acme.test',
    roles: ['app:invotastic:admin', 'app:invotastic:billing'],
    claims,
    accessToken: jwt(),
    accessTokenExpiresAt: 1_900_000_000_000,
    refreshToken: randomBytes(32).toString('base64url'),
    csrfToken: randomBytes(24).toString('base64url'),
    createdAt: 1_800_000_000_000,
    lastSeenAt: 1_800_000_100_000,
    ...overrides,
  };
}

describe('session cookie encoding', () => {
  it('gives back the same session', () => {
    const s = session();
    expect(decodeSessionCookie(encodeSessionCookie(s))).toEqual(s);
  });

  it('is at least a fifth smaller than the session as JSON', () => {
    const s = session();
    expect(encodeSessionCookie(s).length).toBeLessThan(Buffer.byteLength(JSON.stringify(s)) * 0.8);
  });

  it('keeps session fields that differ from their claims', () => {
    const s = session({
      identityProviderName: 'wristband', // default when userinfo has no idp_name
      claims: { sub: 'u1', tnt_id: 't1', email: 'someone@else.test' },
      userId: 'u1',
      tenantId: 't1',
      tenantName: 'acme',
      tenantCustomDomain: 'login.acme.test',
      email: undefined,
      roles: ['app:x:viewer'],
    });
    const back = decodeSessionCookie(encodeSessionCookie(s));
    expect(back).toEqual(s);
    expect(back).toHaveProperty('email', undefined);
  });

  it('keeps access tokens that are not JWTs or not canonical base64url, and sessions without a refresh token', () => {
    for (const accessToken of ['opaque-token-value', 'a.b.c', 'eyJh.eyJi.x_', 'one.two', '']) {
      const s = session({ accessToken, refreshToken: undefined });
      expect(decodeSessionCookie(encodeSessionCookie(s))).toEqual(s);
    }
  });

  it('still reads sessions sealed as plain JSON', () => {
    const s = session();
    expect(decodeSessionCookie(Buffer.from(JSON.stringify(s)))).toEqual(s);
  });

  it('refuses truncated or foreign bytes instead of throwing', () => {
    const encoded = encodeSessionCookie(session());
    for (const bytes of [encoded.subarray(0, 20), encoded.subarray(0, encoded.length - 3), Buffer.of(9, 1, 2), Buffer.alloc(0)]) {
      expect(decodeSessionCookie(bytes)).toBeUndefined();
    }
  });

  it('is what the cookie store seals, and the store still opens cookies sealed before it', async () => {
    const sealer = new CookieSealer(['s'.repeat(32)]);
    const store = new CookieSessionStore(sealer);
    const s = session();
    const cookie = await store.write(s);
    expect(cookie.length).toBeLessThan(sealer.seal('session', s).length * 0.8);
    expect(store.readSync(cookie)).toEqual(s);
    expect(new CookieSessionStore(sealer).readSync(sealer.seal('session', s))).toEqual(s);
  });
});
