import { CookieJar, CookieSealer, type HttpResponse, request } from 'nestjs-wristband/testing';
import {
  appEnv,
  CLIENT_ID,
  PASSWORD,
  SESSION_SECRET,
  login,
  setCookieValue,
  startStack,
  startTestApp,
  freePort,
  type TestStack,
} from './support/test-stack.js';

/**
 * Wristband's application login page (tenant discovery): the user types a tenant name in its form, and
 * it sends the browser back to the app's login URL with `tenant_name` only. Returns that URL.
 */
async function chooseTenant(appLoginPage: string, tenant: string, jar: CookieJar): Promise<string> {
  const page = await request(appLoginPage, { jar });
  expect(page.status).toBe(200);
  expect(page.text).toContain('id="tenant-form"');
  const submitted = new URL('/login', appLoginPage);
  submitted.searchParams.set('client_id', CLIENT_ID);
  submitted.searchParams.set('tenant_name', tenant);
  const back = await request(submitted.href, { jar });
  expect(back.status).toBe(302);
  return back.location!;
}

/** From the app's login URL (with a tenant) through the emulator's login form to the app's callback answer. */
async function completeLogin(
  stack: TestStack,
  loginUrl: string,
  jar: CookieJar,
): Promise<{ start: HttpResponse; callback: HttpResponse }> {
  const start = await request(loginUrl, { jar });
  expect(start.status).toBe(302);
  const callbackUrl = await stack.emulator.authorizeViaForm(
    start.location!,
    { username: 'alice@acme.test', password: PASSWORD },
    jar,
  );
  return { start, callback: await request(callbackUrl, { jar }) };
}

const returnUrlCookie = (res: HttpResponse) =>
  res.headers['set-cookie']!.filter((c) => c.startsWith('wb_return_url='));

