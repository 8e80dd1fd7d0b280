import { type CookieJar, RedisTestServer, request } from 'nestjs-wristband/testing';
import { login, startStack, type TestApp, type TestStack } from './support/test-stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sleepUntil = (epochMs: number) => sleep(Math.max(0, epochMs - Date.now()));

interface TokenInfo {
  accessToken: string;
  expiresAt: number;
}

async function tokenInfo(app: TestApp, jar: CookieJar): Promise<TokenInfo> {
  const res = await request(`${app.url}/auth/token`, { jar });
  expect(res.status).toBe(200);
  return res.json<TokenInfo>();
}

// Access tokens that live no longer than the default 60 s refresh buffer (Wristband tenants can set
// lifetimes that short). The buffer shrinks to half the token's lifetime, so a token just obtained is
// used until then, refreshed once, and what front ends are told (`expiresAt`) is never in the past.
describe.each([
  { store: 'cookie', rotation: true, ttl: 2 },
  { store: 'cookie', rotation: false, ttl: 3 },
  { store: 'redis', rotation: true, ttl: 2 },
  { store: 'redis', rotation: false, ttl: 3 },
] as const)(
  '$ttl s access tokens, default buffer, $store store, rotation $rotation',
  ({ store, rotation, ttl }) => {
    let stack: TestStack;
    let redis: RedisTestServer | undefined;
    // Two instances share Redis; the cookie store needs no server, so one instance shows it.
    const app = (i: number) => stack.apps[i % stack.apps.length];
    const me = (i: number, jar: CookieJar) => request(`${app(i).url}/api/me`, { jar });

    beforeAll(async () => {
      if (store === 'redis') redis = await RedisTestServer.start();
      stack = await startStack({
        instances: store === 'redis' ? 2 : 1,
        emulator: { accessTokenTtlSeconds: ttl, rotateRefreshTokens: rotation },
        env: redis ? { REDIS_URL: redis.url } : {},
      });
    });
    afterAll(async () => {
      await stack?.close();
      await redis?.stop();
    });

    it('no refresh while the token is fresh; one for 50 concurrent requests once due; expiresAt always ahead', async () => {
      const { jar, callback } = await login(stack, app(0));
      expect(callback.status).toBe(302);
      stack.emulator.resetCalls();

      const first = await tokenInfo(app(1), jar);
      expect(first.expiresAt).toBeGreaterThan(Date.now());
      const session = (await request(`${app(0).url}/auth/session`, { jar })).json<{
        expiresAt: number;
      }>();
      expect(session.expiresAt).toBe(first.expiresAt);

      // Sequential requests while the token is fresh (with a margin for the request itself): none refreshes.
      let requests = 0;
      while (Date.now() < first.expiresAt - 150) {
        expect((await me(requests, jar)).status).toBe(200);
        requests++;
      }
      expect(requests).toBeGreaterThanOrEqual(3);
      expect(stack.emulator.calls('token', 'refresh_token')).toBe(0);

      // Due: 50 concurrent requests on the session (over both instances with Redis) make one refresh.
      await sleepUntil(first.expiresAt + 20);
      const burst = await Promise.all(Array.from({ length: 50 }, (_, i) => me(i, jar)));
      expect(burst.map((r) => r.status)).toEqual(Array(50).fill(200));
      expect(stack.emulator.calls('token', 'refresh_token')).toBe(1);

      const second = await tokenInfo(app(1), jar);
      expect(second.accessToken).not.toBe(first.accessToken);
      expect(second.expiresAt).toBeGreaterThan(Date.now());
      expect(stack.emulator.calls('token', 'refresh_token')).toBe(1);

      // The refresh token that came back was stored: the next refresh works, once.
      await sleepUntil(second.expiresAt + 20);
      expect((await me(0, jar)).status).toBe(200);
      expect((await me(1, jar)).status).toBe(200);
      expect(stack.emulator.calls('token', 'refresh_token')).toBe(2);
      expect((await tokenInfo(app(0), jar)).expiresAt).toBeGreaterThan(Date.now());
    });
  },
);

