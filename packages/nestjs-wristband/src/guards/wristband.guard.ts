import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingHttpHeaders } from 'node:http';
import { InjectWristbandOptions } from '../decorators/inject-wristband-options.decorator.js';
import {
  AuthenticationRequiredError,
  UnsupportedContextError,
} from '../errors/wristband.errors.js';
import { exchangeOf, graphqlOperation, type Exchange } from '../http/execution-exchange.js';
import { setDefaultHeader, type RawRequest } from '../http/http-exchange.js';
import { RequestUserBinding } from '../http/request-user.binding.js';
import type { ResolvedWristbandOptions } from '../interfaces/resolved-options.interface.js';
import type { AuthStrategyName } from '../interfaces/wristband-module-options.interface.js';
import type { WristbandUser } from '../interfaces/wristband-user.interface.js';
import { BearerTokenVerifier } from '../jwt/bearer-token.verifier.js';
import { assertCsrfToken } from '../session/csrf.js';
import { SessionService } from '../session/session.service.js';
import { TokenRefreshService } from '../tokens/token-refresh.service.js';
import { RoutePolicies, type RoutePolicy } from './route-policy.js';
import { AuthEventRecorder, eventRequestOf } from '../events/auth-event.recorder.js';
import { userFromSession } from '../wristband-user.factory.js';
import { AuthorizationService } from '../authorization/authorization.service.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What the guard makes visible on the request: `request.user` (also `@CurrentUser()`). */
export interface WristbandRequestState {
  user?: WristbandUser;
}

/**
 * Protects routes: a session cookie (refreshing its access token when needed, CSRF for unsafe
 * methods) or a Wristband bearer token, then `@Roles` / `@TenantScoped` checks. Use it on a route, a
 * controller, a GraphQL resolver, or globally (`globalGuard: true`) with `@Public()` to opt out. In
 * GraphQL a mutation over a session cookie needs the CSRF header, a query does not. On WebSocket
 * gateways and microservice handlers it lets `@Public()` handlers through and refuses the others with
 * `UnsupportedContextError`.
 */
@Injectable()
export class WristbandGuard implements CanActivate {
  constructor(
    reflector: Reflector,
    @InjectWristbandOptions() options: ResolvedWristbandOptions,
    private readonly sessions: SessionService,
    private readonly tokens: TokenRefreshService,
    private readonly bearer: BearerTokenVerifier,
    private readonly authorization: AuthorizationService,
    private readonly requestUser: RequestUserBinding,
    private readonly recorder: AuthEventRecorder,
  ) {
    this.policies = new RoutePolicies(reflector, options.authStrategies);
  }

  private readonly policies: RoutePolicies;

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const policy = this.policies.get(context.getHandler(), context.getClass());
    // `@Public()` first: as a global guard this runs on gateways and microservice handlers too, and
    // the public ones must keep working whatever the transport.
    if (policy.isPublic) return true;
    const type = context.getType<string>();
    if (type !== 'http' && type !== 'graphql') throw new UnsupportedContextError(type);

