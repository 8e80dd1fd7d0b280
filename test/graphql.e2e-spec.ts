import { CookieJar, request, type HttpResponse } from 'nestjs-wristband/testing';
import {
  appEnv,
  CLIENT_SECRET,
  HTTP_ADAPTER,
  login,
  SESSION_SECRET,
  startStack,
  startTestApp,
  type TestApp,
  type TestStack,
} from './support/test-stack.js';
import {
  expectGraphqlRefusal,
  graphqlRequest,
  type GraphqlBody,
  type GraphqlRequestOptions,
} from './support/graphql.js';

// The example app's `POST /graphql` (src/graphql/) behind WristbandGuard, on the project's adapter: the same
// users, roles, tenants and refresh as the REST routes, refusals as GraphQL errors (HTTP 200).

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const ME = 'query { me { userId tenantId tenantName email roles } }';
const ADMIN_STATS = 'query { adminStats { tenantId activeUsers openInvoices } }';
const PROJECTS = 'query ($tenantId: ID!) { projects(tenantId: $tenantId) { id tenantId name } }';
const CREATE_PROJECT =
  'mutation ($tenantId: ID!, $name: String!) { createProject(tenantId: $tenantId, name: $name) { id tenantId name } }';

/** Every GraphQL answer of this file, for the scan for secrets at the end. */
const answers: HttpResponse[] = [];

const graphql = (app: TestApp, query: string, opts?: GraphqlRequestOptions) =>
  graphqlRequest(app, query, opts, answers);

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The data of an answer that must have succeeded. */
function data<T>(res: HttpResponse): T {
  expect(res.status).toBe(200);
  const body = res.json<GraphqlBody>();
  expect(body.errors).toBeUndefined();
  return body.data as T;
}

const expectRefusal = expectGraphqlRefusal;

