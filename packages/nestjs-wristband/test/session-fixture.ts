import { randomBytes } from 'node:crypto';
import type { WristbandSession } from '../src/interfaces/wristband-session.interface.js';

/** A valid session for store and coordinator tests: a new id each call, access token valid for a minute. */
export function testSession(overrides: Partial<WristbandSession> = {}): WristbandSession {
  const now = Date.now();
  return {
    id: randomBytes(24).toString('base64url'),
    userId: 'user-1',
    tenantId: 'tenant-1',
    tenantName: 'acme',
    identityProviderName: 'Wristband',
    roles: [],
    claims: {},
    accessToken: 'eyJhbGciOiJSUzI1NiJ9.access.sig',
    accessTokenExpiresAt: now + 60_000,
    refreshToken: 'refresh-1',
    csrfToken: 'csrf',
    createdAt: now,
    lastSeenAt: now,
    ...overrides,
  };
}