describe('login request validation and redirect attacks', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('redirects to the tenant authorize URL with PKCE S256, state, nonce, scopes and login_hint', async () => {
    const res = await request(
      `${stack.app.url}/auth/login?tenant_name=acme&login_hint=alice%40acme.test`,
    );
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

  it.each([
    'evil.com/',
    'acme.evil.com',
    'acme/../evil',
    'a_b',
    '-acme',
    'x'.repeat(64),
    '%00',
    'acme@evil.com',
  ])('refuses tenant_name %p with 400 and never redirects to it', async (tenant) => {
    const res = await request(
      `${stack.app.url}/auth/login?tenant_name=${encodeURIComponent(tenant)}`,
    );
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ reason: 'invalid_tenant_name' });
    expect(res.headers.location).toBeUndefined();
  });

  it.each([
    'tenant_name=acme&tenant_name=globex',
    'tenant_name=acme&tenant_name=acme',
    'tenant_name[]=acme',
    'tenant_name[a]=acme',
    'tenant_name[]=acme&tenant_name=acme',
  ])(
    'refuses %s (not exactly one tenant) with 400, instead of sending the user to the tenant discovery',
    async (query) => {
      const res = await request(`${stack.app.url}/auth/login?${query}`);
      expect(res.status).toBe(400);
      expect(res.json()).toMatchObject({ reason: 'invalid_tenant_name' });
      expect(res.headers.location).toBeUndefined();
    },
  );

  it('ignores a tenant_custom_domain that configuration does not allow', async () => {
    const res = await request(
      `${stack.app.url}/auth/login?tenant_name=acme&tenant_custom_domain=evil.com`,
    );
    expect(res.status).toBe(302);
    expect(new URL(res.location!).host).toBe(`acme.${stack.emulator.vanityDomain}`);
  });

  it.each([
    'https://evil.com/',
    '//evil.com/x',
    '/\\evil.com',
    'javascript:alert(1)',
    'http://localhost:1/elsewhere',
    '/.//evil.com/x', // parses to the path //evil.com/x: a redirect to evil.com if sent as parsed
    '/./\t/evil.com',
  ])('drops a foreign return_url %p (the user lands on /)', async (returnUrl) => {
    const { callback } = await login(stack, stack.app, { returnUrl });
    expect(callback.status).toBe(302);
    expect(callback.location).toBe(`${stack.app.url}/`);
  });

  it('keeps a same-origin return_url, given as a path or as an absolute URL of the app', async () => {
    expect(
      (await login(stack, stack.app, { returnUrl: '/projects/7?x=1#top' })).callback.location,
    ).toBe(`${stack.app.url}/projects/7?x=1#top`);
    expect(
      (await login(stack, stack.app, { returnUrl: `${stack.app.url}/settings` })).callback.location,
    ).toBe(`${stack.app.url}/settings`);
  });

  it.each([
    ['/\u2603', '/%E2%98%83'],
    ['/ok?q=\u20ac#caf\u00e9', '/ok?q=%E2%82%AC#caf%C3%A9'],
    ['/caf\u00e9', '/caf%C3%A9'],
    ['/a b?c d', '/a%20b?c%20d'],
    ['/a/../b', '/b'],
  ])(
    'percent-encodes return_url %j in the Location header; the login completes',
    async (returnUrl, location) => {
      const { jar, callback } = await login(stack, stack.app, { returnUrl });
      expect(callback.status).toBe(302);
      expect(callback.headers.location).toBe(location);
      expect((await request(`${stack.app.url}/api/me`, { jar })).status).toBe(200);
    },
  );

  it('keeps at most 3 login-state cookies (several tabs can log in at once)', async () => {
    const jar = new CookieJar();
    for (let i = 0; i < 5; i++)
      await request(`${stack.app.url}/auth/login?tenant_name=acme`, { jar });
    const names = (jar.cookieHeader(new URL(stack.app.url)) ?? '')
      .split('; ')
      .filter((c) => c.startsWith('wb_login_'));
    expect(names).toHaveLength(3);
  });

  it('two tabs logging in at once both succeed', async () => {
    const jar = new CookieJar();
    const a = await request(`${stack.app.url}/auth/login?tenant_name=acme`, { jar });
    const b = await request(`${stack.app.url}/auth/login?tenant_name=acme`, { jar });
    const cbB = await stack.emulator.authorizeViaForm(
      b.location!,
      { username: 'alice@acme.test', password: 'Passw0rd!' },
      jar,
    );
    const cbA = await stack.emulator.authorizeViaForm(
      a.location!,
      { username: 'alice@acme.test', password: 'Passw0rd!' },
      jar,
    );
    expect((await request(cbA, { jar })).status).toBe(302);
    expect((await request(cbB, { jar })).location).toBe(`${stack.app.url}/`);
    expect((await request(`${stack.app.url}/api/me`, { jar })).status).toBe(200);
  });
});

