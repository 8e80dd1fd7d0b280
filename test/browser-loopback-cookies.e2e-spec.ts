import 'reflect-metadata';
import { Controller, Get, Module, Res, UseGuards, type INestApplication } from '@nestjs/common';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/chromium.js';
import {
  CurrentUser,
  Public,
  SessionService,
  WristbandGuard,
  WristbandModule,
  type WristbandUser,
} from 'nestjs-wristband';
import { CLIENT_ID, CLIENT_SECRET, SESSION_SECRET, freePort } from './support/test-stack.js';
import { createTestHttpApp } from './support/http-adapter.js';

/** A reserved TLD: it resolves nowhere, so nothing leaves the machine. */
const VANITY = 'invotastic-acme.wristband.test';

/**
 * Starts a session through the module's own `SessionService` (the code a login's callback runs), so the
 * cookie is exactly what the app sends after a login. A full login needs an https Wristband: the emulator
 * is http, which would need the dangerous flag, which drops `Secure`.
 */
@Controller('test')
class SignInController {
  constructor(private readonly sessions: SessionService) {}

  @Public()
  @Get('sign-in')
  // Express's response or Fastify's reply: `SessionService` writes its cookies through either.
  async signIn(@Res({ passthrough: true }) res: Parameters<SessionService['create']>[0]) {
    await this.sessions.create(res, {
      userId: 'browser-user',
      tenantId: 'tenant-1',
      tenantName: 'acme',
      identityProviderName: 'Wristband',
      roles: [],
      claims: {},
      accessToken: 'eyJhbGciOiJSUzI1NiJ9.access.sig',
      accessTokenExpiresAt: Date.now() + 3_600_000, // far from the refresh buffer: no call to Wristband
      refreshToken: 'refresh-1',
    });
    return { signedIn: true };
  }

  @Get('me')
  @UseGuards(WristbandGuard)
  me(@CurrentUser() user: WristbandUser) {
    return { userId: user.userId };
  }
}

describe('Chromium on http://localhost keeps the Secure __Host- cookies (no dangerous flag)', () => {
  let browser: Browser;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://localhost:${port}`;
    @Module({
      imports: [
        WristbandModule.forRoot({
          applicationVanityDomain: VANITY,
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          callbackUrl: `${url}/auth/callback`,
          loginUrl: `${url}/auth/login`,
          sessionSecrets: [SESSION_SECRET],
        }),
      ],
      controllers: [SignInController],
    })
    class LoopbackApp {}
    app = await createTestHttpApp(LoopbackApp);
    await app.listen(port, '127.0.0.1');
    browser = await launchChromium([`--host-resolver-rules=MAP *.wristband.test ~NOTFOUND`]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('stores the __Host-wb_session cookie as Secure and sends it back: the guarded route answers 200', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      expect((await page.goto(`${url}/test/me`))!.status()).toBe(401);
      const signIn = await page.goto(`${url}/test/sign-in`);
      expect(await signIn!.headerValue('set-cookie')).toMatch(/^__Host-wb_session=[^;]+;.*Secure/);

      const stored = (await context.cookies(url)).map(
        ({ name, secure, httpOnly, sameSite, path }) => ({
          name,
          secure,
          httpOnly,
          sameSite,
          path,
        }),
      );
      expect(stored.sort((a, b) => (a.name < b.name ? -1 : 1))).toEqual([
        { name: 'CSRF-TOKEN', secure: true, httpOnly: false, sameSite: 'Lax', path: '/' },
        { name: '__Host-wb_session', secure: true, httpOnly: true, sameSite: 'Lax', path: '/' },
      ]);
      const me = await page.goto(`${url}/test/me`);
      expect((await me!.request().allHeaders()).cookie).toMatch(/(^|; )__Host-wb_session=/);
      expect(me!.status()).toBe(200);
      expect(await me!.json()).toEqual({ userId: 'browser-user' });
    } finally {
      await context.close();
    }
  }, 30_000);

  it('/auth/login sends the browser to https Wristband and keeps the Secure __Host- login-state cookie', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const toWristband = page.waitForRequest((r) => !r.url().startsWith(url));
      // The vanity host resolves nowhere (see the launch flags): the navigation ends there, after the redirect.
      const navigation = await page
        .goto(`${url}/auth/login?tenant_name=acme`)
        .catch((err: Error) => err.message);
      expect(navigation).toMatch(/ERR_NAME_NOT_RESOLVED/);
      const authorize = new URL((await toWristband).url());
      expect(`${authorize.origin}${authorize.pathname}`).toBe(
        `https://acme-${VANITY}/api/v1/oauth2/authorize`,
      );
      const loginState = (await context.cookies(url)).filter((c) =>
        c.name.startsWith('__Host-wb_login_'),
      );
      expect(loginState.map(({ secure, httpOnly, path }) => ({ secure, httpOnly, path }))).toEqual([
        { secure: true, httpOnly: true, path: '/' },
      ]);
    } finally {
      await context.close();
    }
  }, 30_000);
});
