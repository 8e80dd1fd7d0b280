import { SessionRevocationService, WristbandEvents, type WristbandEvent } from 'nestjs-wristband';
import { CookieJar, RedisTestServer, request } from 'nestjs-wristband/testing';
import { CLIENT_ID, PASSWORD, login, startStack, type TestStack } from './support/test-stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const LOOPBACK = /^(::ffff:)?127\.0\.0\.1$|^::1$/;
const AGENT = 'audit-test/1.0';

describe('audit events and request ids', () => {
  let redis: RedisTestServer;
  let stack: TestStack;
  const events: WristbandEvent[] = [];
  let n = 0;
  /** A request id of this test's own, to find the events of one request. */
  const rid = () => `audit-${++n}`;

  const call = (
    path: string,
    opts: {
      jar?: CookieJar;
      method?: string;
      headers?: Record<string, string>;
      body?: Record<string, unknown>;
    } = {},
  ) => {
    const requestId = rid();
    const res = request(`${stack.app.url}${path}`, {
      ...opts,
      headers: { 'x-request-id': requestId, 'user-agent': AGENT, ...opts.headers },
    });
    return res.then((r) => ({ res: r, requestId, events: () => eventsOf(requestId) }));
  };
  const eventsOf = (requestId: string) => events.filter((e) => e.requestId === requestId);
  const ids = () => ({
    acme: stack.emulator.tenant('acme').id,
    globex: stack.emulator.tenant('globex').id,
    alice: stack.emulator.user('alice@acme.test').id,
    bob: stack.emulator.user('bob@acme.test').id,
  });

  beforeAll(async () => {
    redis = await RedisTestServer.start();
    stack = await startStack({ env: { REDIS_URL: redis.url } });
    stack.app.app.get(WristbandEvents).events$.subscribe((e) => events.push(e));
  });
  afterAll(async () => {
    await stack?.close();
    await redis?.dispose();
  });
  afterEach(() => {
    stack.emulator.clearFaults();
    stack.emulator.setAccessTokenTtl(1800);
  });

  describe('x-request-id', () => {
    it('echoes a sane id from the caller', async () => {
      for (const id of ['abc', 'req-1.2_3:4', 'A'.repeat(128)]) {
        const res = await request(`${stack.app.url}/health`, { headers: { 'x-request-id': id } });
        expect(res.headers['x-request-id']).toBe(id);
      }
    });

    it('replaces a missing or insane id with a generated one, on any route (404 too)', async () => {
      const ids = new Set<string>();
      for (const [path, id] of [
        ['/health', undefined],
        ['/health', 'has space'],
        ['/health', 'A'.repeat(129)],
        ['/health', '"><script>'],
        ['/no-such-route', undefined],
      ] as const) {
        const res = await request(`${stack.app.url}${path}`, { headers: { 'x-request-id': id } });
        const echoed = res.headers['x-request-id'] as string;
        expect(echoed).toMatch(UUID);
        ids.add(echoed);
      }
      expect(ids.size).toBe(5);
    });
  });

  it('login succeeded: tenant, user, request id, IP and user agent; no client id for sessions', async () => {
    const jar = new CookieJar();
    const start = await request(`${stack.app.url}/auth/login?tenant_name=acme`, { jar });
    const callbackUrl = await stack.emulator.authorizeViaForm(
      start.location!,
      { username: 'alice@acme.test', password: PASSWORD },
      jar,
    );
    const path = callbackUrl.slice(callbackUrl.indexOf('/auth/callback'));
    const { res, requestId, events: of } = await call(path, { jar });
    expect(res.status).toBe(302);
    expect(res.headers['x-request-id']).toBe(requestId);
    const [event] = of();
    expect(of()).toHaveLength(1);
    expect(event).toEqual({
      type: 'login_succeeded',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      tenantId: ids().acme,
      tenantName: 'acme',
      userId: ids().alice,
      requestId,
      ip: expect.stringMatching(LOOPBACK),
      userAgent: AGENT,
    });
    expect(Math.abs(Date.parse(event.time) - Date.now())).toBeLessThan(5_000);
  });

  it('login failed, with the reason', async () => {
    const jar = new CookieJar();
    const start = await request(`${stack.app.url}/auth/login?tenant_name=acme`, { jar });
    const state = new URL(start.location!).searchParams.get('state')!;
    const { res, events: of } = await call(
      `/auth/callback?state=${state}&error=access_denied&tenant_name=acme`,
      { jar },
    );
    expect(res.status).toBe(400);
    expect(of()).toEqual([
      expect.objectContaining({
        type: 'login_failed',
        reason: 'authorization_failed',
        tenantName: 'acme',
        userAgent: AGENT,
      }),
    ]);
    expect(of()[0].userId).toBeUndefined();
  });

  it("a callback whose query names another tenant: login_failed names the login's tenant, not the query's", async () => {
    const jar = new CookieJar();
    const start = await request(`${stack.app.url}/auth/login?tenant_name=acme`, { jar });
    const state = new URL(start.location!).searchParams.get('state')!;
    const { res, events: of } = await call(
      `/auth/callback?state=${state}&code=whatever&tenant_name=globex`,
      { jar },
    );
    expect(res.status).toBe(403);
    expect(of()).toEqual([
      expect.objectContaining({
        type: 'login_failed',
        reason: 'tenant_mismatch',
        tenantName: 'acme',
      }),
    ]);
  });

  it('CSRF, role and tenant refusals name the user they refused', async () => {
    const { jar: alice } = await login(stack, stack.app, { username: 'alice@acme.test' });
    const { jar: bob } = await login(stack, stack.app, { username: 'bob@acme.test' });
    const { acme, globex } = ids();

    const csrf = await call(`/api/tenants/${acme}/projects`, {
      method: 'POST',
      jar: alice,
      body: { name: 'x' },
    });
    expect(csrf.res.status).toBe(403);
    expect(csrf.events()).toEqual([
      expect.objectContaining({
        type: 'csrf_refused',
        reason: 'csrf_failed',
        userId: ids().alice,
        tenantId: acme,
      }),
    ]);

    const role = await call('/api/admin/stats', { jar: bob });
    expect(role.res.status).toBe(403);
    expect(role.events()).toEqual([
      expect.objectContaining({ type: 'role_refused', userId: ids().bob, tenantId: acme }),
    ]);

    const tenant = await call(`/api/tenants/${globex}/projects`, { jar: alice });
    expect(tenant.res.status).toBe(403);
    expect(tenant.events()).toEqual([
      expect.objectContaining({ type: 'tenant_mismatch', userId: ids().alice, tenantId: acme }),
    ]);

    // Allowed requests and plain 401s are not audit events.
    expect((await call('/api/me', { jar: alice })).events()).toEqual([]);
    expect((await call('/api/me')).events()).toEqual([]);
  });

  it('a bearer refusal names the client the token was issued to', async () => {
    const token = await stack.emulator.mintAccessToken({ user: 'bob@acme.test' });
    const { res, events: of } = await call('/api/admin/stats', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(403);
    expect(of()).toEqual([
      expect.objectContaining({ type: 'role_refused', userId: ids().bob, clientId: CLIENT_ID }),
    ]);
  });

  it('GraphQL: a resolver refused by the guard is audited like a route', async () => {
    const { jar: bob } = await login(stack, stack.app, { username: 'bob@acme.test' });
    const { res, events: of } = await call('/graphql', {
      method: 'POST',
      jar: bob,
      body: { query: 'query { adminStats { tenantId } }' },
    });
    expect(res.status).toBe(200); // GraphQL answers errors in the body
    expect(res.text).toContain('insufficient_role');
    expect(of()).toEqual([
      expect.objectContaining({ type: 'role_refused', userId: ids().bob, userAgent: AGENT }),
    ]);
  });

  it('refresh failed and session expired when Wristband refuses the refresh token', async () => {
    stack.emulator.setAccessTokenTtl(2);
    const { jar } = await login(stack, stack.app, { username: 'bob@acme.test' });
    await sleep(2_100);
    stack.emulator.injectFault({
      endpoint: 'token',
      grantType: 'refresh_token',
      status: 400,
      body: { error: 'invalid_grant' },
    });
    const { res, events: of } = await call('/api/me', { jar });
    expect(res.status).toBe(401);
    expect(of().map((e) => e.type)).toEqual(['refresh_failed', 'session_expired']);
    expect(of()[0]).toMatchObject({ reason: 'invalid_grant', userId: ids().bob });
    expect(of()[1]).toMatchObject({ userId: ids().bob, tenantId: ids().acme });
  });

  it('logout, and logouts refused as cross-site or without the CSRF token', async () => {
    const { jar } = await login(stack, stack.app, { username: 'alice@acme.test' });
    const crossSite = await call('/auth/logout', {
      jar,
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.res.status).toBe(403);
    expect(crossSite.events()).toEqual([
      expect.objectContaining({ type: 'csrf_refused', reason: 'cross_site_request' }),
    ]);
    const noToken = await call('/auth/logout', { jar, method: 'POST' });
    expect(noToken.res.status).toBe(403);
    expect(noToken.events()).toEqual([
      expect.objectContaining({ type: 'csrf_refused', reason: 'csrf_failed', userId: ids().alice }),
    ]);

    const csrfToken = (await request(`${stack.app.url}/auth/session`, { jar })).json<{
      csrfToken: string;
    }>().csrfToken;
    const out = await call('/auth/logout', {
      jar,
      method: 'POST',
      headers: { 'x-csrf-token': csrfToken },
    });
    expect(out.res.status).toBe(302);
    expect(out.events()).toEqual([
      expect.objectContaining({ type: 'logout', userId: ids().alice, tenantId: ids().acme }),
    ]);
  });

  it('session revoked: "log out everywhere" names the user and how many sessions ended', async () => {
    await login(stack, stack.app, { username: 'bob@acme.test' });
    await login(stack, stack.app, { username: 'bob@acme.test' });
    const revocation = stack.app.app.get(SessionRevocationService);
    const before = events.length;
    const count = await revocation.endAllSessionsOfUser(ids().acme, ids().bob);
    expect(count).toBeGreaterThanOrEqual(2);
    expect(events.slice(before)).toEqual([
      expect.objectContaining({
        type: 'session_revoked',
        scope: 'all_sessions_of_user',
        count,
        userId: ids().bob,
        tenantId: ids().acme,
      }),
    ]);
  });

  it('no event holds a cookie, token, code or secret', async () => {
    const { jar, callback } = await login(stack, stack.app, { username: 'alice@acme.test' });
    const token = (await request(`${stack.app.url}/auth/token`, { jar })).json<{
      accessToken: string;
    }>().accessToken;
    const code = new URL(callback.url).searchParams.get('code');
    const text = JSON.stringify(events);
    expect(events.length).toBeGreaterThan(5);
    for (const secret of [token, code, jar.get(stack.app.url, 'wb_session')]) {
      expect(secret).toBeTruthy();
      expect(text).not.toContain(secret);
    }
  });
});

describe('audit events behind a trusted proxy (TRUST_PROXY=1)', () => {
  let stack: TestStack;
  const events: WristbandEvent[] = [];
  const CLIENT = '203.0.113.9';
  const viaProxy = { 'x-forwarded-for': CLIENT };

  beforeAll(async () => {
    stack = await startStack({ env: { TRUST_PROXY: '1' } });
    stack.app.app.get(WristbandEvents).events$.subscribe((e) => events.push(e));
  });
  afterAll(() => stack?.close());

  it('name the client address the proxy forwarded, from the guard, the callback and logout', async () => {
    const token = await stack.emulator.mintAccessToken({ user: 'bob@acme.test' });
    await request(`${stack.app.url}/api/admin/stats`, {
      headers: { ...viaProxy, authorization: `Bearer ${token}` },
    });
    await request(`${stack.app.url}/auth/callback?state=${'s'.repeat(43)}&code=c`, {
      headers: viaProxy,
    });
    await request(`${stack.app.url}/auth/logout`, {
      headers: { ...viaProxy, 'sec-fetch-site': 'cross-site' },
    });
    expect(events.map((e) => [e.type, e.ip])).toEqual([
      ['role_refused', CLIENT],
      ['login_failed', CLIENT],
      ['csrf_refused', CLIENT],
    ]);
  });
});
