import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (`.ci/run` installs it); `npx playwright install` cannot download a browser here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless Chromium for the browser tests. Without the background-networking flags Chromium keeps calling
 * Google's hosts, which this machine's closed network refuses.
 */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/**
 * Logs a user in as a person does: the app's `/auth/login` for the tenant, the emulator's form on the tenant
 * host, back on the app's home page.
 */
export async function logInThroughForm(
  page: Page,
  appUrl: string,
  user: { tenant: string; username: string; password: string },
): Promise<void> {
  await page.goto(`${appUrl}/auth/login?tenant_name=${user.tenant}`);
  await page.waitForURL(new RegExp(`${user.tenant}\\.localhost`));
  await page.fill('input[name="username"]', user.username);
  await page.fill('input[name="password"]', user.password);
  await page.click('#login-submit');
  await page.waitForURL(`${appUrl}/`);
}
