import { Redis } from 'ioredis';
import { SessionRevocationService } from 'nestjs-wristband';
import {
  CookieJar,
  CookieSealer,
  type HttpResponse,
  RedisTestServer,
  request,
} from 'nestjs-wristband/testing';
import {
  itSharesSessionsAcrossInstances,
  me as meOn,
  sessionCookie,
  sessionId as sessionIdOf,
  sleep,
} from './support/redis-instances.js';
import { login, SESSION_SECRET, startStack, type TestStack } from './support/test-stack.js';

describe('Redis sessions over three instances', () => {
  let redis: RedisTestServer;
  let admin: Redis;
  let stack: TestStack;
  const sealer = new CookieSealer([SESSION_SECRET]);

  const me = (i: number, jar: CookieJar): Promise<HttpResponse> => meOn(stack, i, jar);
  const sessionId = (jar: CookieJar): string => sessionIdOf(stack, jar);

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

  itSharesSessionsAcrossInstances(() => ({ stack, admin }));

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
