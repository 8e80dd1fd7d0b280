import * as http from 'node:http';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { launchChromium, logInThroughForm } from './support/chromium.js';
import { freePort, PASSWORD, startStack, type TestStack } from './support/test-stack.js';

/** Another site: serves one HTML page on its own port (any host name that resolves to loopback). */
async function startOtherSite(html: string): Promise<{ port: number; close(): Promise<void> }> {
  const port = await freePort();
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A person on another site cannot be logged out of the app by that site (headless Chromium). */
describe('a logout started by another site, in a browser (headless Chromium)', () => {
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

  /** Logs in through the emulator's form in a fresh browser context. */
  async function loggedIn(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await logInThroughForm(page, stack.app.url, {
      tenant: 'acme',
      username: 'alice@acme.test',
      password: PASSWORD,
    });
    return { context, page };
  }

  async function meStatus(page: Page): Promise<number> {
    return (await page.goto(`${stack.app.url}/api/me`))!.status();
  }

  it('an <img> on another port of the same host (same-site, so cookies go along) does not end the session', async () => {
    const { context, page } = await loggedIn();
    const other = await startOtherSite(
      `<img id="probe" src="${stack.app.url}/auth/logout" onload="document.title='done'" onerror="document.title='done'">`,
    );
    try {
      stack.emulator.resetCalls();
      const sent = page.waitForRequest(`${stack.app.url}/auth/logout`);
      await page.goto(`http://localhost:${other.port}/`);
      // The image is requested (Chromium then keeps the JSON answer from the page: ORB) and has settled.
      expect((await sent).method()).toBe('GET');
      await page.waitForFunction("document.title === 'done'");
      expect(stack.emulator.calls('revoke')).toBe(0);
      expect(await meStatus(page)).toBe(200);
    } finally {
      await other.close();
      await context.close();
    }
  }, 60_000);

  it('a front end logs out with fetch (POST, x-csrf-token, Accept: application/json), then opens logoutUrl: Wristband forgets the user too', async () => {
    const { context, page } = await loggedIn();
    try {
      stack.emulator.resetCalls();
      // The page's script reads the CSRF-TOKEN cookie; the test takes it from the browser's jar.
      const csrf = (await context.cookies(stack.app.url)).find(
        (c) => c.name === 'CSRF-TOKEN',
      )!.value;
      const answer = await page.evaluate(async (token) => {
        const res = await fetch('/auth/logout', {
          method: 'POST',
          headers: { 'x-csrf-token': token, accept: 'application/json' },
        });
        return { status: res.status, body: (await res.json()) as { logoutUrl: string } };
      }, csrf);
      expect(answer.status).toBe(200);
      expect(new URL(answer.body.logoutUrl).pathname).toBe('/api/v1/logout');
      expect(stack.emulator.calls('revoke')).toBe(1);
      expect(await meStatus(page)).toBe(401);

      await page.goto(answer.body.logoutUrl);
      // Wristband's own session ended too: the next login asks for credentials again.
      await page.goto(`${stack.app.url}/auth/login?tenant_name=acme`);
      await page.waitForURL(/acme\.localhost/);
      expect(await page.locator('input[name="username"]').count()).toBe(1);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('a link on another site that navigates to /auth/logout gets 403, and the session goes on', async () => {
    const { context, page } = await loggedIn();
    // 127.0.0.1 is another site than localhost: the SameSite=Lax cookie still goes along on a top-level GET.
    const other = await startOtherSite(
      `<a id="go" href="${stack.app.url}/auth/logout">Win a prize</a>`,
    );
    try {
      stack.emulator.resetCalls();
      await page.goto(`http://127.0.0.1:${other.port}/`);
      const [answer] = await Promise.all([
        page.waitForResponse((r) => r.url() === `${stack.app.url}/auth/logout`),
        page.click('#go'),
      ]);
      expect(answer.status()).toBe(403);
      expect(await answer.json()).toMatchObject({ reason: 'cross_site_request' });
      expect(stack.emulator.calls('revoke')).toBe(0);
      expect(await meStatus(page)).toBe(200);

      // The app's own "Log out" link still works.
      await page.goto(`${stack.app.url}/`);
      await page.click('#logout');
      await page.waitForURL(/acme\.localhost/);
      expect(stack.emulator.calls('revoke')).toBe(1);
      expect(await meStatus(page)).toBe(401);
    } finally {
      await other.close();
      await context.close();
    }
  }, 60_000);
});
