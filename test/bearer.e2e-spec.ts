import { request } from './support/http-client.js';
import { login, startStack, type TestStack } from './support/test-stack.js';

describe('bearer tokens on the same guard', () => {
  let stack: TestStack;
  const me = (token: string | undefined, extra: Record<string, string> = {}) =>
    request(`${stack.app.url}/api/me`, { headers: { ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}), ...extra } });

  beforeAll(async () => {
    stack = await startStack({ wristband: { bearer: { jwksCooldownMs: 1000 } } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('accepts a real access token from a login, with sub_kind on request.user', async () => {
    const { jar } = await login(stack, stack.app);
    const { accessToken } = (await request(`${stack.app.url}/auth/token`, { jar })).json<{ accessToken: string }>();
    const res = await me(accessToken);
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ userId: stack.emulator.user('alice@acme.test').id, tenantId: stack.emulator.tenant('acme').id });
  });

  it('accepts a minted Wristband token and exposes client tokens too', async () => {
    expect((await me(await stack.emulator.mintAccessToken())).status).toBe(200);
    expect((await me(await stack.emulator.mintAccessToken({ claims: { sub_kind: 'client' } }))).status).toBe(200);
  });

  const cases: [string, () => Promise<string>][] = [
    ['alg none', () => stack.emulator.mintAccessToken({ alg: 'none' })],
    ['HS256 signed with the public key', () => stack.emulator.mintAccessToken({ alg: 'HS256', key: 'public-key-as-hmac' })],
    ['wrong iss', () => stack.emulator.mintAccessToken({ claims: { iss: 'https://evil.example.com' } })],
    ['expired', () => stack.emulator.mintAccessToken({ expiresInSeconds: -120 })],
    ['nbf in the future', () => stack.emulator.mintAccessToken({ claims: { nbf: Math.floor(Date.now() / 1000) + 3600 } })],
    ['no exp', () => stack.emulator.mintAccessToken({ omit: ['exp'] })],
    ['unknown kid', () => stack.emulator.mintAccessToken({ kid: 'unknown-kid' })],
    ['foreign key', () => stack.emulator.mintAccessToken({ key: 'foreign' })],
    ['ES256', () => stack.emulator.mintAccessToken({ alg: 'ES256', key: 'foreign' })],
    ['malformed', async () => 'not.a.jwt'],
    ['garbage', async () => '%%%'],
    ['empty', async () => ''],
  ];

  it.each(cases)('%s → 401 JSON with WWW-Authenticate: Bearer error="invalid_token"', async (_name, make) => {
    const res = await me(await make());
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ statusCode: 401, reason: 'invalid_token' });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="wristband", error="invalid_token"/);
  });

  it('a flood of unknown kids causes no JWKS fetch storm', async () => {
    await me(await stack.emulator.mintAccessToken()); // keys cached
    stack.emulator.resetCalls();
    const tokens = await Promise.all(Array.from({ length: 30 }, (_, i) => stack.emulator.mintAccessToken({ kid: `unknown-${i}` })));
    const results = await Promise.all(tokens.map((t) => me(t)));
    expect(results.every((r) => r.status === 401)).toBe(true);
    expect(stack.emulator.calls('jwks')).toBeLessThanOrEqual(1);
  });

  it('key rotation at the emulator: tokens signed with the new key are accepted', async () => {
    await stack.emulator.rotateKeys();
    await new Promise((r) => setTimeout(r, 1100)); // past the JWKS refetch cooldown
    expect((await me(await stack.emulator.mintAccessToken())).status).toBe(200);
  });

  it('bearer requests skip CSRF on unsafe methods', async () => {
    const token = await stack.emulator.mintAccessToken({ claims: { tnt_id: stack.emulator.tenant('acme').id } });
    const res = await request(`${stack.app.url}/api/tenants/${stack.emulator.tenant('acme').id}/projects`, {
      method: 'POST', headers: { authorization: `Bearer ${token}` }, body: { name: 'From a service' },
    });
    expect(res.status).toBe(201);
  });

  it('"Authorization: Basic" is not a bearer token: 401 session_required', async () => {
    const res = await request(`${stack.app.url}/api/me`, { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ reason: 'session_required' });
  });

  it('reads the scheme case-insensitively with any number of spaces; "Bearer" alone or glued to the token is refused', async () => {
    const token = await stack.emulator.mintAccessToken();
    const as = (authorization: string) => request(`${stack.app.url}/api/me`, { headers: { authorization } });
    expect((await as(`bearer   ${token}`)).status).toBe(200);
    expect((await as(`BEARER ${token}`)).status).toBe(200);
    const empty = await as('Bearer');
    expect(empty.status).toBe(401);
    expect(empty.json()).toMatchObject({ reason: 'invalid_token' });
    expect((await as(`Bearer${token}`)).json()).toMatchObject({ reason: 'session_required' });
  });

  it('per-route strategies: /auth/token accepts sessions only, so a bearer token gets 401', async () => {
    const res = await request(`${stack.app.url}/auth/token`, { headers: { authorization: `Bearer ${await stack.emulator.mintAccessToken()}` } });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ reason: 'session_required' });
  });
});
