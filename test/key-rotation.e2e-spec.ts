import { CookieJar, request } from 'nestjs-wristband/testing';
import { login, PASSWORD, startStack, type TestStack } from './support/test-stack.js';

// Wristband rotates its signing keys: ID tokens from the token endpoint then carry a kid the app's cached
// JWKS lacks, within jose's 30 s refetch cooldown (the default, kept here). The callback forces one bounded
// refetch instead of refusing the login and wasting its code.
describe('signing key rotation at Wristband', () => {
  let stack: TestStack;

  // A stack per test: each starts with no forced refetch in the last 5 s.
  beforeEach(async () => {
    stack = await startStack();
    // The keys are fetched and cached by a first login, as on a running app.
    expect((await login(stack, stack.app)).callback.status).toBe(302);
    expect(stack.emulator.calls('jwks')).toBe(1);
  });
  afterEach(() => stack?.close());

  const expectLoggedIn = async (
    jar: CookieJar,
    callback: { status: number; location?: string },
  ) => {
    expect(callback).toMatchObject({ status: 302, location: `${stack.app.url}/` });
    expect((await request(`${stack.app.url}/api/me`, { jar })).status).toBe(200);
  };

  it('the next login after a rotation completes, with exactly one more JWKS fetch', async () => {
    const oldKid = stack.emulator.currentKid;
    await stack.emulator.rotateKeys();
    expect(stack.emulator.currentKid).not.toBe(oldKid);
    stack.emulator.resetCalls();

    const { jar, callback } = await login(stack, stack.app);
    await expectLoggedIn(jar, callback);
    expect(stack.emulator.calls('jwks')).toBe(1);

    // The new key is cached now: the next login fetches nothing.
    const again = await login(stack, stack.app);
    await expectLoggedIn(again.jar, again.callback);
    expect(stack.emulator.calls('jwks')).toBe(1);
  });

  it('a burst of 10 concurrent logins right after a rotation shares one JWKS fetch', async () => {
    // Ten users at Wristband's login form; their callbacks reach the app after the rotation, together.
    const pending = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const jar = new CookieJar();
        const start = await request(`${stack.app.url}/auth/login?tenant_name=acme`, { jar });
        expect(start.status).toBe(302);
        const callbackUrl = await stack.emulator.authorizeViaForm(
          start.location!,
          { username: 'alice@acme.test', password: PASSWORD },
          jar,
        );
        return { jar, callbackUrl };
      }),
    );
    await stack.emulator.rotateKeys();
    stack.emulator.resetCalls();

    const callbacks = await Promise.all(
      pending.map(({ jar, callbackUrl }) => request(callbackUrl, { jar })),
    );
    for (const [i, callback] of callbacks.entries()) await expectLoggedIn(pending[i].jar, callback);
    expect(stack.emulator.calls('token', 'authorization_code')).toBe(10);
    expect(stack.emulator.calls('jwks')).toBeGreaterThanOrEqual(1);
    expect(stack.emulator.calls('jwks')).toBeLessThanOrEqual(2);
  });

  it('a second rotation within 5 s of a forced fetch: refused as before, accepted once 5 s have passed', async () => {
    await stack.emulator.rotateKeys();
    const first = await login(stack, stack.app);
    await expectLoggedIn(first.jar, first.callback);
    await stack.emulator.rotateKeys();
    stack.emulator.resetCalls();

    const refused = await login(stack, stack.app);
    expect(refused.callback.status).toBe(401);
    expect(refused.callback.json()).toMatchObject({
      reason: 'id_token_invalid',
      message: 'ID token rejected (ERR_JWKS_NO_MATCHING_KEY)',
    });
    expect(stack.emulator.calls('jwks')).toBe(0);

    await new Promise((r) => setTimeout(r, 5_000));
    const accepted = await login(stack, stack.app);
    await expectLoggedIn(accepted.jar, accepted.callback);
    expect(stack.emulator.calls('jwks')).toBe(1);
  });
});
