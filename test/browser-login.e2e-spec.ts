import type { Browser } from 'playwright-core';
import { launchChromium, logInThroughForm } from './support/chromium.js';
import { PASSWORD, startStack, type TestStack } from './support/test-stack.js';

describe('a person in a browser (headless Chromium)', () => {
  let stack: TestStack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('logs in through the emulator form, sees its tenant on /api/me, logs out and is refused', async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.app.url}/`);
    await page.locator('#status').filter({ hasText: 'Not logged in' }).waitFor();
    await page.fill('#tenant', 'globex');
    await page.click('#login');

    // Wristband's (emulated) login form on the tenant host.
    await page.waitForURL(/globex\.localhost/);
    await page.fill('input[name="username"]', 'carol@globex.test');
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('#login-submit');

    await page.waitForURL(`${stack.app.url}/`);
    await page.locator('#status').filter({ hasText: 'carol@globex.test' }).waitFor();
    await page.click('#call-me');
    await page.locator('#output').filter({ hasText: '200' }).waitFor();
    const me = JSON.parse((await page.textContent('#output'))!.split('\n').slice(1).join('\n'));
    expect(me).toMatchObject({
      email: 'carol@globex.test',
      tenantName: 'globex',
      tenantId: stack.emulator.tenant('globex').id,
    });

    const cookies = await page.context().cookies(stack.app.url);
    const session = cookies.find((c) => c.name === 'wb_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Lax');

    // Log out: Wristband's logout sends the browser back to the tenant login, which asks again.
    await page.click('#logout');
    await page.waitForURL(/globex\.localhost/);
    await page.locator('input[name="password"]').waitFor();
    const refused = await page.goto(`${stack.app.url}/api/me`);
    expect(refused!.status()).toBe(401);
    expect(await refused!.json()).toMatchObject({ reason: 'session_required' });
  }, 60_000);

  it("the demo page's Log out, clicked after the session has gone, still ends the tenant's Wristband session", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await logInThroughForm(page, stack.app.url, {
      tenant: 'globex',
      username: 'carol@globex.test',
      password: PASSWORD,
    });
    await page.locator('#status').filter({ hasText: 'carol@globex.test' }).waitFor();

    // The page stays open while the session cookie goes (expired, cleared).
    await context.clearCookies({ name: 'wb_session' });
    await page.click('#logout');
    await page.waitForURL(/globex\.localhost/);
    // Wristband forgot carol: the tenant's login asks for credentials (not the application login page).
    await page.locator('input[name="password"]').waitFor();
    await context.close();
  }, 60_000);
});
