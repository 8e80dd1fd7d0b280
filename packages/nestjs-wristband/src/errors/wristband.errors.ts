/**
 * Runtime failures, each with a stable `code` callers can switch on. Services throw these; the guard
 * and `WristbandExceptionFilter` map them to HTTP (see `wristband-error-status.ts`).
 */
export type WristbandErrorCode =
  | 'invalid_tenant_name'
  | 'invalid_tenant_custom_domain'
  | 'invalid_callback'
  | 'login_state_missing'
  | 'login_state_invalid'
  | 'state_mismatch'
  | 'login_required'
  | 'login_failed'
  | 'authorization_failed'
  | 'invalid_grant'
  | 'token_request_failed'
  | 'wristband_unavailable'
  | 'id_token_invalid'
  | 'userinfo_invalid'
  | 'userinfo_failed'
  | 'tenant_mismatch'
  | 'session_required'
  | 'session_invalid'
  | 'session_expired'
  | 'session_store_unavailable'
  | 'session_too_large'
  | 'invalid_token'
  | 'csrf_failed'
  | 'insufficient_role'
  | 'cross_site_request'
  | 'unsupported_context';

export class WristbandError extends Error {
  override name = 'WristbandError';

  constructor(
    readonly code: WristbandErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Bad input to a login/callback/logout request; answered 400. */
export class InvalidRequestError extends WristbandError {
  override name = 'InvalidRequestError';
}

/** The callback cannot continue, but a fresh login can fix it (lost or stale login state, `login_required`, `invalid_grant`). */
export class LoginRestartError extends WristbandError {
  override name = 'LoginRestartError';

  constructor(
    code: WristbandErrorCode,
    message: string,
    /** Tenant to send the browser back to, when known and valid. */
    readonly tenantName: string | undefined,
    readonly tenantCustomDomain: string | undefined,
    /** This login was already a restart: answering with an error instead prevents a redirect loop. */
    readonly alreadyRestarted: boolean,
  ) {
    super(code, message);
  }
}

/** Wristband answered the authorization or token request with an error that retrying will not fix. */
export class WristbandRequestError extends WristbandError {
  override name = 'WristbandRequestError';

  constructor(
    code: WristbandErrorCode,
    message: string,
    /** The OAuth `error` Wristband sent, e.g. `invalid_client`. */
    readonly oauthError?: string,
    /** HTTP status Wristband answered with, when there was a response. */
    readonly upstreamStatus?: number,
  ) {
    super(code, message);
  }
}

/** Wristband could not be reached or kept failing (5xx, 429, timeouts) past the retry budget. */
export class WristbandUnavailableError extends WristbandError {
  override name = 'WristbandUnavailableError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('wristband_unavailable', message, options);
  }
}

/** A token (ID token at login, bearer access token) failed validation. */
export class TokenValidationError extends WristbandError {
  override name = 'TokenValidationError';
}

/** No valid credentials for a protected route: 401. */
export class AuthenticationRequiredError extends WristbandError {
  override name = 'AuthenticationRequiredError';

  constructor(
    code: WristbandErrorCode,
    message: string,
    /** How the request tried to authenticate; decides the `WWW-Authenticate` header. */
    readonly scheme: 'session' | 'bearer' = 'session',
  ) {
    super(code, message);
  }
}

/** Authenticated, but not allowed: 403. */
export class AccessDeniedError extends WristbandError {
  override name = 'AccessDeniedError';
}

/**
 * A request that must come from this application's own pages came from another site (e.g. a link or an
 * image elsewhere pointing at `GET /auth/logout`): 403, nothing changed.
 */
export class CrossSiteRequestError extends AccessDeniedError {
  override name = 'CrossSiteRequestError';

  constructor(message: string) {
    super('cross_site_request', message);
  }
}

/**
 * `WristbandGuard` ran on a handler outside HTTP and GraphQL (WebSocket, microservice) that is not
 * `@Public()`: it can only read cookies and bearer tokens from HTTP requests, so it refuses rather than
 * let the call through. A programmer error: mark the handler `@Public()` or give that transport its own guard.
 */
export class UnsupportedContextError extends WristbandError {
  override name = 'UnsupportedContextError';

  constructor(
    /** `ExecutionContext.getType()` of the refused call: `rpc`, `ws`, … */
    readonly contextType: string,
    message = `WristbandGuard protects HTTP routes and GraphQL resolvers only, and this handler runs in a "${contextType}" context: mark it @Public() or protect it with a guard for that transport`,
  ) {
    super('unsupported_context', message);
  }
}

/**
 * A GraphQL resolver's context lacks the HTTP request or response, so the guard can read no credential
 * or cannot write the refreshed session cookie. A programmer error in the GraphQL module's `context`.
 */
export class GraphQLContextError extends UnsupportedContextError {
  override name = 'GraphQLContextError';

  constructor() {
    super(
      'graphql',
      'The GraphQL context must hold the HTTP request as `req` and the response as `res` (Express) or `reply` (Fastify), e.g. context: ({ req, res }) => ({ req, res }) with Apollo on Express, (req, reply) => ({ req, reply }) on Fastify',
    );
  }
}

/** The session store (Redis) failed; protected routes fail closed with 503. */
export class SessionStoreUnavailableError extends WristbandError {
  override name = 'SessionStoreUnavailableError';
  /** What failed, for the log only: never part of the answer (e.g. ioredis's "Command timed out"). */
  readonly detail?: string;

  constructor(message: string, options?: { cause?: unknown; detail?: string }) {
    super('session_store_unavailable', message, options);
    this.detail = options?.detail;
  }
}

/**
 * The sealed session does not fit in one cookie (browsers drop cookies over 4096 bytes, which would
 * silently log the user out on the next request). Use the Redis session store for large sessions.
 */
export class SessionTooLargeError extends WristbandError {
  override name = 'SessionTooLargeError';

  constructor(readonly cookieBytes: number) {
    super(
      'session_too_large',
      `The session needs a ${cookieBytes}-byte cookie, over the ${MAX_COOKIE_BYTES} bytes browsers keep; configure the Redis session store (redisUrl / REDIS_URL)`,
    );
  }
}

/** Name + "=" + value: the most a browser is guaranteed to store for one cookie (RFC 6265 §6.1). */
export const MAX_COOKIE_BYTES = 4096;
