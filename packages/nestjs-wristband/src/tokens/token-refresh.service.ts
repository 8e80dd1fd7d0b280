import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { decodeJwt } from 'jose';
import { LRUCache } from 'lru-cache';
import { InjectWristbandOptions } from '../decorators/inject-wristband-options.decorator.js';
import {
  AuthenticationRequiredError,
  WristbandRequestError,
  WristbandUnavailableError,
} from '../errors/wristband.errors.js';
import type { ResolvedWristbandOptions } from '../interfaces/resolved-options.interface.js';
import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import { IdTokenVerifier, isUnverifiableNow } from '../jwt/id-token.verifier.js';
import {
  WristbandApiClient,
  rotatedRefreshToken,
  type TokenResponse,
} from '../wristband-api.client.js';
import { readOnly } from '../wristband-user.factory.js';
import { REFRESH_COORDINATOR, type RefreshCoordinator } from './refresh-coordinator.interface.js';
import { RefreshPendingError } from './refresh-pending.error.js';
import { tokensOf } from './session-tokens.js';
import { AuthEventRecorder, type EventRequest } from '../events/auth-event.recorder.js';
import type { RefreshFailureReason } from '../events/wristband-event.interface.js';
import { WristbandMetrics } from '../metrics/wristband-metrics.js';

export interface FreshSession {
  session: WristbandSession;
  /** True when tokens changed and the session must be persisted. */
  refreshed: boolean;
}

/**
 * How long, in milliseconds, requests of a session whose refresh just failed go on with their
 * still-valid access token instead of trying again.
 */
const FAILED_REFRESH_BACKOFF_MS = 5_000;
/** How long, in milliseconds, a refreshed session's tokens are kept for requests still carrying the old cookie. */
const RECENT_REFRESH_MEMORY_MS = 60_000;

