/**
 * What the consumer tests check over real HTTP against a consumer app running as its own process, wired to
 * the test kit's emulator. The login goes through the emulator's form here (not the kit's
 * `loginSession`), so the app's routes are checked on their own; the app's Jest test covers the kit.
 */
import type * as Kit from 'nestjs-wristband/testing';

type CookieJar = InstanceType<typeof Kit.CookieJar>;

export interface CheckContext {
  /** The test kit, loaded from the app's installed tarball. */
  kit: typeof Kit;
  wb: Kit.WristbandTestEmulator;
  /** `http://localhost:PORT`. */
  appUrl: string;
  /** The logged-in cookie jars, by email: filled by the login checks, read by the later ones. */
  sessions: Map<string, CookieJar>;
}

export interface HttpCheck {
  name: string;
  run(ctx: CheckContext): Promise<void>;
}

function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

function appCookies(jar: CookieJar, appUrl: string): string[] {
  return jar
    .cookiesFor(appUrl)
    .map((c) => c.name)
    .sort();
}

function sessionOf({ sessions }: CheckContext, email: string): CookieJar {
  const jar = sessions.get(email);
  if (!jar) throw new Error(`${email} is not logged in (an earlier check failed)`);
  return jar;
}

/**
 * A browser's login: app `/auth/login` → the tenant's authorize → the emulator's login form (posted) →
 * the emulator's redirects → app `/auth/callback`, which must answer 302 with the session cookie.
 */
async function loginThroughForm(
  { kit, wb, appUrl }: CheckContext,
  email: string,
): Promise<CookieJar> {
  const user = wb.users.find((u) => u.email === email);
  if (!user) throw new Error(`${email} is not a user of the emulator`);
  const jar = new kit.CookieJar();
  const start = await kit.request(`${appUrl}/auth/login?tenant_name=${user.tenant}`, { jar });
  expectEqual('GET /auth/login status', start.status, 302);
  const tenantHost = `${user.tenant}.${wb.vanityDomain}`;
  expectEqual(
    'GET /auth/login redirects to the tenant host',
    new URL(start.location!).host,
    tenantHost,
  );

  let res = await kit.request(start.location!, { jar });
  let posted = false;
  for (let hop = 0; ; hop += 1) {
    if (hop > 15) throw new Error('more than 15 hops between the emulator and the app');
    if (res.status >= 300 && res.status < 400 && res.location) {
      if (res.location.startsWith(`${appUrl}/auth/callback?`)) break;
      if (!new URL(res.location).host.endsWith(wb.vanityDomain))
        throw new Error(`redirected outside the emulator: ${res.location}`);
      res = await kit.request(res.location, { jar });
      continue;
    }
    const form = /<form[^>]*id="login-form"[^>]*>/.exec(res.text)?.[0];
    const action = form && /action="([^"]+)"/.exec(form)?.[1]?.replace(/&amp;/g, '&');
    if (!action || posted)
      throw new Error(`expected the emulator's login form, got HTTP ${res.status} at ${res.url}`);
    posted = true;
    res = await kit.request(new URL(action, res.url).href, {
      method: 'POST',
      jar,
      body: new URLSearchParams({ username: user.email, password: user.password }),
    });
  }
  expectEqual('the login form was posted', posted, true);
  const callback = await kit.request(res.location, { jar });
  expectEqual('GET /auth/callback status', callback.status, 302);
  // The default cookie names, unprefixed: the emulator runs on http, so the app's cookies cannot be `__Host-`.
  expectEqual("the app's cookies after the callback", appCookies(jar, appUrl), [
    'CSRF-TOKEN',
    'wb_session',
  ]);
  return jar;
}

