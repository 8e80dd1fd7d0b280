import { CookieJar, RedisTestServer, request } from 'nestjs-wristband/testing';
import { MapSessionStore } from './support/map-session.store.js';
import { CLIENT_ID, login, startStack, type TestStack } from './support/test-stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sleepUntil = (epochMs: number) => sleep(Math.max(0, epochMs - Date.now()));

// The same assertions over the three kinds of session store: sealed cookie (default), Redis, and an
// app's own store (`sessionStore`, here a Map-backed one as a team would write on its database).
describe.each(['cookie', 'redis', 'custom'] as const)(
  'core flow over the %s session store: login → /api/me → refresh → logout',
  (store) => {
    let stack: TestStack;
    let redis: RedisTestServer | undefined;
    const appStore = store === 'custom' ? new MapSessionStore() : undefined;
    const sessionCookie = (jar: CookieJar) => jar.get(stack.app.url, 'wb_session');

    beforeAll(async () => {
      if (store === 'redis') redis = await RedisTestServer.start();
      // 2 s access tokens and the default 60 s buffer: it shrinks to half the lifetime, so a refresh is
      // due 1 s after each one.
      stack = await startStack({
        emulator: { accessTokenTtlSeconds: 2 },
        env: redis ? { REDIS_URL: redis.url } : {},
        wristband: appStore ? { sessionStore: appStore } : {},
      });
    });
    afterAll(async () => {
      await stack?.close();
      await redis?.stop();
    });
    beforeEach(() => stack.emulator.resetCalls());

    it('walks the whole path a user walks', async () => {
      const { jar, callback } = await login(stack, stack.app, { returnUrl: '/dashboard?tab=1' });
      expect(callback.status).toBe(302);
      expect(callback.location).toBe(`${stack.app.url}/dashboard?tab=1`);

      // The app's own store holds the session; the cookie is only its handle.
      if (appStore) expect(appStore.holds(sessionCookie(jar))).toBe(true);

      const me = await request(`${stack.app.url}/api/me`, { jar });
      expect(me.status).toBe(200);
      const alice = stack.emulator.user('alice@acme.test');
      expect(me.json()).toEqual({
        userId: alice.id,
        tenantId: stack.emulator.tenant('acme').id,
        tenantName: 'acme',
        identityProviderName: 'wristband',
        email: 'alice@acme.test',
        roles: ['app:invotastic:admin', 'app:invotastic:billing'],
      });

      const session = await request(`${stack.app.url}/auth/session`, { jar });
      expect(session.status).toBe(200);
      expect(session.headers['cache-control']).toBe('no-store');
      expect(session.json()).toMatchObject({
        userId: alice.id,
        tenantName: 'acme',
        csrfToken: expect.any(String),
      });

      const token1 = await request(`${stack.app.url}/auth/token`, { jar });
      expect(token1.headers['cache-control']).toBe('no-store');
      const { accessToken: first, expiresAt } = token1.json<{
        accessToken: string;
        expiresAt: number;
      }>();
      expect(first.split('.')).toHaveLength(3);
      expect(expiresAt).toBeGreaterThan(Date.now());
      expect(stack.emulator.calls('token', 'refresh_token')).toBe(0);

      // The access token is due: the next request refreshes it once, transparently.
      await sleepUntil(expiresAt + 20);
      const afterExpiry = await request(`${stack.app.url}/api/me`, { jar });
      expect(afterExpiry.status).toBe(200);
      expect(afterExpiry.headers['set-cookie']?.some((c) => c.startsWith('wb_session='))).toBe(
        true,
      );
      expect(stack.emulator.calls('token', 'refresh_token')).toBe(1);
      const token2 = (await request(`${stack.app.url}/auth/token`, { jar })).json<{
        accessToken: string;
        expiresAt: number;
      }>();
      expect(token2.accessToken).not.toBe(first);
      expect(token2.expiresAt).toBeGreaterThan(Date.now());
      expect(stack.emulator.calls('token', 'refresh_token')).toBe(1);

      // Logout: refresh token revoked, cookies cleared, browser sent to the tenant's Wristband logout.
      const sessionCookieBeforeLogout = sessionCookie(jar);
      const logout = await request(`${stack.app.url}/auth/logout`, { jar });
      expect(logout.status).toBe(302);
      const target = new URL(logout.location!);
      expect(target.host).toBe(`acme.${stack.emulator.vanityDomain}`);
      expect(target.pathname).toBe('/api/v1/logout');
      expect(target.searchParams.get('client_id')).toBe(CLIENT_ID);
      expect(stack.emulator.calls('revoke')).toBe(1);
      expect(logout.headers['set-cookie']?.find((c) => c.startsWith('wb_session='))).toMatch(
        /Max-Age=0/,
      );
      if (appStore) expect(appStore.holds(sessionCookieBeforeLogout)).toBe(false);

      const refused = await request(`${stack.app.url}/api/me`, { jar });
      expect(refused.status).toBe(401);
      expect(refused.json()).toMatchObject({ statusCode: 401, reason: 'session_required' });
    });

    it('answers 401 JSON with a reason without a session, on every protected route', async () => {
      for (const path of ['/api/me', '/auth/session', '/auth/token']) {
        const res = await request(`${stack.app.url}${path}`);
        expect(res.status).toBe(401);
        expect(res.json()).toMatchObject({ reason: 'session_required' });
        expect(res.headers['www-authenticate']).toBeDefined();
      }
      expect((await request(`${stack.app.url}/health`)).json()).toEqual({ status: 'ok' });
    });

    it('ends the session when Wristband rejects the refresh token', async () => {
      const { jar } = await login(stack, stack.app, { username: 'bob@acme.test' });
      const { expiresAt } = (await request(`${stack.app.url}/auth/token`, { jar })).json<{
        expiresAt: number;
      }>();
      await stack.emulator.revokeUserGrants('bob@acme.test');
      await sleepUntil(expiresAt + 20);
      const res = await request(`${stack.app.url}/api/me`, { jar });
      expect(res.status).toBe(401);
      expect(res.json()).toMatchObject({ reason: 'session_expired' });
      expect(res.headers['set-cookie']?.find((c) => c.startsWith('wb_session='))).toMatch(
        /Max-Age=0/,
      );
      expect((await request(`${stack.app.url}/api/me`, { jar })).status).toBe(401);
    });

    it('logs out even when revocation fails', async () => {
      const { jar } = await login(stack, stack.app);
      stack.emulator.injectFault({ endpoint: 'revoke', status: 500, times: 1 });
      const logout = await request(`${stack.app.url}/auth/logout`, { jar });
      expect(logout.status).toBe(302);
      expect((await request(`${stack.app.url}/api/me`, { jar })).status).toBe(401);
      stack.emulator.clearFaults();
    });

    it('URL-encodes every value of the logout URL and honours a second login in a fresh session', async () => {
      const first = await login(stack, stack.app);
      const firstCookie = first.jar.cookieHeader(new URL(stack.app.url));
      const second = await login(stack, stack.app, { jar: first.jar });
      expect(second.jar.cookieHeader(new URL(stack.app.url))).not.toBe(firstCookie);
      const logout = await request(`${stack.app.url}/auth/logout`, { jar: second.jar });
      expect(logout.location).toMatch(
        /^http:\/\/acme\.localhost:\d+\/api\/v1\/logout\?client_id=wb-e2e-client$/,
      );
    });

    it('without a session, logout with no tenant goes to the application login page', async () => {
      const res = await request(`${stack.app.url}/auth/logout`, { jar: new CookieJar() });
      expect(res.status).toBe(302);
      expect(res.location).toBe(`${stack.emulator.url}/login?client_id=${CLIENT_ID}`);
    });
  },
);
