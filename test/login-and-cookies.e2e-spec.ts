import { CookieSealer } from '../src/wristband/session/cookie-sealer.js';
import { CookieJar, request } from './support/http-client.js';
import { appEnv, CLIENT_ID, SESSION_SECRET, login, setCookieValue, startStack, startTestApp, freePort, type TestStack } from './support/test-stack.js';

describe('login request validation and redirect attacks', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('redirects to the tenant authorize URL with PKCE S256, state, nonce, scopes and login_hint', async () => {
    const res = await request(`${stack.app.url}/auth/login?tenant_name=acme&login_hint=alice%40acme.test`);
    expect(res.status).toBe(302);
    const url = new URL(res.location!);
    expect(url.host).toBe(`acme.${stack.emulator.vanityDomain}`);
    expect(url.pathname).toBe('/api/v1/oauth2/authorize');
    const q = url.searchParams;
    expect(q.get('client_id')).toBe(CLIENT_ID);
    expect(q.get('response_type')).toBe('code');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('scope')).toBe('openid offline_access email profile roles');
    expect(q.get('login_hint')).toBe('alice@acme.test');
    expect(q.get('redirect_uri')).toBe(`${stack.app.url}/auth/callback`);
    const cookie = res.headers['set-cookie']!.find((c) => c.startsWith('wb_login_'))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Max-Age=3600/);
    expect(cookie).not.toContain(q.get('state')!); // only a prefix names the cookie; the value is sealed
  });

  it('without a tenant, sends the browser to the application login page', async () => {
    const res = await request(`${stack.app.url}/auth/login`);
    expect(res.status).toBe(302);
    expect(res.location).toBe(`${stack.emulator.url}/login?client_id=${CLIENT_ID}`);
  });

  it.each(['evil.com/', 'acme.evil.com', 'acme/../evil', 'a_b', '-acme', 'x'.repeat(64), '%00', 'acme@evil.com'])(
    'refuses tenant_name %p with 400 and never redirects to it',
    async (tenant) => {
      const res = await request(`${stack.app.url}/auth/login?tenant_name=${encodeURIComponent(tenant)}`);
      expect(res.status).toBe(400);
      expect(res.json()).toMatchObject({ reason: 'invalid_tenant_name' });
      expect(res.headers.location).toBeUndefined();
    },
  );

  it('ignores a tenant_custom_domain that configuration does not allow', async () => {
    const res = await request(`${stack.app.url}/auth/login?tenant_name=acme&tenant_custom_domain=evil.com`);
    expect(res.status).toBe(302);
    expect(new URL(res.location!).host).toBe(`acme.${stack.emulator.vanityDomain}`);
  });

  it.each(['https://evil.com/', '//evil.com/x', '/\\evil.com', 'javascript:alert(1)', 'http://localhost:1/elsewhere'])(
    'drops a foreign return_url %p (the user lands on /)',
    async (returnUrl) => {
      const { callback } = await login(stack, stack.app, { returnUrl });
      expect(callback.status).toBe(302);
      expect(callback.location).toBe(`${stack.app.url}/`);
    },
  );

  it('keeps a same-origin return_url, given as a path or as an absolute URL of the app', async () => {
    expect((await login(stack, stack.app, { returnUrl: '/projects/7?x=1#top' })).callback.location).toBe(`${stack.app.url}/projects/7?x=1#top`);
    expect((await login(stack, stack.app, { returnUrl: `${stack.app.url}/settings` })).callback.location).toBe(`${stack.app.url}/settings`);
  });

  it('keeps at most 3 login-state cookies (several tabs can log in at once)', async () => {
    const jar = new CookieJar();
    for (let i = 0; i < 5; i++) await request(`${stack.app.url}/auth/login?tenant_name=acme`, { jar });
    const names = (jar.cookieHeader(new URL(stack.app.url)) ?? '').split('; ').filter((c) => c.startsWith('wb_login_'));
    expect(names).toHaveLength(3);
  });

  it('two tabs logging in at once both succeed', async () => {
    const jar = new CookieJar();
    const a = await request(`${stack.app.url}/auth/login?tenant_name=acme`, { jar });
    const b = await request(`${stack.app.url}/auth/login?tenant_name=acme`, { jar });
    const cbB = await stack.emulator.authorizeViaForm(b.location!, { username: 'alice@acme.test', password: 'Passw0rd!' }, jar);
    const cbA = await stack.emulator.authorizeViaForm(a.location!, { username: 'alice@acme.test', password: 'Passw0rd!' }, jar);
    expect((await request(cbA, { jar })).status).toBe(302);
    expect((await request(cbB, { jar })).location).toBe(`${stack.app.url}/`);
    expect((await request(`${stack.app.url}/api/me`, { jar })).status).toBe(200);
  });
});

