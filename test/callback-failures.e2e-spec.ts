import { CookieJar, CookieSealer, request } from 'nestjs-wristband/testing';
import { PASSWORD, SESSION_SECRET, startStack, type TestStack } from './support/test-stack.js';

/** Starts a login and lets the emulator authenticate; returns the callback URL and the jar with the login-state cookie. */
async function authorize(stack: TestStack, query = 'tenant_name=acme') {
  const jar = new CookieJar();
  const start = await request(`${stack.app.url}/auth/login?${query}`, { jar });
  expect(start.status).toBe(302);
  const callbackUrl = await stack.emulator.authorizeViaForm(
    start.location!,
    { username: 'alice@acme.test', password: PASSWORD },
    jar,
  );
  return { jar, callbackUrl: new URL(callbackUrl), authorizeUrl: new URL(start.location!) };
}

function loginStateCookie(jar: CookieJar, appUrl: string): { name: string; value: string } {
  const header = jar.cookieHeader(new URL(appUrl)) ?? '';
  const pair = header.split('; ').find((c) => c.startsWith('wb_login_'));
  if (!pair) throw new Error('no login-state cookie');
  const i = pair.indexOf('=');
  return { name: pair.slice(0, i), value: pair.slice(i + 1) };
}

describe('callback failures', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });
  afterEach(() => stack.emulator.clearFaults());

  const restartUrl = (s: TestStack) => `${s.app.url}/auth/login?tenant_name=acme&restarted=1`;

  it('missing login state → back to the tenant login once, then an error instead of a loop', async () => {
    const { callbackUrl } = await authorize(stack);
    const res = await request(callbackUrl.href, { jar: new CookieJar() });
    expect(res.status).toBe(302);
    expect(res.location).toBe(restartUrl(stack));

    // The restarted login marks its state; losing the cookie again ends in a clear 400.
    const again = await authorize(stack, 'tenant_name=acme&restarted=1');
    const second = await request(again.callbackUrl.href, { jar: new CookieJar() });
    expect(second.status).toBe(400);
    expect(second.json()).toMatchObject({ reason: 'login_failed' });
  });

  it('tampered login state → restart', async () => {
    const { jar, callbackUrl } = await authorize(stack);
    const cookie = loginStateCookie(jar, stack.app.url);
    const tampered = cookie.value.slice(0, -4) + (cookie.value.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const res = await request(callbackUrl.href, {
      headers: { cookie: `${cookie.name}=${tampered}` },
    });
    expect(res.status).toBe(302);
    expect(res.location).toBe(restartUrl(stack));
  });

  it('state mismatch → restart, and the code is never exchanged', async () => {
    const { jar, callbackUrl } = await authorize(stack);
    stack.emulator.resetCalls();
    const state = callbackUrl.searchParams.get('state')!;
    callbackUrl.searchParams.set('state', state.slice(0, 30) + 'x'.repeat(state.length - 30));
    const res = await request(callbackUrl.href, { jar });
    expect(res.status).toBe(302);
    expect(res.location).toBe(restartUrl(stack));
    expect(stack.emulator.calls('token')).toBe(0);
  });

  it('expired login state → restart', async () => {
    const { callbackUrl } = await authorize(stack);
    const state = callbackUrl.searchParams.get('state')!;
    const sealer = new CookieSealer([SESSION_SECRET]);
    const old = sealer.seal('login-state', {
      state,
      codeVerifier: 'v'.repeat(43),
      nonce: 'n',
      tenantName: 'acme',
      createdAt: Date.now() - 2 * 3600_000,
    });
    const res = await request(callbackUrl.href, {
      headers: { cookie: `wb_login_${state.slice(0, 22)}=${old}` },
    });
    expect(res.status).toBe(302);
    expect(res.location).toBe(restartUrl(stack));
  });

  it('error=login_required → restart', async () => {
    const { jar, authorizeUrl } = await authorize(stack);
    const state = authorizeUrl.searchParams.get('state')!;
    const res = await request(
      `${stack.app.url}/auth/callback?error=login_required&state=${encodeURIComponent(state)}&tenant_name=acme`,
      { jar },
    );
    expect(res.status).toBe(302);
    expect(res.location).toBe(restartUrl(stack));
  });

  it('invalid_grant (a replayed code) → restart', async () => {
    const { jar, callbackUrl } = await authorize(stack);
    const cookie = loginStateCookie(jar, stack.app.url);
    expect((await request(callbackUrl.href, { jar })).status).toBe(302);
    const replay = await request(callbackUrl.href, {
      headers: { cookie: `${cookie.name}=${cookie.value}` },
    });
    expect(replay.status).toBe(302);
    expect(replay.location).toBe(restartUrl(stack));
  });

  it('other authorization errors → 400 with a reason, no stack trace', async () => {
    const { jar, authorizeUrl } = await authorize(stack);
    const state = authorizeUrl.searchParams.get('state')!;
    const res = await request(
      `${stack.app.url}/auth/callback?error=access_denied&error_description=%3Cscript%3E&state=${encodeURIComponent(state)}`,
      { jar },
    );
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ reason: 'authorization_failed' });
    expect(res.text).not.toMatch(/at .*\.ts|<script>/);
  });

  it('Wristband token endpoint failing → 503 wristband_unavailable', async () => {
    const { jar, callbackUrl } = await authorize(stack);
    stack.emulator.injectFault({ endpoint: 'token', status: 500, times: 1 });
    const res = await request(callbackUrl.href, { jar });
    expect(res.status).toBe(503);
    expect(res.json()).toMatchObject({ reason: 'wristband_unavailable' });
  });

  it.each([
    ['an HTML page', '<html><body>Bad gateway</body></html>'],
    ['JSON null', null],
    ['a JSON array', []],
  ])(
    'Wristband userinfo answering 200 with %s → 502 userinfo_invalid, no session, never a 500',
    async (_name, body) => {
      const { jar, callbackUrl } = await authorize(stack);
      stack.emulator.injectFault({ endpoint: 'userinfo', status: 200, body, times: 1 });
      const res = await request(callbackUrl.href, { jar });
      expect(res.status).toBe(502);
      expect(res.json()).toMatchObject({ reason: 'userinfo_invalid' });
      expect(res.text).not.toMatch(/at .*\.[jt]s|SyntaxError/);
      expect(jar.get(stack.app.url, 'wb_session')).toBeUndefined();
    },
  );

  it('a callback for another tenant than the login → 403 tenant_mismatch', async () => {
    const { jar, callbackUrl } = await authorize(stack);
    callbackUrl.searchParams.set('tenant_name', 'globex');
    const res = await request(callbackUrl.href, { jar });
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ reason: 'tenant_mismatch' });
  });

  it('bad callback input (no parameters) → 400 invalid_callback', async () => {
    const res = await request(`${stack.app.url}/auth/callback`);
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ reason: 'invalid_callback' });
    expect(res.headers.location).toBeUndefined();
  });

  // No usable state (or no login state for it), and no tenant to go back to: one restart at the app's login.
  it.each([
    ['code without state', '?code=abc'],
    ['array parameters', '?state=a&state=b&code=c'],
    ['oversized state', `?code=c&state=${'s'.repeat(600)}`],
    ['garbage', '?state=%00%ff&code=%zz'],
  ])('bad callback input (%s) → 302 to a restarted login, never a 500', async (_name, query) => {
    const res = await request(`${stack.app.url}/auth/callback${query}`);
    expect(res.status).toBe(302);
    expect(res.location).toBe(`${stack.app.url}/auth/login?restarted=1`);
  });
});
