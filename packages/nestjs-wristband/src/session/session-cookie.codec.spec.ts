import { createHash, randomBytes } from 'node:crypto';
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

  it('gives back claims in any script and of any size it can hold', () => {
    const many = Object.fromEntries(
      Array.from({ length: 300 }, (_, i) => [`claim_${i}`, `Zoë Ærøskøbing 日本 ✓ ${i}`]),
    );
    const s = session({ claims: { ...claims, name: 'Zoë Ærøskøbing 日本', ...many } });
    expect(decodeSessionCookie(encodeSessionCookie(s))).toEqual(s);
  });

  it('is less than half the size of the session as JSON', () => {
    const s = session();
    expect(encodeSessionCookie(s).length).toBeLessThan(Buffer.byteLength(JSON.stringify(s)) * 0.5);
  });

  it('never compresses a secret together with claims (no CRIME/BREACH-style length leak)', () => {
    // Deterministic, random-looking values: the sizes compared below are the same on every run.
    const text = (label: string, length = 43) =>
      createHash('sha512').update(label).digest('base64url').slice(0, length);
    const base = session({
      id: text('id'),
      csrfToken: text('csrf'),
      refreshToken: text('refresh'),
      accessToken: `${jwt().split('.').slice(0, 2).join('.')}.${text('signature', 86)}`,
    });
    const signature = base.accessToken.split('.')[2];
    const size = (extra: Record<string, unknown>) =>
      encodeSessionCookie({ ...base, claims: { ...base.claims, ...extra } }).length;
    // A claim someone else could set (a display name, say) equal to a secret must not make the cookie
    // shorter than unrelated claims of the same length do.
    for (const secret of [base.id, base.csrfToken, base.refreshToken!, signature]) {
      const unrelated = Array.from({ length: 20 }, (_, i) =>
        size({ nickname: text(`${i} ${secret}`, secret.length) }),
      );
      // Unrelated values vary by a few bytes (Huffman coding); a secret compressed along would save tens.
      expect(size({ nickname: secret })).toBeGreaterThanOrEqual(Math.min(...unrelated));
    }
    // Claims themselves are compressed: a claim repeating another one costs far less than a new value.
    const title = 'Head of Accounts Payable, EMEA region';
    expect(size({ title, nickname: title })).toBeLessThan(
      size({ title, nickname: text('nickname', title.length) }) - 20,
    );
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

  it('keeps when the access token was issued, and sessions where it is unknown', () => {
    const s = session({ accessTokenIssuedAt: 1_899_999_998_000 });
    expect(decodeSessionCookie(encodeSessionCookie(s))).toEqual(s);
    const unknown = decodeSessionCookie(encodeSessionCookie(session()));
    expect(unknown).not.toHaveProperty('accessTokenIssuedAt');
  });

  // Bytes written by encoders that were never released: plain JSON, format 2 (commit 545f3c8) and
  // format 3 with seven fields (commit e246474), each for a valid session.
  const unreleased = {
    json: Buffer.from(JSON.stringify(session())),
    format2: Buffer.from(
      'AgAAAP5bInNlc3Npb24taWQtdjIiLCJjc3JmLXYyIiwxODAwMDAwMDAwMDAwLDE4MDAwMDAxMDAwMDAsMTkwMDAwMDAwMDAwMCwicmVmcmVzaC12MiIseyJzdWIiOiJ1MSIsInRudF9pZCI6InQxIiwidG50X25hbWUiOiJhY21lIiwiaWRwX25hbWUiOiJ3cmlzdGJhbmQiLCJlbWFpbCI6ImFsaWNlQGFjbWUudGVzdCIsInJvbGVzIjpbeyJpZCI6InIxIiwibmFtZSI6ImFwcDppbnZvdGFzdGljOmFkbWluIiwiZGlzcGxheV9uYW1lIjoiQWRtaW4ifV19LHt9XQEAKXsiYWxnIjoiUlMyNTYiLCJraWQiOiJrMSIsInR5cCI6ImF0K0pXVCJ9AEh7ImlzcyI6Imh0dHBzOi8vYWNtZS5leGFtcGxlIiwic3ViIjoidTEiLCJ0bnRfaWQiOiJ0MSIsImV4cCI6MjAwMDAwMDAwMH0AIAcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH',
      'base64',
    ),
    sevenFields: Buffer.from(
      'AwAAAFVbInNlc3Npb24taWQtdjMiLCJjc3JmLXYzIiwxODAwMDAwMDAwMDAwLDE4MDAwMDAxMDAwMDAsMTkwMDAwMDAwMDAwMCwicmVmcmVzaC12MyIse31dAAAAcmNgYFhRDU1CpYbIaaQExoPpT85NxZ1WYO5KzMlMTnUAqdUrSS0uUcJwUJEhqpMy88rySxKLSzKTrRJTcjPzMJ3oCBauja1lYGDQrEbLLZDskW2InnFAij2q0TIL2FmpFYm5BTmp8IyDxdfg9GhkAAO1AAAAACEBBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=',
      'base64',
    ),
  };

  it('reads only its one format: unreleased formats are refused', () => {
    for (const bytes of Object.values(unreleased))
      expect(decodeSessionCookie(bytes)).toBeUndefined();
  });

  it('the cookie store refuses unreleased formats sealed with its own secret', () => {
    const sealer = new CookieSealer(['s'.repeat(32)]);
    const store = new CookieSessionStore(sealer);
    for (const bytes of Object.values(unreleased))
      expect(store.readSync(sealer.sealBytes('session', bytes))).toBeUndefined();
  });

  it('refuses truncated or foreign bytes instead of throwing', () => {
    const encoded = encodeSessionCookie(session());
    for (const bytes of [
      encoded.subarray(0, 20),
      encoded.subarray(0, encoded.length - 3),
      Buffer.of(9, 1, 2),
      Buffer.alloc(0),
    ]) {
      expect(decodeSessionCookie(bytes)).toBeUndefined();
    }
  });

  it('is what the cookie store seals', async () => {
    const sealer = new CookieSealer(['s'.repeat(32)]);
    const store = new CookieSessionStore(sealer);
    const s = session();
    const cookie = await store.write(s);
    expect(cookie.length).toBeLessThan(sealer.seal('session', s).length * 0.6);
    expect(store.readSync(cookie)).toEqual(s);
  });
});
