import { Inject, Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { InjectWristbandOptions } from '../decorators/inject-wristband-options.decorator.js';
import {
  AuthenticationRequiredError,
  WristbandRequestError,
  WristbandUnavailableError,
} from '../errors/wristband.errors.js';
import type { ResolvedWristbandOptions } from '../interfaces/resolved-options.interface.js';
import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import { IdTokenVerifier } from '../jwt/id-token.verifier.js';
import { WristbandApiClient } from '../wristband-api.client.js';
import { readOnly } from '../wristband-user.factory.js';
import { REFRESH_COORDINATOR, type RefreshCoordinator } from './refresh-coordinator.interface.js';

export interface FreshSession {
  session: WristbandSession;
  /** True when tokens changed and the session must be persisted. */
  refreshed: boolean;
}

/**
 * Keeps a session's access token valid. One refresh in flight per session: concurrent requests on the
 * same expired session share one token call and all continue with its result.
 */
@Injectable()
export class TokenRefreshService {
  private readonly logger = new Logger('Wristband');
  private readonly inFlight = new Map<string, Promise<WristbandSession>>();
  /**
   * Sessions refreshed a moment ago, by session id. Requests that were already on the wire carry the
   * old cookie (old refresh token); they take these tokens instead of refreshing again, which with
   * refresh-token rotation would be a reuse and end the session.
   */
  private readonly recentlyRefreshed = new LRUCache<string, WristbandSession>({ max: 10_000, ttl: 60_000 });

  constructor(
    @InjectWristbandOptions() private readonly options: ResolvedWristbandOptions,
    private readonly api: WristbandApiClient,
    private readonly idTokens: IdTokenVerifier,
    @Inject(REFRESH_COORDINATOR) private readonly coordinator: RefreshCoordinator,
  ) {}

  /** Expiry with the safety buffer applied, epoch ms: what front ends see as `expiresAt`. */
  bufferedExpiry(session: WristbandSession): number {
    return session.accessTokenExpiresAt - this.options.tokens.expiryBufferSeconds * 1000;
  }

  needsRefresh(session: WristbandSession, now = Date.now()): boolean {
    return now >= this.bufferedExpiry(session);
  }

  /**
   * The session with a usable access token. Throws `AuthenticationRequiredError('session_expired')`
   * when Wristband rejects the refresh token, `WristbandUnavailableError` when Wristband fails and the
   * current access token has really expired.
   */
  async ensureFresh(session: WristbandSession, now = Date.now()): Promise<FreshSession> {
    if (!this.needsRefresh(session, now)) return { session, refreshed: false };
    try {
      return { session: await this.refreshOnce(session), refreshed: true };
    } catch (err) {
      // Wristband down but the token itself still valid (we are inside the buffer): go on with it.
      if (err instanceof WristbandUnavailableError && Date.now() < session.accessTokenExpiresAt) {
        return { session, refreshed: false };
      }
      throw err;
    }
  }

  private refreshOnce(stale: WristbandSession): Promise<WristbandSession> {
    const pending = this.inFlight.get(stale.id);
    if (pending) return pending;
    // Start from the newest tokens this process has seen for the session, never an older refresh token.
    const recent = this.recentlyRefreshed.get(stale.id);
    const session = recent && recent.userId === stale.userId ? { ...stale, ...tokensOf(recent) } : stale;
    if (!this.needsRefresh(session)) return Promise.resolve(session);
    const refresh = this.coordinator
      .coordinate(session, (latest) => this.refresh(latest), (candidate) => !this.needsRefresh(candidate))
      .then((fresh) => {
        // Shared by every request that waited on this refresh.
        this.recentlyRefreshed.set(stale.id, readOnly(fresh));
        return fresh;
      })
      .finally(() => this.inFlight.delete(stale.id));
    this.inFlight.set(stale.id, refresh);
    return refresh;
  }

  private async refresh(session: WristbandSession): Promise<WristbandSession> {
    if (!session.refreshToken) {
      throw new AuthenticationRequiredError('session_expired', 'Access token expired and the session has no refresh token');
    }
    let tokens;
    try {
      tokens = await this.api.refresh(session.refreshToken);
    } catch (err) {
      if (err instanceof WristbandRequestError && err.code === 'invalid_grant') {
        throw new AuthenticationRequiredError('session_expired', 'Wristband rejected the refresh token');
      }
      if (err instanceof WristbandRequestError) {
        // Not the user's fault (e.g. invalid_client): keep the session, answer 503, alert operators.
        throw new WristbandUnavailableError(`Token refresh rejected by Wristband: ${err.message}`);
      }
      throw err;
    }
    if (tokens.id_token) await this.checkRefreshedIdToken(session, tokens.id_token);
    return {
      ...session,
      accessToken: tokens.access_token,
      accessTokenExpiresAt: Date.now() + tokens.expires_in * 1000,
      // Wristband may not rotate: keep the old refresh token when none comes back.
      refreshToken: tokens.refresh_token ?? session.refreshToken,
    };
  }

  private async checkRefreshedIdToken(session: WristbandSession, idToken: string): Promise<void> {
    const claims = await this.idTokens.verify(idToken);
    if (claims.sub !== session.userId || (claims.tnt_id !== undefined && claims.tnt_id !== session.tenantId)) {
      this.logger.error('Refreshed ID token names another user or tenant; ending the session');
      throw new AuthenticationRequiredError('session_expired', 'Refreshed ID token does not match the session');
    }
  }
}

function tokensOf(s: WristbandSession): Pick<WristbandSession, 'accessToken' | 'accessTokenExpiresAt' | 'refreshToken'> {
  return { accessToken: s.accessToken, accessTokenExpiresAt: s.accessTokenExpiresAt, refreshToken: s.refreshToken };
}