describe('return_url across tenant discovery (login started without a tenant)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('a deep link survives the application login page: the user lands on it after the callback, once', async () => {
    const jar = new CookieJar();
    const first = await request(
      `${stack.app.url}/auth/login?return_url=${encodeURIComponent('/deep/link?x=1#top')}`,
      { jar },
    );
    expect(first.status).toBe(302);
    expect(first.location).toBe(`${stack.emulator.url}/login?client_id=${CLIENT_ID}`);
    const [cookie] = returnUrlCookie(first);
    expect(returnUrlCookie(first)).toHaveLength(1);
    expect(cookie).toMatch(/; Max-Age=600;/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).not.toMatch(/; Secure/); // dangerous-http mode; see the Secure case below

    const back = await chooseTenant(first.location!, 'acme', jar);
    expect(back).toBe(`${stack.app.url}/auth/login?tenant_name=acme`);
    const { start, callback } = await completeLogin(stack, back, jar);
    expect(returnUrlCookie(start)).toEqual([expect.stringMatching(/^wb_return_url=; .*Max-Age=0/)]);
    expect(callback.status).toBe(302);
    expect(callback.location).toBe(`${stack.app.url}/deep/link?x=1#top`);

    // Used once: the next login with a tenant and no return_url lands on the default page.
    const again = await completeLogin(stack, `${stack.app.url}/auth/login?tenant_name=acme`, jar);
    expect(again.callback.location).toBe(`${stack.app.url}/`);
  });

  it('an absolute return_url of the app is kept as its path', async () => {
    const jar = new CookieJar();
    const first = await request(
      `${stack.app.url}/auth/login?return_url=${encodeURIComponent(`${stack.app.url}/settings`)}`,
      { jar },
    );
    const { callback } = await completeLogin(
      stack,
      await chooseTenant(first.location!, 'acme', jar),
      jar,
    );
    expect(callback.location).toBe(`${stack.app.url}/settings`);
  });

  it('a return_url given on the second hop wins over the remembered one', async () => {
    const jar = new CookieJar();
    const first = await request(`${stack.app.url}/auth/login?return_url=/deep/link`, { jar });
    await chooseTenant(first.location!, 'acme', jar);
    const { start, callback } = await completeLogin(
      stack,
      `${stack.app.url}/auth/login?tenant_name=acme&return_url=/explicit`,
      jar,
    );
    expect(returnUrlCookie(start)).toEqual([expect.stringMatching(/^wb_return_url=; .*Max-Age=0/)]);
    expect(callback.location).toBe(`${stack.app.url}/explicit`);
  });

  it.each([
    'https://evil.com/',
    '//evil.com/x',
    'http://localhost:1/elsewhere',
    'javascript:alert(1)',
  ])('a foreign return_url %p is not remembered (the user lands on /)', async (returnUrl) => {
    const jar = new CookieJar();
    const first = await request(
      `${stack.app.url}/auth/login?return_url=${encodeURIComponent(returnUrl)}`,
      { jar },
    );
    expect(first.status).toBe(302);
    expect(returnUrlCookie(first)).toEqual([]);
    const { callback } = await completeLogin(
      stack,
      await chooseTenant(first.location!, 'acme', jar),
      jar,
    );
    expect(callback.location).toBe(`${stack.app.url}/`);
  });

  it('a new tenant-less login without return_url forgets the one an abandoned login remembered', async () => {
    const jar = new CookieJar();
    await request(`${stack.app.url}/auth/login?return_url=/abandoned`, { jar });
    const second = await request(`${stack.app.url}/auth/login`, { jar });
    expect(returnUrlCookie(second)).toEqual([
      expect.stringMatching(/^wb_return_url=; .*Max-Age=0/),
    ]);
    const { callback } = await completeLogin(
      stack,
      await chooseTenant(second.location!, 'acme', jar),
      jar,
    );
    expect(callback.location).toBe(`${stack.app.url}/`);
  });

  it('only a fresh cookie sealed by the app as a return URL counts', async () => {
    const sealer = new CookieSealer([SESSION_SECRET]);
    const loginWith = async (cookieValue: string) => {
      const jar = new CookieJar();
      jar.set(stack.app.url, 'wb_return_url', cookieValue);
      return (await completeLogin(stack, `${stack.app.url}/auth/login?tenant_name=acme`, jar))
        .callback.location;
    };
    const now = Date.now();
    expect(
      await loginWith(
        sealer.seal('login-state', { kind: 'return-url', returnUrl: '/fresh', createdAt: now }),
      ),
    ).toBe(`${stack.app.url}/fresh`);
    expect(
      await loginWith(
        sealer.seal('login-state', {
          kind: 'return-url',
          returnUrl: '/stale',
          createdAt: now - 601_000,
        }),
      ),
    ).toBe(`${stack.app.url}/`);
    expect(
      await loginWith(
        sealer.seal('login-state', {
          kind: 'return-url',
          returnUrl: 'https://evil.com/',
          createdAt: now,
        }),
      ),
    ).toBe(`${stack.app.url}/`);
    // A login-state cookie moved under this name is not a return URL; nor is one sealed with another secret.
    expect(
      await loginWith(
        sealer.seal('login-state', { state: 's', returnUrl: '/moved', createdAt: now }),
      ),
    ).toBe(`${stack.app.url}/`);
    const foreign = new CookieSealer(['f'.repeat(40)]).seal('login-state', {
      kind: 'return-url',
      returnUrl: '/forged',
      createdAt: now,
    });
    expect(await loginWith(foreign)).toBe(`${stack.app.url}/`);
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

  // That it is sealed shows in what a client can do with it: see the tampered, foreign and rotated cases below.
  it('is HttpOnly and SameSite=Lax; the CSRF cookie is readable by scripts', async () => {
    const { callback } = await login(stack, stack.app);
    const line = callback.headers['set-cookie']!.find((c) => c.startsWith('wb_session='))!;
    expect(line).toMatch(/HttpOnly/);
    expect(line).toMatch(/SameSite=Lax/);
    const csrf = callback.headers['set-cookie']!.find((c) => c.startsWith('CSRF-TOKEN='))!;
    expect(csrf).not.toMatch(/HttpOnly/);
  });

  it('a tampered cookie is refused with 401 and cleared', async () => {
    const { callback } = await login(stack, stack.app);
    const value = setCookieValue(callback, 'wb_session')!;
    const raw = Buffer.from(value, 'base64url');
    raw[40] ^= 0xff;
    const res = await request(`${stack.app.url}/api/me`, {
      headers: { cookie: `wb_session=${raw.toString('base64url')}` },
    });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ reason: 'session_invalid' });
    expect(res.headers['set-cookie']!.find((c) => c.startsWith('wb_session='))).toMatch(
      /Max-Age=0/,
    );
  });

  it('a cookie sealed with a foreign secret is refused', async () => {
    const forged = new CookieSealer(['f'.repeat(40)]).seal('session', {
      id: 'x',
      userId: 'u',
      tenantId: 't',
      accessToken: 'a',
      accessTokenExpiresAt: Date.now() + 1e6,
      createdAt: Date.now(),
      lastSeenAt: Date.now(),
      roles: ['app:invotastic:admin'],
    });
    const res = await request(`${stack.app.url}/api/me`, {
      headers: { cookie: `wb_session=${forged}` },
    });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ reason: 'session_invalid' });
  });

  it('a session sealed with the right secret in another format than the codec writes (plain JSON) is refused', async () => {
    const now = Date.now();
    const json = new CookieSealer([SESSION_SECRET]).seal('session', {
      id: 'x',
      userId: 'u',
      tenantId: 't',
      tenantName: 'acme',
      identityProviderName: 'wristband',
      claims: { sub: 'u', tnt_id: 't' },
      accessToken: 'a',
      accessTokenExpiresAt: now + 1e6,
      csrfToken: 'c',
      createdAt: now,
      lastSeenAt: now,
      roles: ['app:invotastic:admin'],
    });
    const res = await request(`${stack.app.url}/api/me`, {
      headers: { cookie: `wb_session=${json}` },
    });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ reason: 'session_invalid' });
  });

  it('secrets rotate: new secret first keeps old sessions; dropping the old secret ends them', async () => {
    const { jar } = await login(stack, stack.app);
    const cookie = jar.cookieHeader(new URL(stack.app.url))!;
    const newSecret = 'n'.repeat(48);
    const port = await freePort();
    const rotated = await startTestApp(port, {
      env: appEnv(stack.emulator, port, { SESSION_SECRETS: `${newSecret},${SESSION_SECRET}` }),
    });
    const port2 = await freePort();
    const onlyNew = await startTestApp(port2, {
      env: appEnv(stack.emulator, port2, { SESSION_SECRETS: newSecret }),
    });
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

      const discovery = await request(`${secure.url}/auth/login?return_url=/deep/link`);
      expect(discovery.status).toBe(302);
      const returnUrl = discovery.headers['set-cookie']!;
      expect(returnUrl).toHaveLength(1);
      expect(returnUrl[0]).toMatch(
        /^__Host-wb_return_url=[A-Za-z0-9_-]+; Max-Age=600; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
      );
    } finally {
      await secure.close();
    }
  });
});
