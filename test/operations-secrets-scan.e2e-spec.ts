/**
 * The example app as a real process with AUDIT_LOG=true and METRICS_ENABLED=true: logins, a refused
 * login, refreshes (one failing), every kind of refusal, Wristband failing, logouts. Every line the process
 * writes (Nest's log, the audit JSON lines) is then scanned for each secret the run produced or used.
 */
import { Redis } from 'ioredis';
import { stripVTControlCharacters } from 'node:util';
import { CookieJar, CookieSealer, RedisTestServer, request } from 'nestjs-wristband/testing';
import {
  buildApp,
  startAppProcess,
  type AppProcess,
  type BuiltApp,
} from './support/app-process.js';
import {
  appEnv,
  CLIENT_SECRET,
  PASSWORD,
  SESSION_SECRET,
  startStack,
  type TestStack,
} from './support/test-stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Any JWT (access or ID token): three base64url parts, the first two JSON objects. */
const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

describe('no log line or audit event holds a secret (app process, AUDIT_LOG and metrics on)', () => {
  let built: BuiltApp;
  let redis: RedisTestServer;
  let admin: Redis;
  let stack: TestStack;
  let proc: AppProcess;
  let url: string;
  /** Every secret value seen in the run. */
  const secrets = new Set<string>([CLIENT_SECRET, SESSION_SECRET]);

  const keep = (value: string | null | undefined) => {
    if (value && value.length >= 8) secrets.add(value);
  };
  /** Cookie values of a jar (session, CSRF, login state). */
  const keepCookies = (jar: CookieJar) => jar.all().forEach((c) => keep(c.value));
  /** Tokens of every session Redis holds now (the session JSON has the access and refresh tokens). */
  const keepSessionTokens = async () => {
    const sealer = new CookieSealer([SESSION_SECRET]);
    for (const key of await admin.keys('wristband:session:*')) {
      const data = await admin.hget(key, 'data');
      if (!data) continue;
      keep(data);
      // Sealed with SESSION_SECRET: it holds the access and refresh tokens.
      const session = sealer.unseal<{
        accessToken?: string;
        refreshToken?: string;
        csrfToken?: string;
      }>('redis-session', data);
      if (!session) throw new Error(`${key}: data does not open with SESSION_SECRET`);
      keep(session.accessToken);
      keep(session.refreshToken);
      keep(session.csrfToken);
    }
  };

  const loginAs = async (username: string, opts: { tenant?: string } = {}) => {
    const jar = new CookieJar();
    const start = await request(`${url}/auth/login?tenant_name=${opts.tenant ?? 'acme'}`, { jar });
    keepCookies(jar);
    const callbackUrl = await stack.emulator.authorizeViaForm(
      start.location!,
      { username, password: PASSWORD },
      jar,
    );
    keep(new URL(callbackUrl).searchParams.get('code'));
    keep(new URL(callbackUrl).searchParams.get('state'));
    const callback = await request(callbackUrl, { jar });
    expect(callback.status).toBe(302);
    keepCookies(jar);
    await keepSessionTokens();
    const token = await request(`${url}/auth/token`, { jar });
    keep(token.json<{ accessToken: string }>().accessToken);
    return jar;
  };
  const csrfOf = async (jar: CookieJar) =>
    (await request(`${url}/auth/session`, { jar })).json<{ csrfToken: string }>().csrfToken;

  beforeAll(async () => {
    [built, redis] = await Promise.all([buildApp(), RedisTestServer.start()]);
    admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    stack = await startStack({ reservePorts: 1 });
    const port = stack.reservedPorts[0];
    proc = await startAppProcess(
      built,
      port,
      appEnv(stack.emulator, port, {
        HOST: '127.0.0.1',
        REDIS_URL: redis.url,
        AUDIT_LOG: 'true',
        METRICS_ENABLED: 'true',
      }),
    );
    url = proc.url;
  }, 120_000);
  afterAll(async () => {
    await proc?.kill();
    await stack?.close();
    await admin?.quit().catch(() => admin.disconnect());
    await redis?.dispose();
    built?.dispose();
  }, 30_000);

  it('runs the flows, then finds none of their secrets in the output', async () => {
    const { acme, globex } = {
      acme: stack.emulator.tenant('acme').id,
      globex: stack.emulator.tenant('globex').id,
    };
    // Logins, and the requests of logged-in users (allowed and refused).
    const alice = await loginAs('alice@acme.test');
    const bob = await loginAs('bob@acme.test');
    expect((await request(`${url}/api/me`, { jar: alice })).status).toBe(200);
    expect((await request(`${url}/api/admin/stats`, { jar: bob })).status).toBe(403);
    expect((await request(`${url}/api/tenants/${globex}/projects`, { jar: alice })).status).toBe(
      403,
    );
    const noCsrf = await request(`${url}/api/tenants/${acme}/projects`, {
      method: 'POST',
      jar: alice,
      body: { name: 'x' },
    });
    expect(noCsrf.status).toBe(403);
    expect((await request(`${url}/api/me`)).status).toBe(401);
    const bearer = await stack.emulator.mintAccessToken({ user: 'bob@acme.test' });
    keep(bearer);
    expect(
      (await request(`${url}/api/admin/stats`, { headers: { authorization: `Bearer ${bearer}` } }))
        .status,
    ).toBe(403);
    const tampered = `${bearer.slice(0, -4)}AAAA`;
    keep(tampered);
    expect(
      (await request(`${url}/api/me`, { headers: { authorization: `Bearer ${tampered}` } })).status,
    ).toBe(401);

    // A login Wristband refuses, and one whose code exchange fails (Wristband down: logged as a warning).
    const refusedJar = new CookieJar();
    const start = await request(`${url}/auth/login?tenant_name=acme`, { jar: refusedJar });
    keepCookies(refusedJar);
    const state = new URL(start.location!).searchParams.get('state')!;
    keep(state);
    expect(
      (
        await request(`${url}/auth/callback?state=${state}&error=access_denied`, {
          jar: refusedJar,
        })
      ).status,
    ).toBe(400);
    stack.emulator.injectFault({
      endpoint: 'token',
      grantType: 'authorization_code',
      status: 503,
      times: 5,
    });
    const downJar = new CookieJar();
    const downStart = await request(`${url}/auth/login?tenant_name=acme`, { jar: downJar });
    keepCookies(downJar);
    const downCallback = await stack.emulator.authorizeViaForm(
      downStart.location!,
      { username: 'alice@acme.test', password: PASSWORD },
      downJar,
    );
    keep(new URL(downCallback).searchParams.get('code'));
    expect((await request(downCallback, { jar: downJar })).status).toBeGreaterThanOrEqual(500);
    stack.emulator.clearFaults();

    // Refreshes: one that works (50 requests joining it), one Wristband refuses.
    stack.emulator.setAccessTokenTtl(2);
    const carol = await loginAs('carol@globex.test', { tenant: 'globex' });
    const dave = await loginAs('bob@acme.test');
    stack.emulator.setAccessTokenTtl(1800);
    await sleep(2_100);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => request(`${url}/api/me`, { jar: carol })),
    );
    expect(answers.every((r) => r.status === 200)).toBe(true);
    keepCookies(carol);
    await keepSessionTokens();
    stack.emulator.injectFault({
      endpoint: 'token',
      grantType: 'refresh_token',
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect((await request(`${url}/api/me`, { jar: dave })).status).toBe(401);
    stack.emulator.clearFaults();

    // Logouts: refused cross-site, one whose revocation fails (a warning), one clean.
    expect(
      (
        await request(`${url}/auth/logout`, {
          jar: bob,
          headers: { 'sec-fetch-site': 'cross-site' },
        })
      ).status,
    ).toBe(403);
    stack.emulator.injectFault({ endpoint: 'revoke', status: 500, times: 10 });
    const bobOut = await request(`${url}/auth/logout`, {
      method: 'POST',
      jar: bob,
      headers: { 'x-csrf-token': await csrfOf(bob), 'x-request-id': 'scan-logout-1' },
    });
    expect(bobOut.status).toBe(302);
    stack.emulator.clearFaults();
    expect(
      (
        await request(`${url}/auth/logout`, {
          method: 'POST',
          jar: alice,
          headers: { 'x-csrf-token': await csrfOf(alice) },
        })
      ).status,
    ).toBe(302);
    expect((await request(`${url}/metrics`)).status).toBe(200);
    await sleep(200); // the last lines reach the pipe

    // Without the colours Nest's console logger adds around each part of a line.
    const output = stripVTControlCharacters(proc.output());
    const lines = output.split('\n').filter((l) => l.trim() !== '');
    const audit = lines.filter((l) => l.startsWith('{"audit":"wristband"'));
    // The run produced what it should have: audit events of many kinds, a warning during a request.
    const types = new Set(audit.map((l) => (JSON.parse(l) as { type: string }).type));
    expect([...types].sort()).toEqual(
      [
        'csrf_refused',
        'login_failed',
        'login_succeeded',
        'logout',
        'refresh_failed',
        'role_refused',
        'session_expired',
        'tenant_mismatch',
      ].sort(),
    );
    for (const line of audit) expect(JSON.parse(line)).toHaveProperty('requestId');
    // Nest's log lines written during a request carry its id.
    expect(output).toMatch(/\[req scan-logout-1\] Refresh token revocation failed during logout/);
    expect(secrets.size).toBeGreaterThan(20);

    const leaks = lines.flatMap((line, i) => {
      const found = [...secrets].filter((s) => line.includes(s)).map((s) => `${s.slice(0, 6)}…`);
      if (JWT.test(line)) found.push('a JWT');
      return found.length ? [`line ${i + 1}: ${found.join(', ')}`] : [];
    });
    expect(leaks).toEqual([]);
  }, 60_000);
});
