/**
 * `BENCH_COMPARE=1 npm run bench`: the other ways to authenticate a NestJS request that issue 6 names,
 * built as guards on the same server, so one run puts them beside `WristbandGuard`. Each route
 * answers `/api/me`'s body (set with `PUT /bench/floor`) after its guard accepted the request.
 *
 * - `/bench/iron-session`: what Wristband's NestJS docs and demo do. iron-session opens its cookie on
 *   every request, the guard checks `isAuthenticated` and the token expiry, then saves the session
 *   (re-sealed and re-sent: the demo "touches" it on every request to keep it rolling).
 * - `/bench/jose-every-request`: the bearer token verified with jose (RS256, `iss`, `exp`; keys from
 *   Wristband's JWKS, fetched once) on every request, no cache.
 * - `/bench/sealed-every-request`: this module's own session cookie opened on every request
 *   (AES-256-GCM, keys derived once), no cache.
 *
 * Loaded by scripts/bench-app.ts only when BENCH_COMPARE=1; public to everyone else, doing nothing useful.
 */
import {
  Controller,
  Get,
  Injectable,
  Module,
  UnauthorizedException,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getIronSession, type SessionOptions } from 'iron-session';
import { createRemoteJWKSet, jwtVerify } from 'jose';

// The package's production build: internals the comparison routes reuse (not part of its public API).
const pkgDist = (path: string) =>
  new URL(`../packages/nestjs-wristband/dist/${path}`, import.meta.url).href;

/** The iron-session cookie: what a Wristband demo app keeps in it. The bench seals one with `sealData`. */
export const IRON_COOKIE_NAME = 'wb_iron';

export interface IronSessionData {
  isAuthenticated?: boolean;
  accessToken?: string;
  refreshToken?: string;
  /** ms since the epoch */
  expiresAt?: number;
  userId?: string;
  tenantId?: string;
  tenantName?: string;
  identityProviderName?: string;
  email?: string;
  roles?: string[];
  csrfToken?: string;
}

export interface BenchCompareSettings {
  /** The app's first SESSION_SECRETS entry: iron-session's password and this module's sealing secret. */
  secret: string;
  /** The session cookie's name (`wb_session` over http). */
  sessionCookieName: string;
  /** Wristband's issuer, `http(s)://{vanity domain}`; the JWKS is `{issuer}/api/v1/oauth2/jwks`. */
  issuer: string;
  /** The body every route answers. */
  body: () => Record<string, unknown>;
}

type User = { userId: string; tenantId: string };
type Req = IncomingMessage & { user?: User };

/**
 * `settings` is called once, on the first request: the app's own options exist only after `init()`.
 * The production build is loaded here, not at import, so the bench process can import the cookie name
 * and session type without loading the app.
 */
export async function benchCompareModule(settings: () => BenchCompareSettings) {
  const { CurrentUser, Public } = await import('nestjs-wristband');
  const { CookieSealer } = (await import(
    pkgDist('session/cookie-sealer.js')
  )) as typeof import('../packages/nestjs-wristband/src/session/cookie-sealer.js');
  const { decodeSessionCookie } = (await import(
    pkgDist('session/session-cookie.codec.js')
  )) as typeof import('../packages/nestjs-wristband/src/session/session-cookie.codec.js');
  const { cookieFromHeader } = (await import(
    pkgDist('http/http-exchange.js')
  )) as typeof import('../packages/nestjs-wristband/src/http/http-exchange.js');
  let deps: ReturnType<typeof build> | undefined;
  const build = (s: BenchCompareSettings) => ({
    ...s,
    ironOptions: {
      cookieName: IRON_COOKIE_NAME,
      password: s.secret,
      cookieOptions: { httpOnly: true, secure: true, sameSite: 'lax', maxAge: 3600 },
    } satisfies SessionOptions,
    jwks: createRemoteJWKSet(new URL(`${s.issuer}/api/v1/oauth2/jwks`)),
    sealer: new CookieSealer([s.secret]),
  });
  const the = () => (deps ??= build(settings()));
  const exchange = (context: ExecutionContext) => {
    const http = context.switchToHttp();
    return { req: http.getRequest<Req>(), res: http.getResponse<ServerResponse>() };
  };
  const refuse = () => new UnauthorizedException({ reason: 'session_required' });

  @Injectable()
  class IronSessionGuard implements CanActivate {
    async canActivate(context: ExecutionContext): Promise<boolean> {
      const { req, res } = exchange(context);
      const session = await getIronSession<IronSessionData>(req, res, the().ironOptions);
      if (!session.isAuthenticated || !session.userId || !session.tenantId) throw refuse();
      if ((session.expiresAt ?? 0) <= Date.now()) throw refuse();
      await session.save();
      req.user = { userId: session.userId, tenantId: session.tenantId };
      return true;
    }
  }

  @Injectable()
  class JoseEveryRequestGuard implements CanActivate {
    async canActivate(context: ExecutionContext): Promise<boolean> {
      const { req } = exchange(context);
      const header = req.headers.authorization;
      if (!header?.startsWith('Bearer ')) throw refuse();
      const { payload } = await jwtVerify(header.slice(7), the().jwks, {
        algorithms: ['RS256'],
        issuer: the().issuer,
      }).catch(() => {
        throw refuse();
      });
      if (typeof payload.sub !== 'string' || typeof payload.tnt_id !== 'string') throw refuse();
      req.user = { userId: payload.sub, tenantId: payload.tnt_id };
      return true;
    }
  }

  @Injectable()
  class SealedEveryRequestGuard implements CanActivate {
    canActivate(context: ExecutionContext): boolean {
      const { req } = exchange(context);
      const value = cookieFromHeader(req.headers.cookie, the().sessionCookieName);
      const plain = value && the().sealer.unsealBytes('session', value);
      const session = plain && decodeSessionCookie(plain);
      if (!session || session.accessTokenExpiresAt <= Date.now()) throw refuse();
      req.user = { userId: session.userId, tenantId: session.tenantId };
      return true;
    }
  }

  const answer = (user: unknown) => {
    if (!user) throw refuse();
    return { ...the().body() };
  };

  @Public()
  @Controller('bench')
  class BenchCompareController {
    @Get('iron-session')
    @UseGuards(IronSessionGuard)
    iron(@CurrentUser() user: unknown) {
      return answer(user);
    }

    @Get('jose-every-request')
    @UseGuards(JoseEveryRequestGuard)
    jose(@CurrentUser() user: unknown) {
      return answer(user);
    }

    @Get('sealed-every-request')
    @UseGuards(SealedEveryRequestGuard)
    sealed(@CurrentUser() user: unknown) {
      return answer(user);
    }
  }

  @Module({ controllers: [BenchCompareController] })
  class BenchCompareModule {}
  return BenchCompareModule;
}
