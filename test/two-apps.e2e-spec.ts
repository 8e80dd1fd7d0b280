import { request } from 'nestjs-wristband/testing';
import { login, startStack, type TestStack } from './support/test-stack.js';

// Two Nest applications in one process, configured differently (here: session cookie names), must
// each log users in with their own configuration. Passport's process-wide strategy registry once let
// the last app created answer for both.
describe('two applications in one process', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startStack({ instances: 2 });
    await stack.apps[1].close();
    await stack.startApp(1, { wristband: { session: { cookieName: 'second_app_session' } } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it.each([0, 1])('app %i sends Wristband its own callback URL', async (i) => {
    const app = stack.apps[i];
    const start = await request(`${app.url}/auth/login?tenant_name=acme`);
    expect(start.status).toBe(302);
    expect(new URL(start.location!).searchParams.get('redirect_uri')).toBe(
      `${app.url}/auth/callback`,
    );
  });

  it.each([
    [0, 'wb_session'],
    [1, 'second_app_session'],
  ])('app %i completes the login itself, with its own session cookie', async (i, cookieName) => {
    const app = stack.apps[i];
    const { jar, callback } = await login(stack, app);
    expect(callback.status).toBe(302);
    expect(callback.headers['set-cookie']!.some((c) => c.startsWith(`${cookieName}=`))).toBe(true);
    expect((await request(`${app.url}/api/me`, { jar })).status).toBe(200);
  });
});
