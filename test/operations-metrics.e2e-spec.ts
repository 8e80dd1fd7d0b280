import { Registry, register } from 'prom-client';
import { CookieJar, RedisTestServer, request, type HttpResponse } from 'nestjs-wristband/testing';
import {
  login,
  startModuleApp,
  startStack,
  type TestApp,
  type TestStack,
} from './support/test-stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One sample of the Prometheus text format: `name{a="x",b="y"} value`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** The sum of `name`'s samples whose labels include `labels` (0 when there is none yet). */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name)
    .filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

describe('GET /metrics (METRICS_ENABLED=true)', () => {
  let stack: TestStack;
  let last: Sample[] = [];

  const scrape = async (): Promise<Sample[]> => {
    const res = await request(`${stack.app.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    return parse(res.text);
  };
  /** How much each metric moved since the previous call. */
  const moved = async () => {
    const before = last;
    last = await scrape();
    const now = last;
    return (name: string, labels: Record<string, string> = {}) =>
      value(now, name, labels) - value(before, name, labels);
  };
  const get = (path: string, jar?: CookieJar, headers?: Record<string, string>) =>
    request(`${stack.app.url}${path}`, { jar, headers });

  beforeAll(async () => {
    stack = await startStack({ env: { METRICS_ENABLED: 'true' } });
    last = await scrape();
  });
  afterAll(() => stack?.close());
  afterEach(() => {
    stack.emulator.clearFaults();
    stack.emulator.setAccessTokenTtl(1800);
  });

  it('lists exactly the documented wristband_* metrics, with bounded labels', async () => {
    const res = await request(`${stack.app.url}/metrics`);
    const declared = [...res.text.matchAll(/^# TYPE (wristband_\w+) (\w+)$/gm)].map(
      (m) => `${m[1]} ${m[2]}`,
    );
    expect(declared.sort()).toEqual([
      'wristband_guard_denied_total counter',
      'wristband_jwks_fetch_total counter',
      'wristband_logins_total counter',
      'wristband_refresh_joined_total counter',
      'wristband_sessions_ended_total counter',
      'wristband_token_refresh_duration_seconds histogram',
      'wristband_token_refresh_total counter',
    ]);
  });

  it('counts logins by outcome, and one JWKS fetch for many logins (keys cached)', async () => {
    await login(stack, stack.app, { username: 'alice@acme.test' });
    await login(stack, stack.app, { username: 'bob@acme.test' });
    const delta = await moved();
    expect(delta('wristband_logins_total', { outcome: 'success' })).toBe(2);
    expect(delta('wristband_logins_total', { outcome: 'failure' })).toBe(0);
    expect(value(last, 'wristband_jwks_fetch_total', { outcome: 'success' })).toBe(1);

    // A login Wristband refused: the callback comes back with `error` for a real login state.
    const jar = new CookieJar();
    const start = await get('/auth/login?tenant_name=acme', jar);
    const state = new URL(start.location!).searchParams.get('state')!;
    const failed = await get(`/auth/callback?state=${state}&error=access_denied`, jar);
    expect(failed.status).toBe(400);
    const after = await moved();
    expect(
      after('wristband_logins_total', { outcome: 'failure', reason: 'authorization_failed' }),
    ).toBe(1);
    expect(after('wristband_logins_total', { outcome: 'success' })).toBe(0);
  });

  it('50 concurrent requests on a session due for refresh: one refresh, 49 joined, one duration', async () => {
    stack.emulator.setAccessTokenTtl(2);
    const { jar } = await login(stack, stack.app, { username: 'alice@acme.test' });
    await moved();
    await sleep(1_100); // past half the token's lifetime: due for refresh
    // The refresh takes 500 ms, so every request arrives while it is in flight.
    stack.emulator.injectFault({ endpoint: 'token', grantType: 'refresh_token', delayMs: 500 });
    const answers = await Promise.all(Array.from({ length: 50 }, () => get('/api/me', jar)));
    expect(answers.map((r) => r.status)).toEqual(Array(50).fill(200));
    const delta = await moved();
    expect(stack.emulator.calls('token', 'refresh_token')).toBeGreaterThanOrEqual(1);
    expect(delta('wristband_token_refresh_total', { outcome: 'success' })).toBe(1);
    expect(delta('wristband_token_refresh_total', { outcome: 'failure' })).toBe(0);
    expect(delta('wristband_refresh_joined_total')).toBe(49);
    expect(delta('wristband_token_refresh_duration_seconds_count')).toBe(1);
    expect(delta('wristband_token_refresh_duration_seconds_sum')).toBeGreaterThanOrEqual(0.5);
    expect(delta('wristband_guard_denied_total')).toBe(0);
  });

  it('a refresh Wristband refuses: refresh failure, one denial, one expired session', async () => {
    stack.emulator.setAccessTokenTtl(2);
    const { jar } = await login(stack, stack.app, { username: 'bob@acme.test' });
    await moved();
    await sleep(2_100); // the token itself expired: nothing to go on with
    stack.emulator.injectFault({
      endpoint: 'token',
      grantType: 'refresh_token',
      status: 400,
      body: { error: 'invalid_grant', error_description: 'revoked' },
    });
    const res = await get('/api/me', jar);
    expect(res.status).toBe(401);
    const delta = await moved();
    expect(
      delta('wristband_token_refresh_total', { outcome: 'failure', reason: 'invalid_grant' }),
    ).toBe(1);
    expect(delta('wristband_token_refresh_total', { outcome: 'success' })).toBe(0);
    expect(delta('wristband_guard_denied_total', { reason: 'session_expired' })).toBe(1);
    expect(delta('wristband_sessions_ended_total', { reason: 'expired' })).toBe(1);
  });

  it('counts each kind of denial once, by reason, and nothing for allowed requests', async () => {
    const { jar: alice } = await login(stack, stack.app, { username: 'alice@acme.test' });
    const { jar: bob } = await login(stack, stack.app, { username: 'bob@acme.test' });
    const globex = stack.emulator.tenant('globex').id;
    const acme = stack.emulator.tenant('acme').id;
    await moved();

    expect((await get('/api/me', alice)).status).toBe(200); // allowed: not counted
    expect((await get('/api/admin/stats', alice)).status).toBe(200);
    expect((await get('/api/me')).status).toBe(401); // no credential
    expect((await get('/api/me', undefined, { authorization: 'Bearer not-a-jwt' })).status).toBe(
      401,
    );
    expect((await get('/api/admin/stats', bob)).status).toBe(403); // role
    expect((await get(`/api/tenants/${globex}/projects`, alice)).status).toBe(403); // tenant
    const csrf = await request(`${stack.app.url}/api/tenants/${acme}/projects`, {
      method: 'POST',
      jar: alice,
      body: { name: 'x' },
    });
    expect(csrf.status).toBe(403); // no x-csrf-token
    const forged = new CookieJar();
    forged.set(stack.app.url, 'wb_session', 'forged-value');
    expect((await get('/api/me', forged)).status).toBe(401);

    const delta = await moved();
    expect(delta('wristband_guard_denied_total', { reason: 'session_required' })).toBe(1);
    expect(delta('wristband_guard_denied_total', { reason: 'invalid_token' })).toBe(1);
    expect(delta('wristband_guard_denied_total', { reason: 'insufficient_role' })).toBe(1);
    expect(delta('wristband_guard_denied_total', { reason: 'tenant_mismatch' })).toBe(1);
    expect(delta('wristband_guard_denied_total', { reason: 'csrf_failed' })).toBe(1);
    expect(delta('wristband_guard_denied_total', { reason: 'session_invalid' })).toBe(1);
    expect(delta('wristband_guard_denied_total')).toBe(6);
  });

  it('counts a logout as a session ended by logout', async () => {
    const { jar } = await login(stack, stack.app, { username: 'alice@acme.test' });
    const csrfToken = (await get('/auth/session', jar)).json<{ csrfToken: string }>().csrfToken;
    await moved();
    const res = await request(`${stack.app.url}/auth/logout`, {
      method: 'POST',
      jar,
      headers: { 'x-csrf-token': csrfToken },
    });
    expect(res.status).toBe(302);
    const delta = await moved();
    expect(delta('wristband_sessions_ended_total', { reason: 'logout' })).toBe(1);
    expect(delta('wristband_sessions_ended_total')).toBe(1);
  });
});

describe('GET /metrics without METRICS_ENABLED', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  it('is 404', async () => {
    const res: HttpResponse = await request(`${stack.app.url}/metrics`);
    expect(res.status).toBe(404);
  });
});

describe('metrics on a registry of the app (WristbandModule option metrics: { registry })', () => {
  let stack: TestStack;
  let app: TestApp;
  const registry = new Registry();

  beforeAll(async () => {
    stack = await startStack({ reservePorts: 1 });
    app = await startModuleApp(stack, stack.reservedPorts[0], {
      controllers: [],
      wristband: { metrics: { registry } },
    });
  });
  afterAll(async () => {
    await app?.close();
    await stack?.close();
  });

  it('counts there, and not on the global registry', async () => {
    const globalLogins = async () =>
      value(parse(await register.metrics()), 'wristband_logins_total', { outcome: 'success' });
    const before = await globalLogins();
    await login(stack, app, { username: 'alice@acme.test' });
    const own = parse(await registry.metrics());
    expect(value(own, 'wristband_logins_total', { outcome: 'success' })).toBe(1);
    expect(value(own, 'wristband_jwks_fetch_total', { outcome: 'success' })).toBe(1);
    expect(await globalLogins()).toBe(before);
  });
});

describe('refresh joins across instances (Redis, two instances, one registry)', () => {
  let redis: RedisTestServer;
  let stack: TestStack;
  const scrape = async () => parse(await register.metrics());

  beforeAll(async () => {
    redis = await RedisTestServer.start();
    stack = await startStack({
      instances: 2,
      env: { REDIS_URL: redis.url, METRICS_ENABLED: 'true' },
      emulator: { accessTokenTtlSeconds: 2 },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await redis?.dispose();
  });

  it('50 requests over both instances on an expired token: one refresh, 49 joined', async () => {
    const { jar } = await login(stack, stack.app, { username: 'alice@acme.test' });
    stack.emulator.setAccessTokenTtl(1800);
    await sleep(2_100); // expired: nobody may go on with the old token, every request waits
    stack.emulator.injectFault({ endpoint: 'token', grantType: 'refresh_token', delayMs: 500 });
    const before = await scrape();
    const calls = stack.emulator.calls('token', 'refresh_token');
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => request(`${stack.apps[i % 2].url}/api/me`, { jar })),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(50).fill(200));
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      value(after, name, labels) - value(before, name, labels);
    expect(stack.emulator.calls('token', 'refresh_token') - calls).toBe(1);
    expect(delta('wristband_token_refresh_total', { outcome: 'success' })).toBe(1);
    expect(delta('wristband_refresh_joined_total')).toBe(49);
  });
});
