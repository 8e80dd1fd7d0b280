/**
 * Audit events the module emits (`WristbandEvents.events$`). Each is a plain JSON-ready object: ids,
 * reasons and request facts only, never a token, cookie, authorization code or secret.
 */
export type WristbandEvent =
  | WristbandLoginSucceededEvent
  | WristbandLoginFailedEvent
  | WristbandLogoutEvent
  | WristbandSessionExpiredEvent
  | WristbandSessionRevokedEvent
  | WristbandRefreshFailedEvent
  | WristbandCsrfRefusedEvent
  | WristbandRoleRefusedEvent
  | WristbandTenantMismatchEvent;

export type WristbandEventType = WristbandEvent['type'];

/** What every event carries. Fields are absent when not known (e.g. no user before a login succeeds). */
export interface WristbandEventBase {
  type: WristbandEventType;
  /** When it happened, ISO 8601 UTC. */
  time: string;
  tenantId?: string;
  /** Tenant name (subdomain), when known: at login it is known before the tenant id. */
  tenantName?: string;
  userId?: string;
  /** The OAuth2 client a bearer token was issued to (absent for sessions: always this app's client). */
  clientId?: string;
  /** The request's `x-request-id` (see `assignRequestId`). */
  requestId?: string;
  /** The caller's address (`req.ip` where the framework sets it, honouring its trust-proxy setting). */
  ip?: string;
  userAgent?: string;
}

export interface WristbandLoginSucceededEvent extends WristbandEventBase {
  type: 'login_succeeded';
}

export interface WristbandLoginFailedEvent extends WristbandEventBase {
  type: 'login_failed';
  /** The `WristbandErrorCode` the callback failed with, e.g. `login_state_invalid`, `authorization_failed`. */
  reason: string;
}

export interface WristbandLogoutEvent extends WristbandEventBase {
  type: 'logout';
}

/** A session refused because its idle or absolute lifetime ended, or Wristband would not refresh it. */
export interface WristbandSessionExpiredEvent extends WristbandEventBase {
  type: 'session_expired';
}

/** Sessions ended from the server (`SessionRevocationService`: one session, or "log out everywhere"). */
export interface WristbandSessionRevokedEvent extends WristbandEventBase {
  type: 'session_revoked';
  scope: 'session' | 'all_sessions_of_user';
  /** How many live sessions ended. */
  count: number;
}

export interface WristbandRefreshFailedEvent extends WristbandEventBase {
  type: 'refresh_failed';
  /** Same values as the `reason` label of `wristband_token_refresh_total`. */
  reason: RefreshFailureReason;
}

/** An unsafe request without the right CSRF token, or a logout started by another site. */
export interface WristbandCsrfRefusedEvent extends WristbandEventBase {
  type: 'csrf_refused';
  reason: 'csrf_failed' | 'cross_site_request';
}

export interface WristbandRoleRefusedEvent extends WristbandEventBase {
  type: 'role_refused';
}

/** A user of one tenant asked for another tenant's resource, or a login came back for another tenant. */
export interface WristbandTenantMismatchEvent extends WristbandEventBase {
  type: 'tenant_mismatch';
}

/**
 * Why a token refresh failed: `invalid_grant` (Wristband refused the refresh token), `no_refresh_token`,
 * `id_token_invalid` (the refreshed ID token was wrong), `rejected` (another 4xx, e.g. `invalid_client`),
 * `unavailable` (Wristband down, 5xx, timeouts), `no_answer` (sent, never answered in time).
 */
export type RefreshFailureReason =
  | 'invalid_grant'
  | 'no_refresh_token'
  | 'id_token_invalid'
  | 'rejected'
  | 'unavailable'
  | 'no_answer';