export const HTTP_CHECKS: HttpCheck[] = [
  {
    name: 'GET /health (public) → 200',
    async run({ kit, appUrl }) {
      const res = await kit.request(`${appUrl}/health`);
      expectEqual('status', res.status, 200);
      expectEqual('body', res.json(), { status: 'ok' });
    },
  },
  {
    name: 'GET /api/me without a session → 401',
    async run({ kit, appUrl }) {
      const res = await kit.request(`${appUrl}/api/me`);
      expectEqual('status', res.status, 401);
    },
  },
  {
    name: 'alice@acme.test logs in through the emulator form and the callback',
    async run(ctx) {
      ctx.sessions.set('alice@acme.test', await loginThroughForm(ctx, 'alice@acme.test'));
    },
  },
  {
    name: 'GET /api/me (alice) → 200 with her tenant',
    async run(ctx) {
      const { kit, wb, appUrl } = ctx;
      const res = await kit.request(`${appUrl}/api/me`, { jar: sessionOf(ctx, 'alice@acme.test') });
      expectEqual('status', res.status, 200);
      const alice = wb.users.find((u) => u.email === 'alice@acme.test')!;
      const acme = wb.tenants.find((t) => t.name === 'acme')!;
      const body = res.json<{
        userId: string;
        email: string;
        tenantId: string;
        tenantName: string;
      }>();
      expectEqual('user', [body.userId, body.email], [alice.id, alice.email]);
      expectEqual('tenant', [body.tenantId, body.tenantName], [acme.id, 'acme']);
    },
  },
  {
    name: "GET /api/admin/stats (@Roles('admin')) as alice, an admin → 200",
    async run(ctx) {
      const { kit, wb, appUrl } = ctx;
      const res = await kit.request(`${appUrl}/api/admin/stats`, {
        jar: sessionOf(ctx, 'alice@acme.test'),
      });
      expectEqual('status', res.status, 200);
      expectEqual(
        'tenant',
        res.json<{ tenantId: string }>().tenantId,
        wb.tenants.find((t) => t.name === 'acme')!.id,
      );
    },
  },
  {
    name: 'GET /api/admin/stats as bob@acme.test, without the admin role → 403',
    async run(ctx) {
      const bob = ctx.wb.users.find((u) => u.email === 'bob@acme.test')!;
      expectEqual(
        "bob's roles",
        bob.roles.map((r) => r.name.split(':').pop()),
        ['viewer'],
      );
      const jar = await loginThroughForm(ctx, bob.email);
      expectEqual(
        'GET /api/me (bob) status',
        (await ctx.kit.request(`${ctx.appUrl}/api/me`, { jar })).status,
        200,
      );
      const res = await ctx.kit.request(`${ctx.appUrl}/api/admin/stats`, { jar });
      expectEqual('status', res.status, 403);
    },
  },
  {
    name: 'alice logs out (POST /auth/logout with the CSRF token) → emulator logout, then /api/me → 401',
    async run(ctx) {
      const { kit, wb, appUrl } = ctx;
      const jar = sessionOf(ctx, 'alice@acme.test');
      const session = await kit.request(`${appUrl}/auth/session`, { jar });
      expectEqual('GET /auth/session status', session.status, 200);
      const revokesBefore = wb.emulator.calls('revoke');
      const res = await kit.request(`${appUrl}/auth/logout`, {
        method: 'POST',
        jar,
        headers: { 'x-csrf-token': session.json<{ csrfToken: string }>().csrfToken },
      });
      expectEqual('status', res.status, 302);
      const target = new URL(res.location!);
      expectEqual(
        'redirect to the tenant logout',
        `${target.host}${target.pathname}`,
        `acme.${wb.vanityDomain}/api/v1/logout`,
      );
      expectEqual(
        'refresh tokens revoked at the emulator',
        wb.emulator.calls('revoke') - revokesBefore,
        1,
      );
      expectEqual("the app's cookies after logout", appCookies(jar, appUrl), []);
      expectEqual(
        'GET /api/me after logout',
        (await kit.request(`${appUrl}/api/me`, { jar })).status,
        401,
      );
    },
  },
];

/** A command the consumer tests run in the installed app, and what its exit code and output must be. */
export interface CommandCheck {
  name: string;
  command: string;
  args: string[];
  verify(code: number | null, output: string): void;
}

/**
 * The package's `bin`, as a team runs it: npm linked it into the app's node_modules/.bin, executable.
 * `--yes=false`: never fetch a package of that name from the registry when the link is missing (npm 11 reads
 * the short form `--no` as something else and prints its own help).
 */
export const EMULATOR_CLI_HELP: CommandCheck = {
  name: 'npx nestjs-wristband-emulator --help exits 0 and lists EMULATOR_PORT',
  command: 'npx',
  args: ['--yes=false', 'nestjs-wristband-emulator', '--help'],
  verify(code, output) {
    if (code !== 0 || !/^\s*EMULATOR_PORT\b/m.test(output))
      throw new Error(
        `expected exit 0 and a line listing EMULATOR_PORT, got exit ${code}:\n${output}`,
      );
  },
};
