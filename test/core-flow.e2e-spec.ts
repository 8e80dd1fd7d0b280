import { CookieJar, request } from './support/http-client.js';
import { login, startStack, type TestStack } from './support/test-stack.js';

describe('core flow: login → /api/me → refresh → logout', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startStack({ emulator: { accessTokenTtlSeconds: 3600 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('logs in and reaches /api/me', async () => {
    const { jar, callback } = await login(stack, stack.app);
    expect(callback.status).toBe(302);
    expect(callback.location).toBe(`${stack.app.url}/`);
    const me = await request(`${stack.app.url}/api/me`, { jar });
    expect(me.status).toBe(200);
    expect(me.json()).toMatchObject({ email: 'alice@acme.test', tenantName: 'acme' });
  });
});
