import { Controller, Get, Logger, Post, Req, Res, UseGuards } from '@nestjs/common';
import { InjectWristbandOptions } from './decorators/inject-wristband-options.decorator.js';
import { Public } from './decorators/public.decorator.js';
import { AuthStrategies } from './decorators/auth-strategies.decorator.js';
import {
  WristbandCallbackGuard,
  WristbandLoginGuard,
  type WristbandLoginRedirect,
} from './guards/wristband-login.guard.js';
import { WristbandGuard, type WristbandRequestState } from './guards/wristband.guard.js';
import {
  queryParam,
  rawRequestOf,
  responseHeadersOf,
  sendAnswer,
  sendRedirect,
  setDefaultHeader,
  type RawRequest,
} from './http/http-exchange.js';
import { foreignInitiator } from './http/request-initiator.js';
import { getAuthState } from './http/request-auth-state.js';
import type { WristbandSession } from './interfaces/wristband-session.interface.js';
import type { ResolvedWristbandOptions } from './interfaces/resolved-options.interface.js';
import { SessionService, type SessionLookup } from './session/session.service.js';
import { TokenRefreshService } from './tokens/token-refresh.service.js';
import { WristbandApiClient } from './wristband-api.client.js';
import type { WristbandLoginResult } from './wristband.strategy.js';
import { applicationLoginPageUrl, logoutUrl, normalizeTenantName } from './wristband-urls.js';
import { assertCsrfToken } from './session/csrf.js';
import { AuthEventRecorder, type EventRequest } from './events/auth-event.recorder.js';
import {
  AccessDeniedError,
  AuthenticationRequiredError,
  CrossSiteRequestError,
} from './errors/wristband.errors.js';

/** The request as Express (Node's request) or Fastify (its own, Node's in `raw`) hands it to a handler. */
type AuthRequest = object &
  WristbandRequestState &
  WristbandLoginRedirect & { wristbandLogin?: WristbandLoginResult };

/** Express's response or Fastify's reply: answered through `sendRedirect`, headers through `responseHeadersOf`. */
type AuthResponse = object;

/**
 * `/auth/*`: login, callback and logout (public even under a global guard) and the session/token
 * endpoints front ends call (session-protected). Served at `authRoutePrefix` (`auth` by default)
 * through a subclass the module makes (see `authControllerAt` in wristband.module.ts).
 */
@Controller()
export class WristbandAuthController {
  private readonly logger = new Logger('Wristband');

  constructor(
    @InjectWristbandOptions() private readonly options: ResolvedWristbandOptions,
    private readonly sessions: SessionService,
    private readonly tokens: TokenRefreshService,
    private readonly api: WristbandApiClient,
    private readonly recorder: AuthEventRecorder,
  ) {}

  /**
   * `?tenant_name=&tenant_custom_domain=&return_url=&login_hint=`: redirects to Wristband. The guard
   * validates the request and picks the target; answering here, inside the handler, lets the app's
   * interceptors see the request complete like any other.
   */
  @Public()
  @Get('login')
  @UseGuards(WristbandLoginGuard)
  login(@Req() req: AuthRequest, @Res() res: AuthResponse): void {
    sendRedirect(res, req.wristbandLoginRedirect!);
  }

  @Public()
  @Get('callback')
  @UseGuards(WristbandCallbackGuard)
  async callback(@Req() req: AuthRequest, @Res() res: AuthResponse): Promise<void> {
    const result = req.wristbandLogin!;
    const headers = responseHeadersOf(res);
    // A login always starts a new session; an older one (maybe another user's) is ended first.
    const previous = await this.sessions.load(rawRequestOf(req)).catch(() => undefined);
    if (previous?.status === 'ok')
      await this.sessions.destroy(headers, previous.session).catch(() => undefined);
    try {
      await this.sessions.create(headers, result.session);
    } catch (err) {
      this.recorder.loginFailed(req as EventRequest, err, result.session);
      // No session will hold these tokens (store down, session too large): do not leave them valid.
      if (result.session.refreshToken)
        await this.api.revoke(result.session.refreshToken).catch(() => undefined);
      throw err;
    }
    this.recorder.loginSucceeded(req as EventRequest, result.session);
    sendRedirect(res, result.returnUrl ?? this.options.defaultReturnPath);
  }

  /**
   * The link-friendly form, for links on this app's own pages. A logout started by another site (a link,
   * an image, a script navigating there) is refused with 403 `cross_site_request` and nothing changes:
   * see `foreignInitiator` for how the initiator is told.
   */
  @Public()
  @Get('logout')
  async logout(@Req() req: AuthRequest, @Res() res: AuthResponse): Promise<void> {
    // Express and Fastify route HEAD to GET handlers; a HEAD (a link checker, a prefetch) must change nothing.
    if (rawRequestOf(req).method === 'HEAD') {
      return sendAnswer(res, 405, { allow: 'GET, POST', 'cache-control': 'no-store' });
    }
    const foreign = foreignInitiator(rawRequestOf(req), this.options.appOrigin);
    if (foreign) {
      const error = new CrossSiteRequestError(
        `Logout was started by another site (${foreign}): log out from this application's pages, or POST ${this.routePath('logout')} with x-csrf-token`,
      );
      this.recorder.refused(req as EventRequest, error);
      throw error;
    }
    const raw = rawRequestOf(req);
    this.recorder.logout(
      req as EventRequest,
      await this.endSession(raw, res, await this.sessions.load(raw)),
    );
  }

