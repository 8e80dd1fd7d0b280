/** Everything a session holds. Sealed in the cookie or stored in Redis; never sent to the browser in clear. */
export interface WristbandSession {
  /** Random id of this session; a new one at every login. */
  id: string;
  userId: string;
  tenantId: string;
  tenantName: string;
  tenantCustomDomain?: string;
  identityProviderName: string;
  email?: string;
  /** Role names as Wristband sends them, e.g. `app:invotastic:admin`. */
  roles: string[];
  /** Userinfo claims as Wristband returned them (unknown claims kept). */
  claims: Record<string, unknown>;
  accessToken: string;
  /** Absolute expiry of the access token, epoch ms, as Wristband stated it (no buffer applied). */
  accessTokenExpiresAt: number;
  /**
   * When the access token was obtained, epoch ms. With `accessTokenExpiresAt` it gives the token's
   * lifetime, which caps the refresh buffer (at half of it). The module always sets it; a session
   * without it (built by a custom store or a test) gets the configured buffer as it is.
   */
  accessTokenIssuedAt?: number;
  refreshToken?: string;
  /** Per-session CSRF token, echoed by front ends in `x-csrf-token`. */
  csrfToken: string;
  /** Login time, epoch ms: the absolute lifetime counts from here. */
  createdAt: number;
  /** Last time the session was written, epoch ms: the idle lifetime counts from here. */
  lastSeenAt: number;
}
