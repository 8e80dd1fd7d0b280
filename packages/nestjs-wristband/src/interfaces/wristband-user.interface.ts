/** `request.user` on routes protected by `WristbandGuard`, read with `@CurrentUser()`. */
export interface WristbandUser {
  userId: string;
  tenantId: string;
  /** Tenant name (subdomain); absent for bearer tokens that do not carry it. */
  tenantName?: string;
  identityProviderName?: string;
  email?: string;
  /** Role names, e.g. `app:invotastic:admin`. */
  roles: string[];
  /** `user` for people, `client` for machine-to-machine tokens. */
  subKind: 'user' | 'client';
  /** How the request authenticated. */
  authenticatedBy: 'session' | 'bearer';
  /**
   * The session's id (sessions only): for `SessionRevocationService.endSession(id)` with a server-side store,
   * e.g. a "sign out this device" list your app keeps. Not a credential (the cookie is sealed); keep it out of
   * answers anyway.
   */
  sessionId?: string;
  /**
   * The OAuth2 client the credential was issued to: a bearer token's `client_id` (this app's own client, or
   * another client of the same Wristband application, such as an SPA or a mobile app); absent for sessions,
   * which are always this app's own client. Pin bearer clients with `bearer.allowedClientIds`.
   */
  clientId?: string;
  /** The verified claims (userinfo for sessions, access-token payload for bearer tokens). */
  claims: Record<string, unknown>;
}
