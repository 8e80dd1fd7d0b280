import { randomBytes } from 'node:crypto';
import { RedisTestServer, request } from 'nestjs-wristband/testing';
import { login, startStack, type TestStack } from './support/test-stack.js';

// A user whose profile carries many claims (large directories, many custom claims) with values that do
// not compress: the sealed session no longer fits in one 4096-byte cookie, which browsers would
// silently drop.
const bigClaims = Object.fromEntries(
  Array.from({ length: 40 }, (_, i) => [`attribute_${i}`, randomBytes(60).toString('base64url')]),
);

describe('sessions too large for a cookie', () => {
  let stack: TestStack;
  let redis: RedisTestServer;

  beforeAll(async () => {
    redis = await RedisTestServer.start();
    stack = await startStack({ instances: 2 });
    // The second instance keeps sessions in Redis: the cookie then carries only a sealed id.
    await stack.apps[1].close();
    await stack.startApp(1, { wristband: { redisUrl: redis.url } });
    stack.emulator.user('alice@acme.test').customClaims = bigClaims;
  });
  afterAll(async () => {
    await stack?.close();
    await redis?.stop();
  });

  it('cookie store: the callback answers a clear error instead of a cookie the browser would drop', async () => {
    stack.emulator.resetCalls();
    const { callback } = await login(stack, stack.app);
    expect(callback.status).toBe(500);
    // The tokens of the refused login are not left valid at Wristband.
    expect(stack.emulator.calls('revoke')).toBe(1);
    expect(callback.json()).toMatchObject({ statusCode: 500, reason: 'session_too_large' });
    expect(callback.json<{ message: string }>().message).toMatch(/Redis session store/);
    const setCookies = callback.headers['set-cookie'] ?? [];
    expect(
      setCookies.some((c) => c.startsWith('wb_session=') && !c.startsWith('wb_session=;')),
    ).toBe(false);
  });

  it('Redis store: the same user logs in and keeps every claim', async () => {
    const app = stack.apps[1];
    const { jar, callback } = await login(stack, app);
    expect(callback.status).toBe(302);
    const me = await request(`${app.url}/api/me`, { jar });
    expect(me.status).toBe(200);
    expect(me.json()).toMatchObject({ email: 'alice@acme.test' });
    expect(jar.get(`${app.url}/api/me`, 'wb_session')!.length).toBeLessThan(400);
  });
});
