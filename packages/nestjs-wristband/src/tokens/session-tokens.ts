import type { WristbandSession } from '../interfaces/wristband-session.interface.js';

/** The part of a session a refresh replaces. */
export type SessionTokens = Pick<
  WristbandSession,
  'accessToken' | 'accessTokenExpiresAt' | 'accessTokenIssuedAt' | 'refreshToken'
>;

export function tokensOf(s: WristbandSession): SessionTokens {
  return {
    accessToken: s.accessToken,
    accessTokenExpiresAt: s.accessTokenExpiresAt,
    accessTokenIssuedAt: s.accessTokenIssuedAt,
    refreshToken: s.refreshToken,
  };
}
