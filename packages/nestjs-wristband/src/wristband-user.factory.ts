import type { WristbandSession } from './interfaces/wristband-session.interface.js';
import type { WristbandUser } from './interfaces/wristband-user.interface.js';

/** Role names from Wristband's `roles` claim (`[{id, name, display_name}]`); anything else yields none. */
export function rolesFromClaims(claims: Record<string, unknown>): string[] {
  const roles = claims.roles;
  if (!Array.isArray(roles)) return [];
  return roles
    .map((r: unknown) => (typeof r === 'string' ? r : (r as { name?: unknown } | null)?.name))
    .filter((name): name is string => typeof name === 'string' && name.length > 0);
}

/**
 * Userinfo without the claims that have no value: OpenID Connect says a claim without a value SHOULD be
 * omitted rather than sent as `null`, and every byte of a session is carried in its cookie.
 */
export function withoutNullClaims(claims: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(claims)) if (value !== null) kept[name] = value;
  return kept;
}

export function userFromSession(session: WristbandSession): WristbandUser {
  return {
    userId: session.userId,
    tenantId: session.tenantId,
    tenantName: session.tenantName,
    identityProviderName: session.identityProviderName,
    email: session.email,
    roles: session.roles,
    subKind: 'user',
    authenticatedBy: 'session',
    sessionId: session.id,
    claims: session.claims,
  };
}

/**
 * A request's own copy of a cached (shared, frozen) user. Written out field by field: spreading a frozen
 * object takes V8's slow path, which shows on the bearer fast path. The mapped type
 * makes a new `WristbandUser` field a compile error here until it is copied.
 */
export function copyUser(user: WristbandUser): WristbandUser {
  const copy: { [K in keyof Required<WristbandUser>]: WristbandUser[K] } = {
    userId: user.userId,
    tenantId: user.tenantId,
    tenantName: user.tenantName,
    identityProviderName: user.identityProviderName,
    email: user.email,
    roles: user.roles,
    subKind: user.subKind,
    authenticatedBy: user.authenticatedBy,
    clientId: user.clientId,
    sessionId: user.sessionId,
    claims: user.claims,
  };
  return copy;
}

/**
 * Freezes a value and everything inside it. Cached sessions and bearer users are shared by every request
 * that presents the same credential: code that changed `user.roles` in one request would otherwise change
 * it for the next ones.
 */
export function readOnly<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) readOnly(inner);
  }
  return value;
}
