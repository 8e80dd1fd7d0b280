import { CookieJar, request } from 'nestjs-wristband/testing';
import { login, startStack, type TestStack } from './support/test-stack.js';

/**
 * `GET /auth/logout` stays link-friendly for the app's own pages and the address bar, but a logout
 * another site starts (a link, an `<img>`, a script navigating there) is refused. The headers are the
 * ones browsers send; `browser-logout.e2e-spec.ts` checks the same with a real Chromium.
 */
describe('GET /auth/logout started by another site', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const refused: [string, Record<string, string>][] = [
    [
      'Sec-Fetch-Site: cross-site (a link or image on another site)',
      { 'sec-fetch-site': 'cross-site' },
    ],
    ['Sec-Fetch-Site: same-site (another subdomain or port)', { 'sec-fetch-site': 'same-site' }],
    [
      'Sec-Fetch-Site: same-site, even with a Referer of this app',
      { 'sec-fetch-site': 'same-site', referer: 'APP/page' },
    ],
    ['an unknown Sec-Fetch-Site value', { 'sec-fetch-site': 'same-origin, cross-site' }],
    ['no Sec-Fetch-Site, Origin of another site', { origin: 'https://evil.example' }],
    ['no Sec-Fetch-Site, Origin: null (sandboxed or privacy-stripped)', { origin: 'null' }],
    ['no Sec-Fetch-Site, Referer on another site', { referer: 'https://evil.example/page' }],
    [
      'no Sec-Fetch-Site, Referer on another port of this host',
      { referer: 'http://localhost:1/page' },
    ],
    ['no Sec-Fetch-Site, a Referer that is no URL', { referer: 'not a url' }],
  ];

  it.each(refused)(
    '%s → 403 cross_site_request, and the session goes on',
    async (_name, headers) => {
      const { jar } = await login(stack, stack.app);
      stack.emulator.resetCalls();
      const withApp = Object.fromEntries(
        Object.entries(headers).map(([k, v]) => [k, v.replace('APP', stack.app.url)]),
      );
      const res = await request(`${stack.app.url}/auth/logout`, { jar, headers: withApp });
      expect(res.status).toBe(403);
      expect(res.json()).toMatchObject({ statusCode: 403, reason: 'cross_site_request' });
      expect(res.json<{ message: string }>().message).toMatch(
        /^Logout was started by another site \((Sec-Fetch-Site|Origin|Referer) /,
      );
      expect(res.headers.location).toBeUndefined();
      expect(res.headers['set-cookie']).toEqual([]);
      expect(stack.emulator.calls('revoke')).toBe(0);
      expect((await request(`${stack.app.url}/api/me`, { jar })).status).toBe(200);
    },
  );

  const allowed: [string, Record<string, string>][] = [
    [
      "Sec-Fetch-Site: same-origin (a link on the app's own page)",
      { 'sec-fetch-site': 'same-origin' },
    ],
    ['Sec-Fetch-Site: none (typed in the address bar, a bookmark)', { 'sec-fetch-site': 'none' }],
    [
      'Sec-Fetch-Site: same-origin, whatever the Referer says',
      { 'sec-fetch-site': 'same-origin', referer: 'https://evil.example/' },
    ],
    ['no Sec-Fetch-Site, Referer of this app (an older browser)', { referer: 'APP/dashboard' }],
    ['no Sec-Fetch-Site, Origin of this app', { origin: 'APP' }],
    ['none of these headers (curl, an old browser without a referrer)', {}],
  ];

  it.each(allowed)('%s → logs out', async (_name, headers) => {
    const { jar } = await login(stack, stack.app);
    stack.emulator.resetCalls();
    const withApp = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k, v.replace('APP', stack.app.url)]),
    );
    const res = await request(`${stack.app.url}/auth/logout`, { jar, headers: withApp });
    expect(res.status).toBe(302);
    expect(new URL(res.location!).pathname).toBe('/api/v1/logout');
    expect(res.headers['set-cookie']!.find((c) => c.startsWith('wb_session='))).toMatch(
      /Max-Age=0/,
    );
    expect(stack.emulator.calls('revoke')).toBe(1);
    expect((await request(`${stack.app.url}/api/me`, { jar })).status).toBe(401);
  });

  it('HEAD /auth/logout (a link checker, a prefetch) → 405, nothing revoked, the session goes on', async () => {
    const { jar } = await login(stack, stack.app);
    stack.emulator.resetCalls();
    const res = await request(`${stack.app.url}/auth/logout`, { method: 'HEAD', jar });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, POST');
    expect(res.headers['set-cookie']).toEqual([]);
    expect(stack.emulator.calls('revoke')).toBe(0);
    expect((await request(`${stack.app.url}/api/me`, { jar })).status).toBe(200);
  });

  it('POST /auth/logout keeps its CSRF check and is not affected by Sec-Fetch-Site', async () => {
    const { jar } = await login(stack, stack.app);
    const csrf = jar.get(new URL(stack.app.url), 'CSRF-TOKEN')!;
    const noToken = await request(`${stack.app.url}/auth/logout`, {
      method: 'POST',
      jar,
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    expect(noToken.status).toBe(403);
    expect(noToken.json()).toMatchObject({ reason: 'csrf_failed' });
    const res = await request(`${stack.app.url}/auth/logout`, {
      method: 'POST',
      jar,
      headers: { 'x-csrf-token': csrf, 'sec-fetch-site': 'same-origin' },
    });
    expect(res.status).toBe(302);
    expect((await request(`${stack.app.url}/api/me`, { jar })).status).toBe(401);
  });

  it('POST /auth/logout with Accept: application/json → 200 {logoutUrl} for a front end to open; cookies cleared', async () => {
    const { jar } = await login(stack, stack.app);
    stack.emulator.resetCalls();
    const res = await request(`${stack.app.url}/auth/logout`, {
      method: 'POST',
      jar,
      headers: {
        'x-csrf-token': jar.get(new URL(stack.app.url), 'CSRF-TOKEN')!,
        accept: 'application/json',
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const { logoutUrl } = res.json<{ logoutUrl: string }>();
    expect(new URL(logoutUrl).host).toBe(`acme.${stack.emulator.vanityDomain}`);
    expect(new URL(logoutUrl).pathname).toBe('/api/v1/logout');
    expect(res.headers['set-cookie']!.find((c) => c.startsWith('wb_session='))).toMatch(
      /Max-Age=0/,
    );
    expect(stack.emulator.calls('revoke')).toBe(1);
    expect((await request(`${stack.app.url}/api/me`, { jar })).status).toBe(401);
  });

  it('a refused GET without any session still answers 403, not a redirect', async () => {
    const res = await request(`${stack.app.url}/auth/logout`, {
      jar: new CookieJar(),
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ reason: 'cross_site_request' });
  });
});
