import { request, type CookieJar } from 'nestjs-wristband/testing';
import { login, startStack, type TestStack } from './support/test-stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TOKEN_TTL_SECONDS = 2;
const PAST_EXPIRY_MS = TOKEN_TTL_SECONDS * 1000 + 100;

describe('token refresh: one at a time, resilient to Wristband faults', () => {
  let stack: TestStack;
  const me = (jar: CookieJar) => request(`${stack.app.url}/api/me`, { jar });

  beforeAll(async () => {
    // The shortest token the emulator issues (see its README): expired for the app after PAST_EXPIRY_MS.
    stack = await startStack({
      emulator: { accessTokenTtlSeconds: TOKEN_TTL_SECONDS },
      wristband: {
        tokens: {
          expiryBufferSeconds: 0,
          retryBaseDelayMs: 50,
          requestTimeoutMs: 1000,
          refreshBudgetMs: 3000,
        },
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });
  afterEach(() => {
    stack.emulator.clearFaults();
    stack.emulator.setOmitRefreshTokenOnRefresh(false);
  });

  async function expiredSession(): Promise<CookieJar> {
    const { jar, callback } = await login(stack, stack.app);
    expect(callback.status).toBe(302);
    await sleep(PAST_EXPIRY_MS);
    stack.emulator.resetCalls();
    return jar;
  }

  it('50 concurrent requests on one expired session → exactly 1 token call, 50 × 200', async () => {
    const jar = await expiredSession();
    stack.emulator.setAccessTokenTtl(60); // the refreshed token outlives the burst
    const results = await Promise.all(Array.from({ length: 50 }, () => me(jar)));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(stack.emulator.calls('token', 'refresh_token')).toBe(1);
    stack.emulator.setAccessTokenTtl(TOKEN_TTL_SECONDS);
  });

  it('503 twice, then success → 200 after retries', async () => {
    const jar = await expiredSession();
    stack.emulator.injectFault({
      endpoint: 'token',
      grantType: 'refresh_token',
      status: 503,
      times: 2,
    });
    const res = await me(jar);
    expect(res.status).toBe(200);
    expect(stack.emulator.calls('token', 'refresh_token')).toBe(3);
  });

  it('429 with Retry-After is honoured and retried', async () => {
    const jar = await expiredSession();
    stack.emulator.injectFault({
      endpoint: 'token',
      grantType: 'refresh_token',
      status: 429,
      headers: { 'retry-after': '1' },
      times: 1,
    });
    const started = Date.now();
    expect((await me(jar)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(stack.emulator.calls('token', 'refresh_token')).toBe(2);
  });

  it('token endpoint hanging → bounded wait and a clean 503; the session survives', async () => {
    const jar = await expiredSession();
    stack.emulator.injectFault({
      endpoint: 'token',
      grantType: 'refresh_token',
      hang: true,
      times: Infinity,
    });
    const started = Date.now();
    const res = await me(jar);
    const waited = Date.now() - started;
    expect(res.status).toBe(503);
    expect(res.json()).toMatchObject({ reason: 'wristband_unavailable' });
    expect(waited).toBeLessThan(4500); // within the 3 s refresh budget, plus slack
    expect(res.headers['set-cookie']?.some((c) => c.startsWith('wb_session=;'))).toBeFalsy();
    stack.emulator.clearFaults();
    // Wristband may yet process the unanswered request and rotate the refresh token: while the app
    // keeps it open (budget plus one request timeout), the same refresh token is not sent again.
    expect((await me(jar)).status).toBe(503);
    expect(stack.emulator.calls('token', 'refresh_token')).toBe(1);
    // Given up: the next request refreshes.
    expect((await me(jar)).status).toBe(200);
    expect(stack.emulator.calls('token', 'refresh_token')).toBe(2);
  });

  it('never retries a 4xx: invalid_client keeps the session and answers 503', async () => {
    const jar = await expiredSession();
    stack.emulator.injectFault({
      endpoint: 'token',
      grantType: 'refresh_token',
      status: 401,
      body: { error: 'invalid_client' },
      times: 1,
    });
    const res = await me(jar);
    expect(res.status).toBe(503);
    expect(stack.emulator.calls('token', 'refresh_token')).toBe(1);
    expect((await me(jar)).status).toBe(200);
  });

  it('a refresh response without refresh_token keeps the old one', async () => {
    stack.emulator.setOmitRefreshTokenOnRefresh(true);
    const jar = await expiredSession();
    expect((await me(jar)).status).toBe(200);
    await sleep(PAST_EXPIRY_MS);
    expect((await me(jar)).status).toBe(200);
    expect(stack.emulator.calls('token', 'refresh_token')).toBe(2);
  });

  it('revoked grant → 401 session_expired and a cleared cookie', async () => {
    const jar = await expiredSession();
    await stack.emulator.revokeUserGrants('alice@acme.test');
    const res = await me(jar);
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ reason: 'session_expired' });
    expect(res.headers['set-cookie']?.find((c) => c.startsWith('wb_session='))).toMatch(
      /Max-Age=0/,
    );
  });
});

describe('Wristband failing while the access token still works (inside the buffer)', () => {
  let stack: TestStack;
  const me = (jar: CookieJar) => request(`${stack.app.url}/api/me`, { jar });

  beforeAll(async () => {
    // 5 s tokens and the default buffer: due after 2.5 s, valid 2.5 s more.
    stack = await startStack({
      emulator: { accessTokenTtlSeconds: 5 },
      wristband: {
        tokens: {
          refreshMaxAttempts: 2,
          retryBaseDelayMs: 10,
          refreshBudgetMs: 600,
          requestTimeoutMs: 1000,
        },
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });
  afterEach(() => stack.emulator.clearFaults());

  it.each([
    { failure: 'answering 503', fault: { status: 503 }, tokenCalls: 2 }, // answered: retried once
    { failure: 'hanging', fault: { hang: true }, tokenCalls: 1 }, // unanswered: never sent twice
  ])(
    'token endpoint $failure: one request pays the wait, the next ones go on at once with the token',
    async ({ fault, tokenCalls }) => {
      const { jar } = await login(stack, stack.app);
      const { expiresAt } = (await request(`${stack.app.url}/auth/token`, { jar })).json<{
        expiresAt: number;
      }>();
      await sleep(Math.max(0, expiresAt + 20 - Date.now()));
      stack.emulator.injectFault({
        endpoint: 'token',
        grantType: 'refresh_token',
        times: Infinity,
        ...fault,
      });
      stack.emulator.resetCalls();

      expect((await me(jar)).status).toBe(200);
      expect(stack.emulator.calls('token', 'refresh_token')).toBe(tokenCalls);
      // Within the back-off, while the token is valid: no token call, so no wait for Wristband.
      for (let i = 0; i < 10; i++) expect((await me(jar)).status).toBe(200);
      expect(stack.emulator.calls('token', 'refresh_token')).toBe(tokenCalls);
    },
  );
});

describe('CSRF on cookie-authenticated unsafe methods', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('accepts the token from the session in x-csrf-token (any header case), rejects a wrong or missing one', async () => {
    const { jar } = await login(stack, stack.app);
    const { csrfToken } = (await request(`${stack.app.url}/auth/session`, { jar })).json<{
      csrfToken: string;
    }>();
    const cookieToken = jar
      .cookieHeader(new URL(stack.app.url))!
      .split('; ')
      .find((c) => c.startsWith('CSRF-TOKEN='))!
      .slice(11);
    expect(cookieToken).toBe(csrfToken);

    const tenantId = stack.emulator.tenant('acme').id;
    const post = (headers: Record<string, string>) =>
      request(`${stack.app.url}/api/tenants/${tenantId}/projects`, {
        method: 'POST',
        jar,
        headers,
        body: { name: 'New' },
      });
    const missing = await post({});
    expect(missing.status).toBe(403);
    expect(missing.json()).toMatchObject({ reason: 'csrf_failed' });
    expect((await post({ 'x-csrf-token': 'wrong' })).status).toBe(403);
    const created = await post({ 'X-CSRF-Token': csrfToken });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({ tenantId, name: 'New' });
    // Safe methods are exempt, and a rejected request leaves the session usable.
    expect((await request(`${stack.app.url}/api/me`, { jar })).status).toBe(200);
  });

  it('a cross-site form post to /auth/logout does not log the user out', async () => {
    const { jar } = await login(stack, stack.app);
    // A cross-site form post carries no SameSite=Lax cookie and no header.
    const crossSite = await request(`${stack.app.url}/auth/logout`, {
      method: 'POST',
      body: new URLSearchParams({}),
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers['set-cookie']?.length ?? 0).toBe(0);
    // Same-site without the header: refused too, session intact.
    expect((await request(`${stack.app.url}/auth/logout`, { method: 'POST', jar })).status).toBe(
      403,
    );
    expect((await request(`${stack.app.url}/api/me`, { jar })).status).toBe(200);
    const { csrfToken } = (await request(`${stack.app.url}/auth/session`, { jar })).json<{
      csrfToken: string;
    }>();
    expect(
      (
        await request(`${stack.app.url}/auth/logout`, {
          method: 'POST',
          jar,
          headers: { 'x-csrf-token': csrfToken },
        })
      ).status,
    ).toBe(302);
    expect((await request(`${stack.app.url}/api/me`, { jar })).status).toBe(401);
  });
});