    const exchange = exchangeOf(context);
    // A GraphQL query only reads; a mutation writes, and its request method says nothing (both POST).
    const safe =
      type === 'http' ? policy.safeMethodOnly || undefined : graphqlOperation(context) === 'query';
    const credential = this.presentedCredential(exchange.req.headers, policy.strategies);
    // Hot path: a cached cookie session on a safe method that needs no refresh and no write, or a
    // bearer token verified before, is decided without any await (measured by `npm run bench`).
    const user = credential && this.knownUser(exchange, credential, safe);
    if (user) {
      keepOutOfSharedCaches(exchange.response);
      if (policy.roles || policy.tenantScope) this.authorize(context, policy, user, exchange);
      return true;
    }
    return this.authenticate(exchange, credential, policy.strategies, safe).then(
      (authenticated) => {
        keepOutOfSharedCaches(exchange.response);
        if (policy.roles || policy.tenantScope)
          this.authorize(context, policy, authenticated, exchange);
        return true;
      },
      (err: unknown) => {
        // Counted and audited (wristband_guard_denied_total, session_expired / csrf_refused events).
        this.recorder.guardDenied(eventRequestOf(exchange), err);
        throw err;
      },
    );
  }

  /** `@Roles` / `@TenantScoped`; a refusal is counted and audited with the user it refused. */
  private authorize(
    context: ExecutionContext,
    policy: RoutePolicy,
    user: WristbandUser,
    exchange: Exchange,
  ): void {
    try {
      this.authorization.authorize(context, policy, user);
    } catch (err) {
      this.recorder.guardDenied(eventRequestOf(exchange), err, user);
      throw err;
    }
  }

  /**
   * The credential of the route's first strategy the request carries one for: it alone decides, so a bad
   * credential is never masked by trying the next strategy.
   */
  private presentedCredential(
    headers: IncomingHttpHeaders,
    strategies: AuthStrategyName[],
  ): Credential | undefined {
    for (const strategy of strategies) {
      const value =
        strategy === 'session' ? this.sessions.cookieValue(headers) : bearerToken(headers);
      if (value !== undefined) return { strategy, value };
    }
    return undefined;
  }

  private knownUser(
    exchange: Exchange,
    credential: Credential,
    safe: boolean | undefined,
  ): WristbandUser | undefined {
    if (credential.strategy === 'bearer') {
      const user = this.bearer.cached(credential.value);
      if (user) this.requestUser.bind(exchange, user);
      return user;
    }
    if (!isSafe(exchange.req, safe)) return undefined;
    const now = Date.now();
    const session = this.sessions.peek(credential.value, now);
    if (!session || this.tokens.needsRefresh(session, now)) return undefined;
    const user = userFromSession(session);
    this.requestUser.bind(exchange, user, session);
    return user;
  }

  private async authenticate(
    exchange: Exchange,
    credential: Credential | undefined,
    strategies: AuthStrategyName[],
    safe: boolean | undefined,
  ): Promise<WristbandUser> {
    if (credential?.strategy === 'session')
      return this.authenticateSession(exchange, credential.value, safe);
    if (credential?.strategy === 'bearer') {
      const user = await this.bearer.verify(credential.value);
      this.requestUser.bind(exchange, user);
      return user;
    }
    if (!strategies.includes('session')) {
      throw new AuthenticationRequiredError('invalid_token', 'Bearer token missing', 'bearer');
    }
    throw new AuthenticationRequiredError(
      'session_required',
      'Log in first',
      strategies.includes('bearer') ? 'bearer' : 'session',
    );
  }

  private async authenticateSession(
    exchange: Exchange,
    cookie: string,
    safe: boolean | undefined,
  ): Promise<WristbandUser> {
    const { req, res } = exchange;
    const lookup = await this.sessions.open(cookie);
    if (lookup.status !== 'ok') {
      this.sessions.clearCookies(res);
      throw new AuthenticationRequiredError(
        lookup.status === 'expired' ? 'session_expired' : 'session_invalid',
        lookup.status === 'expired'
          ? 'Session expired; log in again'
          : 'Session cookie is not valid; log in again',
      );
    }
    let session = lookup.session;
    try {
      if (!isSafe(req, safe)) assertCsrfToken(req, session);
      const fresh = await this.tokens.ensureFresh(session, undefined, eventRequestOf(exchange));
      session = fresh.session;
      if (fresh.refreshed || this.sessions.needsTouch(session))
        await this.sessions.commit(res, session);
    } catch (err) {
      this.recorder.attribute(err, session);
      if (err instanceof AuthenticationRequiredError) await this.sessions.destroy(res, session);
      throw err;
    }
    const user = userFromSession(session);
    this.requestUser.bind(exchange, user, session);
    return user;
  }
}

/**
 * Whether the request only reads: known from the route or the GraphQL operation when `safe` is set,
 * else from the HTTP method (read only when needed: a slow property on Express requests).
 */
function isSafe(req: RawRequest, safe: boolean | undefined): boolean {
  return safe ?? SAFE_METHODS.has(req.method ?? 'GET');
}

/** The credential the request presents: that of the route's first strategy it carries one for. */
interface Credential {
  strategy: AuthStrategyName;
  /** The session cookie's value or the bearer token. */
  value: string;
}

/** Only the scheme is matched by a regex: running one over the whole token (about 1 KB) on every request is avoided. */
const BEARER_SCHEME = /^Bearer(?: +|$)/i;

function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization;
  if (header === undefined) return undefined;
  // The usual spelling needs no regex at all; every other one takes the path below.
  if (header.startsWith('Bearer ')) return header.slice(7).trim();
  const value = header.trim();
  const scheme = BEARER_SCHEME.exec(value);
  // "Authorization: Basic …" is not ours; "Bearer" with nothing after it is an empty, invalid token.
  return scheme ? value.slice(scheme[0].length).trim() : undefined;
}

/**
 * An answer for an authenticated caller is that caller's own. A cookie-authenticated GET carries no
 * `Authorization` header, so nothing in HTTP stops a CDN or caching proxy from storing it for the next
 * caller. Set before the handler runs, so a handler (or `@Header()`) that sets its own wins.
 */
function keepOutOfSharedCaches(response: unknown): void {
  setDefaultHeader(response, 'cache-control', 'no-store');
}