  /** Same as GET, but requires the CSRF token, so a cross-site form cannot log the user out. */
  @Public()
  @Post('logout')
  async logoutPost(@Req() request: AuthRequest, @Res() res: AuthResponse): Promise<void> {
    const req = rawRequestOf(request);
    const lookup = await this.sessions.load(req);
    // A cross-site form post carries no SameSite=Lax cookie: refuse it rather than clear cookies.
    try {
      if (lookup.status === 'none')
        throw new AccessDeniedError(
          'csrf_failed',
          'Logout by POST needs the session cookie and x-csrf-token',
        );
      if (lookup.status === 'ok') assertCsrfToken(req, lookup.session);
    } catch (err) {
      const who = lookup.status === 'ok' ? lookup.session : undefined;
      this.recorder.refused(request as EventRequest, err, who);
      throw err;
    }
    // A front end's fetch cannot follow the 302 to Wristband's origin: with `Accept: application/json` it
    // gets the URL to navigate to instead, which ends the Wristband session too.
    const answer = /\bapplication\/json\b/i.test(req.headers.accept ?? '') ? 'json' : 'redirect';
    this.recorder.logout(request as EventRequest, await this.endSession(req, res, lookup, answer));
  }

  /** Session summary for front ends. */
  @Get('session')
  @UseGuards(WristbandGuard)
  @AuthStrategies('session')
  session(@Req() req: AuthRequest, @Res({ passthrough: true }) res: AuthResponse) {
    setDefaultHeader(res, 'cache-control', 'no-store');
    const s = guardedSession(req, res);
    return {
      isAuthenticated: true,
      userId: s.userId,
      tenantId: s.tenantId,
      tenantName: s.tenantName,
      identityProviderName: s.identityProviderName,
      email: s.email,
      roles: s.roles,
      csrfToken: s.csrfToken,
      expiresAt: this.tokens.bufferedExpiry(s),
      metadata: { email: s.email, roles: s.roles, tenantName: s.tenantName },
    };
  }

  /** A valid access token for calling APIs from the front end. */
  @Get('token')
  @UseGuards(WristbandGuard)
  @AuthStrategies('session')
  token(@Req() req: AuthRequest, @Res({ passthrough: true }) res: AuthResponse) {
    setDefaultHeader(res, 'cache-control', 'no-store');
    const s = guardedSession(req, res);
    return { accessToken: s.accessToken, expiresAt: this.tokens.bufferedExpiry(s) };
  }

  /** A route of this controller as the app serves it (without any global prefix). */
  private routePath(route: string): string {
    return this.options.authRoutePrefix ? `/${this.options.authRoutePrefix}/${route}` : `/${route}`;
  }

  /**
   * Ends the session `lookup` found (if any) and redirects; returns the session that ended. The caller
   * loads it: a store that cannot answer (Redis down) fails the logout with 503 there, before anything is
   * cleared, since clearing the cookies and redirecting would report a logout while the session lives on
   * for every copy of the cookie.
   */
  private async endSession(
    req: RawRequest,
    res: AuthResponse,
    lookup: SessionLookup,
    answer: 'redirect' | 'json' = 'redirect',
  ): Promise<WristbandSession | undefined> {
    const headers = responseHeadersOf(res);
    const session = lookup.status === 'ok' ? lookup.session : undefined;
    if (session?.refreshToken) {
      // Revocation failing must never keep anyone logged in.
      await this.api.revoke(session.refreshToken).catch((err: unknown) => {
        this.logger.warn(
          `Refresh token revocation failed during logout: ${(err as Error).message}`,
        );
      });
    }
    await this.sessions.destroy(headers, session);
    const tenantName = session?.tenantName ?? normalizeTenantName(queryParam(req, 'tenant_name'));
    const target = tenantName
      ? logoutUrl(
          this.options,
          { tenantName, tenantCustomDomain: session?.tenantCustomDomain },
          this.options.postLogoutRedirectUrl,
        )
      : applicationLoginPageUrl(this.options);
    if (answer === 'json') {
      sendAnswer(
        res,
        200,
        { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
        JSON.stringify({ logoutUrl: target }),
      );
    } else {
      sendRedirect(res, target);
    }
    return session;
  }
}

/** The session `WristbandGuard` opened for this request (these routes accept sessions only). */
function guardedSession(req: AuthRequest, res: AuthResponse): WristbandSession {
  const session = getAuthState(rawRequestOf(req), res)?.session;
  if (!session) throw new AuthenticationRequiredError('session_required', 'Log in first');
  return session;
}