// Wristband rotates refresh tokens (the emulator's default): losing the one a refresh returned logs the
// user out at the next refresh.
describe('a refresh Wristband answered is never lost', () => {
  describe('when the refreshed ID token cannot be verified now', () => {
    let stack: TestStack;
    const me = (jar: CookieJar) => request(`${stack.app.url}/api/me`, { jar });

    beforeAll(async () => {
      // No JWKS cooldown: an unknown key id makes the app fetch the key set again.
      stack = await startStack({
        emulator: { accessTokenTtlSeconds: 2 },
        wristband: { bearer: { jwksCooldownMs: 1 }, tokens: { requestTimeoutMs: 500 } },
      });
    });
    afterAll(async () => {
      await stack?.close();
    });
    afterEach(() => stack.emulator.clearFaults());

    it.each([
      { jwks: 'answering 503', fault: { status: 503 } },
      { jwks: 'hanging', fault: { hang: true } },
    ])(
      'JWKS $jwks during a refresh: the request succeeds and the next refresh works',
      async ({ fault }) => {
        const { jar } = await login(stack, stack.app);
        const first = await tokenInfo(stack.app, jar);
        // Wristband signs with a new key the app has not fetched yet, and its key set is unreachable.
        await stack.emulator.rotateKeys();
        stack.emulator.injectFault({ endpoint: 'jwks', times: Infinity, ...fault });
        stack.emulator.resetCalls();

        await sleepUntil(first.expiresAt + 20);
        expect((await me(jar)).status).toBe(200);
        expect(stack.emulator.calls('token', 'refresh_token')).toBe(1);
        expect(stack.emulator.calls('jwks')).toBe(1); // the ID token check was tried and could not run

        stack.emulator.clearFaults();
        const second = await tokenInfo(stack.app, jar);
        expect(second.accessToken).not.toBe(first.accessToken);
        await sleepUntil(second.expiresAt + 20);
        expect((await me(jar)).status).toBe(200);
        expect(stack.emulator.calls('token', 'refresh_token')).toBe(2);
      },
    );

    it('a key the app has not fetched yet (within the JWKS cooldown) does not end the session either', async () => {
      const cooling = await startStack({ emulator: { accessTokenTtlSeconds: 2 } });
      try {
        const { jar } = await login(cooling, cooling.app);
        const first = await tokenInfo(cooling.app, jar);
        await cooling.emulator.rotateKeys();
        cooling.emulator.resetCalls();
        await sleepUntil(first.expiresAt + 20);
        expect((await request(`${cooling.app.url}/api/me`, { jar })).status).toBe(200);
        // The refreshed ID token's new kid: one forced JWKS fetch despite the 30 s cooldown, then verified.
        expect(cooling.emulator.calls('jwks')).toBe(1);
        // Rotated again within 5 s of that fetch: no other forced fetch, the ID token cannot be verified
        // now, and the tokens Wristband issued are kept.
        await cooling.emulator.rotateKeys();
        const second = await tokenInfo(cooling.app, jar);
        await sleepUntil(second.expiresAt + 20);
        expect((await request(`${cooling.app.url}/api/me`, { jar })).status).toBe(200);
        expect(cooling.emulator.calls('token', 'refresh_token')).toBe(2);
        expect(cooling.emulator.calls('jwks')).toBe(1);
      } finally {
        await cooling.close();
      }
    });
  });

  it('a refresh answered after the app stopped waiting: not sent again, its tokens kept', async () => {
    const stack = await startStack({
      emulator: { accessTokenTtlSeconds: 4 },
      // The app waits 500 ms for a refresh, then keeps its request open one request timeout more.
      wristband: { tokens: { requestTimeoutMs: 1000, refreshBudgetMs: 500, retryBaseDelayMs: 10 } },
    });
    try {
      const me = (jar: CookieJar) => request(`${stack.app.url}/api/me`, { jar });
      const { jar } = await login(stack, stack.app);
      const first = await tokenInfo(stack.app, jar);
      await sleepUntil(first.expiresAt + 20);
      // Wristband processes the refresh (and rotates the refresh token) but answers after the budget.
      stack.emulator.injectFault({
        endpoint: 'token',
        grantType: 'refresh_token',
        delayMs: 1000,
        times: 1,
      });
      stack.emulator.resetCalls();
      expect((await me(jar)).status).toBe(200); // the access token itself still works

      // The late answer is taken in without another token call.
      const deadline = Date.now() + 5000;
      let current = first;
      while (current.accessToken === first.accessToken && Date.now() < deadline) {
        await sleep(100);
        current = await tokenInfo(stack.app, jar);
      }
      expect(current.accessToken).not.toBe(first.accessToken);
      expect(current.expiresAt).toBeGreaterThan(Date.now());
      expect(stack.emulator.calls('token', 'refresh_token')).toBe(1);

      // Its rotated refresh token was kept: the next refresh works.
      await sleepUntil(current.expiresAt + 20);
      expect((await me(jar)).status).toBe(200);
      expect(stack.emulator.calls('token', 'refresh_token')).toBe(2);
    } finally {
      await stack.close();
    }
  });
});