/**
 * Keeps a session's access token valid. One refresh in flight per session: concurrent requests on the
 * same expired session share one token call and all continue with its result. When a refresh fails,
 * the session's other requests go on with the still-valid token for a short back-off instead of each
 * waiting for Wristband again.
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
  private readonly recentlyRefreshed: LRUCache<string, WristbandSession>;
  /**
   * Sessions whose refresh failed a moment ago (Wristband unreachable), by session id. While Wristband
   * is down, only one request per session and back-off pays the wait for it.
   */
  private readonly failedRecently: LRUCache<string, true>;
  /**
   * Refresh tokens spent by a refresh whose 200 answer was refused (see `keepRotated`), mapped to the
   * refresh token that answer carried. A session read with the spent one (a cookie the failed request
   * could not replace) takes the new one before refreshing, instead of a reuse that ends the session.
   */
  private readonly replacedRefreshTokens: LRUCache<string, string>;
  /** Sessions `refresh` returned with only their refresh token replaced: counted as failed refreshes. */
  private readonly keptOnly = new WeakSet<WristbandSession>();

  constructor(
    @InjectWristbandOptions() private readonly options: ResolvedWristbandOptions,
    private readonly api: WristbandApiClient,
    private readonly idTokens: IdTokenVerifier,
    @Inject(REFRESH_COORDINATOR) private readonly coordinator: RefreshCoordinator,
    // Optional: the service also works when constructed by hand (tests), without metrics or events.
    @Optional() private readonly metrics: WristbandMetrics = WristbandMetrics.disabled,
    @Optional() private readonly recorder?: AuthEventRecorder,
  ) {
    // Both sized by `tokens.recentRefreshCacheMaxEntries`.
    const max = options.tokens.recentRefreshCacheMaxEntries;
    this.recentlyRefreshed = new LRUCache({ max, ttl: RECENT_REFRESH_MEMORY_MS });
    this.failedRecently = new LRUCache({ max, ttl: FAILED_REFRESH_BACKOFF_MS });
    this.replacedRefreshTokens = new LRUCache({ max });
  }

  /** Expiry with the safety buffer applied, epoch ms: what front ends see as `expiresAt`. */
  bufferedExpiry(session: WristbandSession): number {
    return session.accessTokenExpiresAt - this.bufferMs(session);
  }

  needsRefresh(session: WristbandSession, now = Date.now()): boolean {
    return now >= this.bufferedExpiry(session);
  }

  /**
   * The session with a usable access token. Throws `AuthenticationRequiredError('session_expired')`
   * when Wristband rejects the refresh token, `WristbandUnavailableError` when Wristband fails and the
   * current access token has really expired. `req` (the request that needs the session) only names
   * the request in a `refresh_failed` audit event.
   */
  async ensureFresh(
    session: WristbandSession,
    now = Date.now(),
    req?: EventRequest,
  ): Promise<FreshSession> {
    if (!this.needsRefresh(session, now)) return { session, refreshed: false };
    const result = (s: WristbandSession): FreshSession => ({
      session: s,
      refreshed: s.accessToken !== session.accessToken || s.refreshToken !== session.refreshToken,
    });
    const known = this.newestKnown(session);
    if (!this.needsRefresh(known, now)) return result(known);
    // Wristband failed a moment ago: a token that still works will do until the back-off ends. (Requests
    // joining a refresh in flight wait for it instead: answered with the old tokens, a cookie-store
    // request could send the browser a cookie holding the refresh token that refresh is spending.)
    if (isUsable(known, now) && this.failedRecently.has(known.id)) return result(known);
    try {
      return result(await this.refreshOnce(known, req));
    } catch (err) {
      // Wristband down but the token itself still valid (we are inside the buffer): go on with it.
      if (err instanceof WristbandUnavailableError && isUsable(known, Date.now()))
        return result(known);
      throw err;
    }
  }

  /**
   * The configured buffer, but never more than half the token's lifetime: a token that lives no
   * longer than the buffer would otherwise be stale as soon as it is issued, and every request would
   * refresh it. Sessions that do not record when their token was issued get the configured buffer.
   */
  private bufferMs(session: WristbandSession): number {
    const configured = this.options.tokens.expiryBufferSeconds * 1000;
    if (session.accessTokenIssuedAt === undefined) return configured;
    const lifetime = session.accessTokenExpiresAt - session.accessTokenIssuedAt;
    return Math.min(configured, Math.max(0, Math.floor(lifetime / 2)));
  }

  /** The session with the newest tokens this process has seen for it, never an older refresh token. */
  private newestKnown(session: WristbandSession): WristbandSession {
    const recent = this.recentlyRefreshed.get(session.id);
    const newer =
      recent &&
      recent.userId === session.userId &&
      recent.accessTokenExpiresAt > session.accessTokenExpiresAt;
    return this.withLiveRefreshToken(newer ? { ...session, ...tokensOf(recent) } : session);
  }

  /** The session with the refresh token that replaced its own, when a refused answer carried one. */
  private withLiveRefreshToken(session: WristbandSession): WristbandSession {
    let token = session.refreshToken;
    // A chain when refused answers came several times in a row; bounded, though tokens never repeat.
    for (let i = 0; token !== undefined && i < 8; i++) {
      const next = this.replacedRefreshTokens.get(token);
      if (next === undefined) break;
      token = next;
    }
    return token === session.refreshToken ? session : { ...session, refreshToken: token };
  }

  private remember(fresh: WristbandSession): void {
    const current = this.recentlyRefreshed.get(fresh.id);
    if (current && current.accessTokenExpiresAt >= fresh.accessTokenExpiresAt) return;
    this.recentlyRefreshed.set(fresh.id, readOnly(fresh));
    this.failedRecently.delete(fresh.id);
  }

  private refreshOnce(session: WristbandSession, req?: EventRequest): Promise<WristbandSession> {
    const pending = this.inFlight.get(session.id);
    if (pending) {
      this.metrics.refreshJoined();
      return pending;
    }
    // Whether this process sent the refresh; when the coordinator answers without it, another instance did.
    let sent = false;
    const refresh = this.coordinator
      .coordinate(
        session,
        (latest) => {
          sent = true;
          return this.timedRefresh(latest, req);
        },
        (candidate) => !this.needsRefresh(candidate),
        (candidate) => isUsable(candidate, Date.now()),
      )
      .then(
        (result) => {
          // Shared by every request that waited on this refresh.
          if (!this.needsRefresh(result)) {
            this.remember(result);
            // Another instance refreshed it (a result that still needs one: we went on without waiting).
            if (!sent) this.metrics.refreshJoined();
          }
          return result;
        },
        (err: unknown) => {
          if (err instanceof WristbandUnavailableError) this.failedRecently.set(session.id, true);
          throw err;
        },
      )
      .finally(() => this.inFlight.delete(session.id));
    this.inFlight.set(session.id, refresh);
    return refresh;
  }

  /** `refresh`, counted and timed; a failure is also an audit event. */
  private async timedRefresh(
    session: WristbandSession,
    req: EventRequest | undefined,
  ): Promise<WristbandSession> {
    const started = performance.now();
    try {
      const fresh = await this.refresh(session);
      if (this.keptOnly.has(fresh)) {
        this.metrics.refresh('failure', (performance.now() - started) / 1000, 'rejected');
        this.recorder?.refreshFailed(req, session, 'rejected');
      } else {
        this.metrics.refresh('success', (performance.now() - started) / 1000);
      }
      return fresh;
    } catch (err) {
      const reason = refreshFailureReason(err);
      this.metrics.refresh('failure', (performance.now() - started) / 1000, reason);
      this.recorder?.refreshFailed(req, session, reason);
      throw err;
    }
  }

  private async refresh(session: WristbandSession): Promise<WristbandSession> {
    const refreshToken = session.refreshToken;
    if (!refreshToken) {
      throw failedBecause(
        'no_refresh_token',
        new AuthenticationRequiredError(
          'session_expired',
          'Access token expired and the session has no refresh token',
        ),
      );
    }
    let tokens;
    try {
      tokens = await this.api.refresh(refreshToken);
    } catch (err) {
      const rotated = rotatedRefreshToken(err);
      if (rotated !== undefined) return this.keepRotated(session, rotated, err);
      if (err instanceof WristbandRequestError && err.code === 'invalid_grant') {
        throw failedBecause(
          'invalid_grant',
          new AuthenticationRequiredError(
            'session_expired',
            'Wristband rejected the refresh token',
          ),
        );
      }
      if (err instanceof WristbandRequestError) {
        // Not the user's fault (e.g. invalid_client): keep the session, answer 503, alert operators.
        throw failedBecause(
          'rejected',
          new WristbandUnavailableError(`Token refresh rejected by Wristband: ${err.message}`),
        );
      }
      const answer =
        err instanceof WristbandUnavailableError ? this.api.pendingAnswer(refreshToken) : undefined;
      if (answer)
        throw new RefreshPendingError(
          err instanceof Error ? err.message : 'No answer',
          this.keepLateAnswer(session, answer),
        );
      throw err;
    }
    return this.withTokens(session, tokens);
  }

  /**
   * Wristband answered the refresh 200 but the answer was refused for something else than its refresh
   * token (no access token, an unusable `expires_in`: see `WristbandApiClient`). Wristband has processed
   * the grant: with rotation the session's refresh token is spent and the one in the answer is the only
   * one left. So the session keeps its access token and takes that refresh token (the next refresh, after
   * the back-off, uses it). While the access token still works the request goes on with it and the
   * session is stored as usual; once it has expired the request fails with 503 like any failed refresh,
   * and the new refresh token is kept by this process (`replacedRefreshTokens`) and, by a distributed
   * coordinator, in the store (as for a late answer: `RefreshPendingError.late`).
   */
  private keepRotated(session: WristbandSession, rotated: string, err: unknown): WristbandSession {
    const why = err instanceof Error ? err.message : String(err);
    this.logger.error(
      `Token refresh answer refused (${why}); keeping the refresh token it carried, the session goes on`,
    );
    const kept: WristbandSession = { ...session, refreshToken: rotated };
    if (session.refreshToken) this.replacedRefreshTokens.set(session.refreshToken, rotated);
    this.failedRecently.set(session.id, true);
    if (isUsable(session, Date.now())) {
      this.keptOnly.add(kept);
      return kept;
    }
    throw failedBecause(
      'rejected',
      new RefreshPendingError(`Token refresh answer refused: ${why}`, Promise.resolve(kept)),
    );
  }

  /**
   * A refresh answer that comes after every request waiting for it went on: kept (here, and in the
   * store by the coordinator), so the refresh token it rotated is not lost.
   */
  private async keepLateAnswer(
    session: WristbandSession,
    answer: Promise<TokenResponse>,
  ): Promise<WristbandSession | undefined> {
    try {
      const fresh = await this.withTokens(session, await answer);
      this.remember(fresh);
      return fresh;
    } catch (err) {
      const rotated = rotatedRefreshToken(err);
      if (rotated !== undefined) {
        // Refused, but it carried a (maybe rotated) refresh token: kept, the old one may be spent.
        this.logger.error(
          `Late token refresh answer refused (${err instanceof Error ? err.message : String(err)}); keeping the refresh token it carried`,
        );
        if (session.refreshToken) this.replacedRefreshTokens.set(session.refreshToken, rotated);
        return { ...session, refreshToken: rotated };
      }
      if (!(err instanceof WristbandUnavailableError)) {
        this.logger.warn(
          `Late token refresh answer not kept: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      return undefined;
    }
  }

  /** The session with a refresh answer's tokens, once its ID token (if any) names the session's user and tenant. */
  private async withTokens(
    session: WristbandSession,
    tokens: TokenResponse,
  ): Promise<WristbandSession> {
    const now = Date.now();
    const refreshed: WristbandSession = {
      ...session,
      accessToken: tokens.access_token,
      accessTokenIssuedAt: now,
      accessTokenExpiresAt: now + tokens.expires_in * 1000,
      // Wristband may not rotate: keep the old refresh token when none comes back.
      refreshToken: tokens.refresh_token ?? session.refreshToken,
    };
    if (tokens.id_token) await this.checkRefreshedIdToken(session, tokens.id_token);
    return refreshed;
  }

  private async checkRefreshedIdToken(session: WristbandSession, idToken: string): Promise<void> {
    let claims: { sub?: unknown; tnt_id?: unknown };
    try {
      claims = await this.idTokens.verify(idToken);
    } catch (err) {
      if (!isUnverifiableNow(err)) {
        this.logger.error(
          `Refreshed ID token rejected (${err instanceof Error ? err.message : 'invalid'}); ending the session`,
        );
        throw new AuthenticationRequiredError('session_expired', 'Refreshed ID token is not valid');
      }
      // The signing keys are out of reach, but the answer came from Wristband's token endpoint itself
      // (TLS, our client credentials, this session's refresh token), which OpenID Connect Core §3.1.3.7
      // accepts in place of the signature. Dropping it would lose the refresh token Wristband has just
      // rotated and log the user out; so keep it, once it names the same user and tenant.
      this.logger.warn(
        'Refreshed ID token not verifiable now (signing keys unreachable); keeping the tokens Wristband issued',
      );
      try {
        claims = decodeJwt(idToken);
      } catch {
        throw new AuthenticationRequiredError('session_expired', 'Refreshed ID token is not a JWT');
      }
    }
    if (
      claims.sub !== session.userId ||
      (claims.tnt_id !== undefined && claims.tnt_id !== session.tenantId)
    ) {
      this.logger.error('Refreshed ID token names another user or tenant; ending the session');
      throw new AuthenticationRequiredError(
        'session_expired',
        'Refreshed ID token does not match the session',
      );
    }
  }
}

/** Why a refresh failed, for errors whose class alone does not say (see `failedBecause`). */
const failureReasons = new WeakMap<object, RefreshFailureReason>();

function failedBecause<E extends Error>(reason: RefreshFailureReason, error: E): E {
  failureReasons.set(error, reason);
  return error;
}

function refreshFailureReason(err: unknown): RefreshFailureReason {
  const known = typeof err === 'object' && err !== null ? failureReasons.get(err) : undefined;
  if (known) return known;
  if (err instanceof RefreshPendingError) return 'no_answer';
  // The ID-token checks end the session with AuthenticationRequiredError; Wristband's own refusals are marked above.
  if (err instanceof AuthenticationRequiredError) return 'id_token_invalid';
  return 'unavailable';
}

/** Whether the session's access token itself is still valid (buffer aside). */
function isUsable(session: WristbandSession, now: number): boolean {
  return now < session.accessTokenExpiresAt;
}
