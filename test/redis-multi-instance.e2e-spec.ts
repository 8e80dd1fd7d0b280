import { Redis } from 'ioredis';
import { SessionRevocationService } from 'nestjs-wristband';
import {
  CookieJar,
  CookieSealer,
  type HttpResponse,
  RedisTestServer,
  request,
} from 'nestjs-wristband/testing';
import { login, SESSION_SECRET, startStack, type TestStack } from './support/test-stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sleepUntil = (epochMs: number) => sleep(Math.max(0, epochMs - Date.now()));
const COOKIE = 'wb_session';

/** The session cookie value a jar holds for the apps (all on `localhost`, any port). */
function sessionCookie(stack: TestStack, jar: CookieJar): string {
  const value = jar.get(`${stack.app.url}/api/me`, COOKIE);
  if (!value) throw new Error('no session cookie in the jar');
  return value;
}

/** A fresh jar that holds only this session cookie value (to replay it after logout). */
function jarWith(stack: TestStack, value: string): CookieJar {
  const jar = new CookieJar();
  jar.set(stack.app.url, COOKIE, value);
  return jar;
}

describe('Redis sessions over three instances', () => {
  let redis: RedisTestServer;
  let admin: Redis;
  let stack: TestStack;
  const sealer = new CookieSealer([SESSION_SECRET]);

  const me = (i: number, jar: CookieJar): Promise<HttpResponse> =>
    request(`${stack.apps[i].url}/api/me`, { jar });
  const sessionId = (jar: CookieJar): string =>
    sealer.unseal<string>('session-id', sessionCookie(stack, jar))!;

  beforeAll(async () => {
    redis = await RedisTestServer.start();
    admin = new Redis(redis.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      ...{ disconnectTimeout: 100 },
    });
    // 2 s access tokens and the default buffer (which shrinks to 1 s): a refresh is due after 1 s,
    // and the token expires after 2 s.
    stack = await startStack({
      instances: 3,
      env: { REDIS_URL: redis.url },
      emulator: { accessTokenTtlSeconds: 2 },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await admin?.quit().catch(() => admin.disconnect());
    await redis?.dispose();
  });
  beforeEach(() => stack.emulator.resetCalls());

  it('a session made on one instance works on the others; the cookie holds only a small sealed id', async () => {
    const { jar } = await login(stack, stack.apps[0]);
    for (const i of [0, 1, 2]) expect((await me(i, jar)).status).toBe(200);

    const value = sessionCookie(stack, jar);
    expect(value.length).toBeLessThan(120);
    expect(value).not.toMatch(/eyJ/); // no JWT, sealed or not
    expect(sealer.unseal('session', value)).toBeUndefined(); // not a sealed session
    const id = sessionId(jar);
    expect(Buffer.from(id, 'base64url').length).toBeGreaterThanOrEqual(16); // ≥ 128 bits
    expect(await admin.exists(`wristband:session:${id}`)).toBe(1);
    const ttl = await admin.ttl(`wristband:session:${id}`);
    expect(ttl).toBeGreaterThan(3000);
    expect(ttl).toBeLessThanOrEqual(3600); // the idle lifetime

    // A new login issues a new id (no fixation), even in the same browser.
    await login(stack, stack.apps[1], { jar });
    expect(sessionId(jar)).not.toBe(id);
  });

  it('logout on one instance ends the session on all of them, even for a replayed cookie', async () => {
    const { jar } = await login(stack, stack.apps[0]);
    const value = sessionCookie(stack, jar);
    const id = sessionId(jar);
    expect((await me(2, jar)).status).toBe(200);

    expect((await request(`${stack.apps[1].url}/auth/logout`, { jar })).status).toBe(302);
    expect(await admin.exists(`wristband:session:${id}`)).toBe(0);
    for (const i of [0, 1, 2]) {
      const res = await me(i, jarWith(stack, value));
      expect(res.status).toBe(401);
      expect(res.json()).toMatchObject({ reason: 'session_invalid' });
    }
  });

  it('50 concurrent requests for one expired session over 3 instances: exactly 1 token call, all 200', async () => {
    const { jar } = await login(stack, stack.apps[0]);
    await sleep(2300); // expired, not only due: every instance has to wait for the refresh
    stack.emulator.resetCalls();

    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => me(i % 3, jar)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(stack.emulator.calls('token', 'refresh_token')).toBe(1);

    // The rotated refresh token was stored: once due again, 9 requests refresh again, once, on any instance.
    const { expiresAt } = (await request(`${stack.apps[1].url}/auth/token`, { jar })).json<{
      expiresAt: number;
    }>();
    expect(expiresAt).toBeGreaterThan(Date.now());
    await sleepUntil(expiresAt + 20);
    const later = await Promise.all(Array.from({ length: 9 }, (_, i) => me((i + 1) % 3, jar)));
    expect(later.map((r) => r.status)).toEqual(Array(9).fill(200));
    expect(stack.emulator.calls('token', 'refresh_token')).toBe(2);
  });

  it('a dead lock holder blocks the session only until its lock expires; then one refresh', async () => {
    const { jar } = await login(stack, stack.apps[0]);
    await sleep(2300);
    stack.emulator.resetCalls();
    // An instance took the lock and died mid-refresh: nobody will release it.
    expect(
      await admin.set(`wristband:refresh-lock:${sessionId(jar)}`, 'dead-holder', 'PX', 1500, 'NX'),
    ).toBe('OK');

    const started = Date.now();
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => me(i % 3, jar)));
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1300);
    expect(stack.emulator.calls('token', 'refresh_token')).toBe(1);
  });

  it('"log out everywhere" through SessionRevocationService ends every session of the user on all instances', async () => {
    const alice = stack.emulator.user('alice@acme.test');
    const tenant = stack.emulator.tenant('acme');
    const revocation = stack.apps[1].app.get(SessionRevocationService);
    await revocation.endAllSessionsOfUser(tenant.id, alice.id); // those of earlier tests
    const a = await login(stack, stack.apps[0]);
    const b = await login(stack, stack.apps[2]);
    const bob = await login(stack, stack.apps[1], { username: 'bob@acme.test' });
    for (const i of [0, 1, 2]) {
      expect((await me(i, a.jar)).status).toBe(200);
      expect((await me(i, b.jar)).status).toBe(200);
    }
    expect(await revocation.endAllSessionsOfUser(tenant.id, alice.id)).toBe(2);
    for (const i of [0, 1, 2]) {
      expect((await me(i, a.jar)).status).toBe(401);
      expect((await me(i, b.jar)).status).toBe(401);
    }
    // Other users keep their sessions.
    expect((await me(0, bob.jar)).status).toBe(200);

    // One session by id.
    const c = await login(stack, stack.apps[0]);
    expect(await revocation.endSession(sessionId(c.jar))).toBe(true);
    expect((await me(2, c.jar)).status).toBe(401);
  });

  it('Redis stopped: 503 session_store_unavailable on every instance; restarted: back to 200 by itself', async () => {
    const { jar } = await login(stack, stack.apps[0]);
    expect((await me(1, jar)).status).toBe(200);

    await redis.stop({ persist: true });
    try {
      for (const i of [0, 1, 2]) {
        const started = Date.now();
        const res = await me(i, jar);
        expect(res.status).toBe(503);
        // Only that the store is unavailable: ioredis's reason is for the log.
        expect(res.json()).toEqual({
          statusCode: 503,
          error: 'Service Unavailable',
          reason: 'session_store_unavailable',
          message: 'Session store (Redis) unavailable',
        });
        expect(Date.now() - started).toBeLessThan(2000);
      }
    } finally {
      await redis.start();
    }
    await expectRecovery(jar);
  });

  it('Redis hung (no answers): 503 within the command timeout; answering again: 200', async () => {
    const { jar } = await login(stack, stack.apps[0]);
    redis.pause();
    try {
      const started = Date.now();
      const res = await me(2, jar);
      expect(res.status).toBe(503);
      expect(res.json()).toMatchObject({ reason: 'session_store_unavailable' });
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      redis.resume();
    }
    await expectRecovery(jar);
  });

  it('logout with Redis hung: 503 and the cookies kept (GET and POST); answering again: logout ends it everywhere', async () => {
    const { jar } = await login(stack, stack.apps[0]);
    const csrf = jar.get(stack.apps[0].url, 'CSRF-TOKEN')!;
    redis.pause();
    try {
      for (const method of ['GET', 'POST']) {
        const res = await request(`${stack.apps[0].url}/auth/logout`, {
          method,
          jar,
          headers: method === 'POST' ? { 'x-csrf-token': csrf } : {},
        });
        expect(res.status).toBe(503);
        expect(res.json()).toMatchObject({ reason: 'session_store_unavailable' });
        expect(res.headers.location).toBeUndefined();
        expect(res.headers['set-cookie']).toEqual([]); // not logged out in the browser only
      }
    } finally {
      redis.resume();
    }
    await expectRecovery(jar);
    const copy = new CookieJar();
    copy.set(stack.apps[0].url, 'wb_session', sessionCookie(stack, jar));

    const res = await request(`${stack.apps[0].url}/auth/logout`, { jar });
    expect(res.status).toBe(302);
    expect((await me(1, copy)).status).toBe(401); // a copy of the cookie too, on another instance
  });

  async function expectRecovery(jar: CookieJar): Promise<void> {
    const deadline = Date.now() + 8000;
    for (const i of [0, 1, 2]) {
      let status = 0;
      while (Date.now() < deadline) {
        status = (await me(i, jar)).status;
        if (status === 200) break;
        expect(status).toBe(503);
        await sleep(100);
      }
      expect(status).toBe(200);
    }
  }
});