describe('session cookies', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('is sealed: HttpOnly, SameSite=Lax, nothing readable inside', async () => {
    const { callback } = await login(stack, stack.app);
    const line = callback.headers['set-cookie']!.find((c) => c.startsWith('wb_session='))!;
    expect(line).toMatch(/HttpOnly/);
    expect(line).toMatch(/SameSite=Lax/);
    const value = setCookieValue(callback, 'wb_session')!;
    const decoded = Buffer.from(value, 'base64url').toString('latin1');
    for (const secret of ['alice', 'acme', 'eyJ', 'refresh']) expect(decoded).not.toContain(secret);
    const csrf = callback.headers['set-cookie']!.find((c) => c.startsWith('CSRF-TOKEN='))!;
    expect(csrf).not.toMatch(/HttpOnly/);
  });

  it('a tampered cookie is refused with 401 and cleared', async () => {
    const { callback } = await login(stack, stack.app);
    const value = setCookieValue(callback, 'wb_session')!;
    const raw = Buffer.from(value, 'base64url');
    raw[40] ^= 0xff;
    const res = await request(`${stack.app.url}/api/me`, { headers: { cookie: `wb_session=${raw.toString('base64url')}` } });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ reason: 'session_invalid' });
    expect(res.headers['set-cookie']!.find((c) => c.startsWith('wb_session='))).toMatch(/Max-Age=0/);
  });

  it('a cookie sealed with a foreign secret is refused', async () => {
    const forged = new CookieSealer(['f'.repeat(40)]).seal('session', {
      id: 'x', userId: 'u', tenantId: 't', accessToken: 'a', accessTokenExpiresAt: Date.now() + 1e6,
      createdAt: Date.now(), lastSeenAt: Date.now(), roles: ['app:invotastic:admin'],
    });
    const res = await request(`${stack.app.url}/api/me`, { headers: { cookie: `wb_session=${forged}` } });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ reason: 'session_invalid' });
  });

  it('secrets rotate: new secret first keeps old sessions; dropping the old secret ends them', async () => {
    const { jar } = await login(stack, stack.app);
    const cookie = jar.cookieHeader(new URL(stack.app.url))!;
    const newSecret = 'n'.repeat(48);
    const port = await freePort();
    const rotated = await startTestApp(port, { env: appEnv(stack.emulator, port, { SESSION_SECRETS: `${newSecret},${SESSION_SECRET}` }) });
    const port2 = await freePort();
    const onlyNew = await startTestApp(port2, { env: appEnv(stack.emulator, port2, { SESSION_SECRETS: newSecret }) });
    try {
      expect((await request(`${rotated.url}/api/me`, { headers: { cookie } })).status).toBe(200);
      expect((await request(`${onlyNew.url}/api/me`, { headers: { cookie } })).status).toBe(401);
    } finally {
      await rotated.close();
      await onlyNew.close();
    }
  });

  it('with Secure cookies (no dangerous flag) the cookies are __Host- prefixed and Secure', async () => {
    const port = await freePort();
    const secure = await startTestApp(port, {
      env: appEnv(stack.emulator, port, {
        WRISTBAND_DANGEROUSLY_ALLOW_HTTP: 'false',
        WRISTBAND_CALLBACK_URL: 'https://app.example.com/auth/callback',
        WRISTBAND_LOGIN_URL: 'https://app.example.com/auth/login',
      }),
    });
    try {
      const res = await request(`${secure.url}/auth/login?tenant_name=acme`);
      expect(res.status).toBe(302);
      expect(res.location).toMatch(/^https:\/\/acme\./);
      const line = res.headers['set-cookie']!.find((c) => c.startsWith('__Host-wb_login_'))!;
      expect(line).toMatch(/; Secure/);
      expect(line).toMatch(/; Path=\//);
      expect(line).not.toMatch(/Domain=/);
    } finally {
      await secure.close();
    }
  });
});
