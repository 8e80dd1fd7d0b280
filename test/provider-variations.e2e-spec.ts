import { type CookieJar, request } from 'nestjs-wristband/testing';
import { login, startStack, type TestStack } from './support/test-stack.js';

// Token answers as other OAuth servers send them (RFC 6749 §5.1 only recommends `expires_in`, and many
// send it as a string). The emulator's real answers are rewritten on their way to the app through the
// module's `fetch` option, so the tokens (and the refresh-token rotation) stay real.

type Grant = 'authorization_code' | 'refresh_token';
type Edit = (body: Record<string, unknown>) => Record<string, unknown>;

const TOKEN_PATH = '/api/v1/oauth2/token';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface TokenInfo {
  accessToken: string;
  expiresAt: number;
}

describe('token answers of other providers', () => {
  let stack: TestStack;
  /** Rewrites of the next token answers, one per answer, by grant type. */
  const rewrites: Array<{ grant: Grant; edit: Edit }> = [];
  const rewriteNext = (grant: Grant, edit: Edit) => rewrites.push({ grant, edit });

  const rewritingFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    if (!new URL(url).pathname.endsWith(TOKEN_PATH) || res.status !== 200) return res;
    const grant = new URLSearchParams(typeof init?.body === 'string' ? init.body : '').get(
      'grant_type',
    );
    const i = rewrites.findIndex((r) => r.grant === grant);
    if (i < 0) return res;
    const [{ edit }] = rewrites.splice(i, 1);
    const body = edit((await res.json()) as Record<string, unknown>);
    return new Response(JSON.stringify(body), {
      status: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    });
  };

  const tokenInfo = async (jar: CookieJar): Promise<TokenInfo> => {
    const res = await request(`${stack.app.url}/auth/token`, { jar });
    expect(res.status).toBe(200);
    return res.json<TokenInfo>();
  };
  const me = (jar: CookieJar) => request(`${stack.app.url}/api/me`, { jar });
  const expiresIn =
    (value: unknown): Edit =>
    (body) => ({ ...body, expires_in: value });
  const withoutExpiresIn: Edit = (body) => {
    const copy = { ...body };
    delete copy.expires_in;
    return copy;
  };

  beforeAll(async () => {
    stack = await startStack({
      emulator: { rotateRefreshTokens: true },
      wristband: { fetch: rewritingFetch },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });
  afterEach(() => {
    rewrites.length = 0;
    stack.emulator.clearFaults();
    stack.emulator.setAccessTokenTtl(1800);
  });

  it('login with expires_in "1800" (a string): the session expires in 1800 s', async () => {
    rewriteNext('authorization_code', expiresIn('1800'));
    const before = Date.now();
    const { jar, callback } = await login(stack, stack.app);
    expect(callback.status).toBe(302);
    expect(rewrites).toHaveLength(0);
    const { expiresAt } = await tokenInfo(jar);
    // expiresAt is the expiry less the 60 s refresh buffer.
    expect(expiresAt).toBeGreaterThanOrEqual(before + (1800 - 60) * 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + (1800 - 60) * 1000);
  });

  it("login with no expires_in: the access token's own exp is used", async () => {
    stack.emulator.setAccessTokenTtl(900);
    rewriteNext('authorization_code', withoutExpiresIn);
    const before = Date.now();
    const { jar, callback } = await login(stack, stack.app);
    expect(callback.status).toBe(302);
    const { expiresAt } = await tokenInfo(jar);
    // The JWT's exp is in whole seconds: up to 1 s before the login started.
    expect(expiresAt).toBeGreaterThanOrEqual(before - 1000 + (900 - 60) * 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + (900 - 60) * 1000);
  });

  it.each([['abc'], [-5], ['1e3']])(
    'login with expires_in %p: 502 token_request_failed naming expires_in, no session',
    async (value) => {
      rewriteNext('authorization_code', expiresIn(value));
      const { jar, callback } = await login(stack, stack.app);
      expect(callback.status).toBe(502);
      expect(callback.json()).toMatchObject({
        reason: 'token_request_failed',
        message: expect.stringMatching(/unusable expires_in/),
      });
      expect(jar.get(stack.app.url, 'wb_session')).toBeUndefined();
    },
  );

  it('a refresh answered with expires_in as a string keeps the rotated refresh token: the next refresh works', async () => {
    stack.emulator.setAccessTokenTtl(2);
    const { jar } = await login(stack, stack.app);
    const first = await tokenInfo(jar);
    stack.emulator.resetCalls();

    await sleep(Math.max(0, first.expiresAt - Date.now()) + 50);
    rewriteNext('refresh_token', expiresIn('2'));
    expect((await me(jar)).status).toBe(200);
    expect(stack.emulator.calls('token', 'refresh_token')).toBe(1);
    const second = await tokenInfo(jar);
    expect(second.accessToken).not.toBe(first.accessToken);
    // 2 s lifetime, 1 s buffer (half the lifetime).
    expect(second.expiresAt).toBeGreaterThan(Date.now());
    expect(second.expiresAt).toBeLessThanOrEqual(Date.now() + 1000);

    // The refresh token that answer rotated was kept: the next refresh presents it and works.
    await sleep(Math.max(0, second.expiresAt - Date.now()) + 50);
    expect((await me(jar)).status).toBe(200);
    expect(stack.emulator.calls('token', 'refresh_token')).toBe(2);
    expect((await tokenInfo(jar)).accessToken).not.toBe(second.accessToken);
  });

  it('a refresh answered with a garbage expires_in while the access token still works: the request goes on, the rotated refresh token is kept', async () => {
    stack.emulator.setAccessTokenTtl(3);
    const { jar } = await login(stack, stack.app);
    const first = await tokenInfo(jar);
    stack.emulator.resetCalls();

    await sleep(Math.max(0, first.expiresAt - Date.now()) + 50);
    rewriteNext('refresh_token', expiresIn('abc'));
    expect((await me(jar)).status).toBe(200);
    expect(stack.emulator.calls('token', 'refresh_token')).toBe(1);
    expect((await tokenInfo(jar)).accessToken).toBe(first.accessToken);

    // Once the old access token has expired, the next refresh uses the rotated refresh token: no reuse.
    await sleep(Math.max(0, first.expiresAt + 1500 - Date.now()) + 100);
    const after = await me(jar);
    expect(after.status).toBe(200);
    expect(stack.emulator.calls('token', 'refresh_token')).toBe(2);
    expect((await tokenInfo(jar)).accessToken).not.toBe(first.accessToken);
  });

  it.each([['abc'], [-5]])(
    'a refresh answered with expires_in %p after the access token expired: 503, the rotated refresh token is kept, the next request refreshes',
    async (value) => {
      stack.emulator.setAccessTokenTtl(2);
      const { jar } = await login(stack, stack.app);
      const first = await tokenInfo(jar);
      stack.emulator.resetCalls();

      await sleep(Math.max(0, first.expiresAt + 1000 - Date.now()) + 100);
      rewriteNext('refresh_token', expiresIn(value));
      const failed = await me(jar);
      expect(failed.status).toBe(503);
      expect(failed.json()).toMatchObject({ reason: 'wristband_unavailable' });
      expect(stack.emulator.calls('token', 'refresh_token')).toBe(1);

      // The old refresh token is spent (rotation): the session survives only with the one kept.
      const next = await me(jar);
      expect(next.status).toBe(200);
      expect(stack.emulator.calls('token', 'refresh_token')).toBe(2);
      expect((await tokenInfo(jar)).accessToken).not.toBe(first.accessToken);
    },
  );

  it('a userinfo 401 during login: 502 userinfo_failed, no session', async () => {
    stack.emulator.injectFault({
      endpoint: 'userinfo',
      status: 401,
      body: { error: 'invalid_token' },
    });
    const { jar, callback } = await login(stack, stack.app);
    expect(callback.status).toBe(502);
    expect(callback.json()).toMatchObject({ reason: 'userinfo_failed' });
    expect(jar.get(stack.app.url, 'wb_session')).toBeUndefined();
  });

  it('a userinfo 5xx during login stays 503 wristband_unavailable', async () => {
    stack.emulator.injectFault({ endpoint: 'userinfo', status: 500 });
    const { callback } = await login(stack, stack.app);
    expect(callback.status).toBe(503);
    expect(callback.json()).toMatchObject({ reason: 'wristband_unavailable' });
  });
});