describe(`GraphQL (POST /graphql on ${HTTP_ADAPTER}) behind WristbandGuard`, () => {
  let stack: TestStack;
  let alice: CookieJar; // acme, admin + billing
  let bob: CookieJar; // acme, viewer
  let acmeId: string;
  let globexId: string;
  /** Values that must never appear in an answer: secrets, tokens, cookie values. */
  const secrets = new Set<string>([CLIENT_SECRET, SESSION_SECRET]);
  const rememberCookies = (jar: CookieJar, url: string) => {
    for (const name of ['wb_session', 'CSRF-TOKEN']) {
      const value = jar.get(url, name);
      if (value) secrets.add(value);
    }
  };
  const tokenOf = async (jar: CookieJar) => {
    const { accessToken } = (await request(`${stack.app.url}/auth/token`, { jar })).json<{
      accessToken: string;
    }>();
    secrets.add(accessToken);
    return accessToken;
  };
  const csrfOf = (jar: CookieJar) => jar.get(`${stack.app.url}/`, 'CSRF-TOKEN')!;

  beforeAll(async () => {
    stack = await startStack({
      reservePorts: 1,
      // Wristband can put the user's roles in access tokens: bearer callers then have roles too.
      emulator: { accessTokenRoles: true },
      wristband: {
        // A refresh Wristband refuses gives up quickly (the SERVICE_UNAVAILABLE case).
        tokens: { retryBaseDelayMs: 50, requestTimeoutMs: 1000, refreshBudgetMs: 2000 },
      },
    });
    ({ jar: alice } = await login(stack, stack.app, { username: 'alice@acme.test' }));
    ({ jar: bob } = await login(stack, stack.app, { username: 'bob@acme.test' }));
    rememberCookies(alice, stack.app.url);
    rememberCookies(bob, stack.app.url);
    acmeId = stack.emulator.tenant('acme').id;
    globexId = stack.emulator.tenant('globex').id;
  });
  afterAll(async () => {
    await stack?.close();
  });
  afterEach(() => {
    stack.emulator.clearFaults();
    stack.emulator.setAccessTokenTtl(1800);
  });

  describe('me', () => {
    it('with a session cookie: the logged-in user, tenant and roles; no-store', async () => {
      const res = await graphql(stack.app, ME, { jar: alice });
      expect(data(res)).toEqual({
        me: {
          userId: stack.emulator.user('alice@acme.test').id,
          tenantId: acmeId,
          tenantName: 'acme',
          email: 'alice@acme.test',
          roles: ['app:invotastic:admin', 'app:invotastic:billing'],
        },
      });
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it("with the session's access token as a bearer token: the same user and roles, no cookie; no-store", async () => {
      const token = await tokenOf(alice);
      const res = await graphql(stack.app, ME, { headers: bearer(token) });
      // Wristband's access tokens carry no email and no tenant name (the app answers '' for String!).
      expect(data(res)).toEqual({
        me: {
          userId: stack.emulator.user('alice@acme.test').id,
          tenantId: acmeId,
          tenantName: '',
          email: null,
          roles: ['app:invotastic:admin', 'app:invotastic:billing'],
        },
      });
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['set-cookie']).toEqual([]);
    });

    it('another user of the tenant sees themself with their own roles', async () => {
      const res = await graphql(stack.app, ME, { jar: bob });
      expect(data<{ me: { email: string; roles: string[] } }>(res).me).toMatchObject({
        email: 'bob@acme.test',
        roles: ['app:invotastic:viewer'],
      });
    });

    it('without credentials: UNAUTHENTICATED session_required', async () => {
      expectRefusal(await graphql(stack.app, ME), 'me', 'UNAUTHENTICATED', 'session_required');
    });

    it.each([
      ['not a JWT', 'not-a-jwt'],
      ['signed with a key Wristband never served', 'foreign'],
      ['expired', 'expired'],
    ])('with a bad bearer token (%s): UNAUTHENTICATED invalid_token', async (_name, kind) => {
      const token =
        kind === 'foreign'
          ? await stack.emulator.mintAccessToken({ key: 'foreign' })
          : kind === 'expired'
            ? await stack.emulator.mintAccessToken({ expiresInSeconds: -60 })
            : kind;
      secrets.add(token);
      expectRefusal(
        await graphql(stack.app, ME, { headers: bearer(token) }),
        'me',
        'UNAUTHENTICATED',
        'invalid_token',
      );
    });

    it('with a tampered session cookie: UNAUTHENTICATED session_invalid, and the cookie is cleared', async () => {
      const value = alice.get(stack.app.url, 'wb_session')!;
      const raw = Buffer.from(value, 'base64url');
      raw[40] ^= 0xff;
      const res = await graphql(stack.app, ME, {
        headers: { cookie: `wb_session=${raw.toString('base64url')}` },
      });
      expectRefusal(res, 'me', 'UNAUTHENTICATED', 'session_invalid');
      expect(res.headers['set-cookie']?.find((c) => c.startsWith('wb_session='))).toMatch(
        /Max-Age=0/,
      );
    });
  });

  describe('ping', () => {
    it('answers without credentials', async () => {
      expect(data(await graphql(stack.app, 'query { ping }'))).toEqual({ ping: 'pong' });
    });

    it('answers without credentials with globalGuard: true, where every other field is refused', async () => {
      const port = stack.reservedPorts[0];
      const guarded = await startTestApp(port, {
        env: appEnv(stack.emulator, port),
        wristband: { globalGuard: true },
      });
      try {
        expect(data(await graphql(guarded, 'query { ping }'))).toEqual({ ping: 'pong' });
        expectRefusal(await graphql(guarded, ME), 'me', 'UNAUTHENTICATED', 'session_required');
        const { jar } = await login(stack, guarded);
        rememberCookies(jar, guarded.url);
        expect(data<{ me: { email: string } }>(await graphql(guarded, ME, { jar })).me.email).toBe(
          'alice@acme.test',
        );
      } finally {
        await guarded.close();
      }
    });
  });

  describe('roles and tenants', () => {
    it('adminStats: an admin gets their tenant, a viewer FORBIDDEN insufficient_role', async () => {
      expect(data(await graphql(stack.app, ADMIN_STATS, { jar: alice }))).toEqual({
        adminStats: {
          tenantId: acmeId,
          activeUsers: expect.any(Number),
          openInvoices: expect.any(Number),
        },
      });
      expectRefusal(
        await graphql(stack.app, ADMIN_STATS, { jar: bob }),
        'adminStats',
        'FORBIDDEN',
        'insufficient_role',
      );
    });

    it("projects: the own tenant's, another tenant's FORBIDDEN tenant_mismatch (cookie and bearer)", async () => {
      const own = data<{ projects: { tenantId: string }[] }>(
        await graphql(stack.app, PROJECTS, { jar: alice, variables: { tenantId: acmeId } }),
      );
      expect(own.projects.length).toBeGreaterThan(0);
      expect(own.projects.every((p) => p.tenantId === acmeId)).toBe(true);

      expectRefusal(
        await graphql(stack.app, PROJECTS, { jar: alice, variables: { tenantId: globexId } }),
        'projects',
        'FORBIDDEN',
        'tenant_mismatch',
      );
      const token = await tokenOf(alice);
      expectRefusal(
        await graphql(stack.app, PROJECTS, {
          headers: bearer(token),
          variables: { tenantId: globexId },
        }),
        'projects',
        'FORBIDDEN',
        'tenant_mismatch',
      );
    });

    it('createProject over a cookie without x-csrf-token: FORBIDDEN csrf_failed, nothing created', async () => {
      const name = 'No CSRF header';
      expectRefusal(
        await graphql(stack.app, CREATE_PROJECT, {
          jar: alice,
          variables: { tenantId: acmeId, name },
        }),
        'createProject',
        'FORBIDDEN',
        'csrf_failed',
      );
      expectRefusal(
        await graphql(stack.app, CREATE_PROJECT, {
          jar: alice,
          headers: { 'x-csrf-token': 'not-the-token' },
          variables: { tenantId: acmeId, name },
        }),
        'createProject',
        'FORBIDDEN',
        'csrf_failed',
      );
      const listed = data<{ projects: { name: string }[] }>(
        await graphql(stack.app, PROJECTS, { jar: alice, variables: { tenantId: acmeId } }),
      );
      expect(listed.projects.map((p) => p.name)).not.toContain(name);
    });

    it('createProject with the CSRF header: created in the own tenant, listed after; no-store', async () => {
      const res = await graphql(stack.app, CREATE_PROJECT, {
        jar: alice,
        headers: { 'x-csrf-token': csrfOf(alice) },
        variables: { tenantId: acmeId, name: 'Launch plan' },
      });
      const created = data<{ createProject: { id: string; tenantId: string; name: string } }>(
        res,
      ).createProject;
      expect(created).toEqual({ id: expect.any(String), tenantId: acmeId, name: 'Launch plan' });
      expect(res.headers['cache-control']).toBe('no-store');
      const listed = data<{ projects: { id: string }[] }>(
        await graphql(stack.app, PROJECTS, { jar: alice, variables: { tenantId: acmeId } }),
      );
      expect(listed.projects.map((p) => p.id)).toContain(created.id);
    });

    it('createProject for another tenant, even with the CSRF header: FORBIDDEN tenant_mismatch', async () => {
      expectRefusal(
        await graphql(stack.app, CREATE_PROJECT, {
          jar: alice,
          headers: { 'x-csrf-token': csrfOf(alice) },
          variables: { tenantId: globexId, name: 'Not mine' },
        }),
        'createProject',
        'FORBIDDEN',
        'tenant_mismatch',
      );
    });

    it('createProject with a bearer token needs no CSRF header (no cookie to ride on)', async () => {
      const token = await tokenOf(alice);
      const created = data<{ createProject: { tenantId: string; name: string } }>(
        await graphql(stack.app, CREATE_PROJECT, {
          headers: bearer(token),
          variables: { tenantId: acmeId, name: 'From the API' },
        }),
      ).createProject;
      expect(created).toMatchObject({ tenantId: acmeId, name: 'From the API' });
    });
  });

  describe('refresh inside a GraphQL request (2 s access tokens: due after 1 s)', () => {
    let tokenBefore: string;
    /**
     * A fresh login whose access token (kept in `tokenBefore`) is due for refresh; the tokens a refresh
     * brings live long.
     */
    const agedSession = async (): Promise<CookieJar> => {
      stack.emulator.setAccessTokenTtl(2);
      const { jar } = await login(stack, stack.app);
      rememberCookies(jar, stack.app.url);
      tokenBefore = await tokenOf(jar);
      stack.emulator.setAccessTokenTtl(1800);
      await sleep(1100);
      stack.emulator.resetCalls();
      return jar;
    };

    it('me refreshes once; the answer sets the refreshed session cookie, which the next request uses as it is', async () => {
      const jar = await agedSession();
      const before = jar.get(stack.app.url, 'wb_session');

      const res = await graphql(stack.app, ME, { jar });
      expect(data<{ me: { email: string } }>(res).me.email).toBe('alice@acme.test');
      expect(stack.emulator.calls('token', 'refresh_token')).toBe(1);
      const refreshed = res.headers['set-cookie']?.find((c) => c.startsWith('wb_session='));
      expect(refreshed).toBeDefined();
      expect(refreshed).not.toMatch(/Max-Age=0/);
      const after = jar.get(stack.app.url, 'wb_session');
      expect(after).toBeDefined();
      expect(after).not.toBe(before);
      rememberCookies(jar, stack.app.url);

      // The refreshed cookie carries the new tokens: no second refresh, a new access token.
      const next = await graphql(stack.app, ME, { jar });
      expect(data<{ me: { email: string } }>(next).me.email).toBe('alice@acme.test');
      expect(next.headers['set-cookie']).toEqual([]);
      expect(await tokenOf(jar)).not.toBe(tokenBefore);
      expect(stack.emulator.calls('token', 'refresh_token')).toBe(1);
    });

    it('20 concurrent queries on a session due for refresh: one refresh, 20 answers', async () => {
      const jar = await agedSession();
      const burst = await Promise.all(
        Array.from({ length: 20 }, () => graphql(stack.app, ME, { jar })),
      );
      for (const res of burst) expect(data<{ me: object }>(res).me).toBeDefined();
      expect(stack.emulator.calls('token', 'refresh_token')).toBe(1);
    });

    it('Wristband answering 503 to the refresh: SERVICE_UNAVAILABLE wristband_unavailable; the session survives', async () => {
      const jar = await agedSession();
      // Past the token's expiry: the app cannot keep using it while Wristband is down.
      await sleep(1000);
      stack.emulator.injectFault({
        endpoint: 'token',
        grantType: 'refresh_token',
        status: 503,
        times: Infinity,
      });
      const res = await graphql(stack.app, ME, { jar });
      expectRefusal(res, 'me', 'SERVICE_UNAVAILABLE', 'wristband_unavailable');
      expect(res.headers['set-cookie']?.some((c) => c.startsWith('wb_session=;'))).toBeFalsy();

      stack.emulator.clearFaults();
      expect(data<{ me: { email: string } }>(await graphql(stack.app, ME, { jar })).me.email).toBe(
        'alice@acme.test',
      );
    });

    it('a revoked grant at refresh: UNAUTHENTICATED session_expired, and the cookie is cleared', async () => {
      const jar = await agedSession();
      await stack.emulator.revokeUserGrants('alice@acme.test');
      const res = await graphql(stack.app, ME, { jar });
      expectRefusal(res, 'me', 'UNAUTHENTICATED', 'session_expired');
      expect(res.headers['set-cookie']?.find((c) => c.startsWith('wb_session='))).toMatch(
        /Max-Age=0/,
      );
      // The other users' sessions (logged in before) are not alice's grants; bob still works.
      expect(
        data<{ me: { email: string } }>(await graphql(stack.app, ME, { jar: bob })).me.email,
      ).toBe('bob@acme.test');
    });
  });

  // Last: it reads every answer the tests above received.
  it('no answer holds a stack trace, a token, a secret or a cookie value', () => {
    expect(answers.length).toBeGreaterThan(20);
    const refusals = answers.filter((res) => res.json<GraphqlBody>().errors !== undefined);
    expect(refusals.length).toBeGreaterThan(10);
    for (const res of answers) {
      const body = res.text;
      expect(body).not.toMatch(/\bat .+:\d+:\d+/); // a stack frame
      expect(body).not.toMatch(/stacktrace|exception/i);
      expect(body).not.toMatch(/eyJ[\w-]+\.eyJ/); // a JWT
      for (const secret of secrets)
        expect(body.includes(secret) ? secret : 'absent').toBe('absent');
    }
  });
});
