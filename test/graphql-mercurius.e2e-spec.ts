import { CookieJar, request, type HttpResponse } from 'nestjs-wristband/testing';
import {
  buildApp,
  startAppProcess,
  type AppProcess,
  type BuiltApp,
} from './support/app-process.js';
import {
  appEnv,
  CLIENT_SECRET,
  login,
  onFastify,
  SESSION_SECRET,
  startStack,
  type TestStack,
} from './support/test-stack.js';
import {
  expectGraphqlRefusal,
  graphqlRequest,
  type GraphqlBody,
  type GraphqlRequestOptions,
} from './support/graphql.js';

// Mercurius, Fastify's own GraphQL server, through Nest's `MercuriusDriver` with no context option at all
// (test/fixtures/mercurius-app.ts, its own process): Mercurius's context always carries `reply` and Nest
// adds `req`, so the guard needs nothing from the app. Mercurius runs on Fastify only: the Express project
// lists this file as skipped.

const RENAME = 'mutation ($tenantId: ID!) { rename(tenantId: $tenantId, name: "x") }';

(onFastify ? describe : describe.skip)(
  'GraphQL on Mercurius (Fastify) behind WristbandGuard',
  () => {
    let stack: TestStack;
    let built: BuiltApp;
    let app: AppProcess;
    let alice: CookieJar; // acme admin
    let bob: CookieJar; // acme viewer
    const answers: HttpResponse[] = [];

    const graphql = (query: string, opts?: GraphqlRequestOptions) =>
      graphqlRequest(app, query, opts, answers);
    const expectRefusal = expectGraphqlRefusal;

    beforeAll(async () => {
      [built, stack] = await Promise.all([
        buildApp('test/fixtures/mercurius-app.ts'),
        startStack({ instances: 1, reservePorts: 1 }),
      ]);
      await stack.apps[0].close(); // only the emulator: the app here is the Mercurius one
      const port = stack.reservedPorts[0];
      app = await startAppProcess(built, port, appEnv(stack.emulator, port));
      ({ jar: alice } = await login(stack, app, { username: 'alice@acme.test' }));
      ({ jar: bob } = await login(stack, app, { username: 'bob@acme.test' }));
    }, 120_000);
    afterAll(async () => {
      await app?.kill();
      await stack?.close();
      built?.dispose();
    });

    it('a @Public() query answers without credentials', async () => {
      const res = await graphql('{ ping }');
      expect(res.status).toBe(200);
      expect(res.json<GraphqlBody>()).toEqual({ data: { ping: 'pong' } });
    });

    it('me with the session cookie: the user and tenant, Cache-Control no-store', async () => {
      const res = await graphql('{ me { userId tenantId } }', { jar: alice });
      expect(res.status).toBe(200);
      expect(res.json<GraphqlBody>()).toEqual({
        data: {
          me: {
            userId: stack.emulator.user('alice@acme.test').id,
            tenantId: stack.emulator.tenant('acme').id,
          },
        },
      });
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('me with a bearer token', async () => {
      const { accessToken } = (await request(`${app.url}/auth/token`, { jar: alice })).json<{
        accessToken: string;
      }>();
      const res = await graphql('{ me { userId } }', {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(res.json<GraphqlBody>().data).toEqual({
        me: { userId: stack.emulator.user('alice@acme.test').id },
      });
    });

    it('me without credentials: UNAUTHENTICATED session_required, HTTP 200, no stack', async () => {
      const res = await graphql('{ me { userId } }');
      expectRefusal(res, 'me', 'UNAUTHENTICATED', 'session_required');
      expect(res.text).not.toMatch(/\n\s+at |\.ts:\d+/);
    });

    it('a bad bearer token: UNAUTHENTICATED invalid_token', async () => {
      const res = await graphql('{ me { userId } }', {
        headers: { authorization: 'Bearer not-a-jwt' },
      });
      expectRefusal(res, 'me', 'UNAUTHENTICATED', 'invalid_token');
    });

    it('@Roles: FORBIDDEN insufficient_role for a viewer, the value for an admin', async () => {
      expectRefusal(
        await graphql('{ adminOnly }', { jar: bob }),
        'adminOnly',
        'FORBIDDEN',
        'insufficient_role',
      );
      expect((await graphql('{ adminOnly }', { jar: alice })).json<GraphqlBody>()).toEqual({
        data: { adminOnly: 'admin' },
      });
    });

    it('a mutation over a cookie: csrf_failed without x-csrf-token, done with it; tenant_mismatch for another tenant', async () => {
      const acme = stack.emulator.tenant('acme').id;
      const globex = stack.emulator.tenant('globex').id;
      const csrf = alice.get(`${app.url}/`, 'CSRF-TOKEN')!;
      expectRefusal(
        await graphql(RENAME, { jar: alice, variables: { tenantId: acme } }),
        'rename',
        'FORBIDDEN',
        'csrf_failed',
      );
      const done = await graphql(RENAME, {
        jar: alice,
        headers: { 'x-csrf-token': csrf },
        variables: { tenantId: acme },
      });
      expect(done.json<GraphqlBody>()).toEqual({ data: { rename: `${acme}:x` } });
      expectRefusal(
        await graphql(RENAME, {
          jar: alice,
          headers: { 'x-csrf-token': csrf },
          variables: { tenantId: globex },
        }),
        'rename',
        'FORBIDDEN',
        'tenant_mismatch',
      );
    });

    it('refresh inside a query: one token call, the refreshed cookie on the answer', async () => {
      stack.emulator.setAccessTokenTtl(2);
      const { jar } = await login(stack, app);
      stack.emulator.setAccessTokenTtl(1800);
      await new Promise((r) => setTimeout(r, 1100)); // due (refresh 1 s before expiry... and after)
      stack.emulator.resetCalls();
      const before = jar.get(app.url, 'wb_session');

      const res = await graphql('{ me { userId } }', { jar });
      expect(res.json<GraphqlBody>().errors).toBeUndefined();
      expect(stack.emulator.calls('token', 'refresh_token')).toBe(1);
      expect(res.headers['set-cookie']?.some((c) => c.startsWith('wb_session='))).toBe(true);
      expect(jar.get(app.url, 'wb_session')).not.toBe(before);
    });

    it('no answer carries a secret or a cookie value', () => {
      const secrets = [CLIENT_SECRET, SESSION_SECRET, alice.get(app.url, 'wb_session')!];
      for (const res of answers)
        for (const secret of secrets) expect(res.text).not.toContain(secret);
    });
  },
);
