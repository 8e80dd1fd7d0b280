import { Inject, Injectable, Optional } from '@nestjs/common';
import { AuthEventRecorder, type EventRequest } from '../events/auth-event.recorder.js';
import { SESSION_STORE, type SessionStore } from './session-store.interface.js';

/** A store that keeps sessions server-side and can end them by id (Redis, or an app's store that offers it). */
type ServerSideSessionStore = SessionStore &
  Required<Pick<SessionStore, 'destroyById' | 'destroyAllForUser'>>;

/**
 * Called on a store that cannot end sessions from the server: with cookie sessions the session lives
 * only in the browser, so nothing server-side can end it. A programmer error (configure `redisUrl`, or
 * give your own `sessionStore` `destroyById` and `destroyAllForUser`).
 */
export class SessionRevocationUnsupportedError extends Error {
  override readonly name = 'SessionRevocationUnsupportedError';

  constructor() {
    super(
      'Ending sessions from the server needs server-side sessions: configure redisUrl (REDIS_URL), or a sessionStore ' +
        'with destroyById() and destroyAllForUser(). ' +
        'Cookie sessions live only in the browser and end when they expire or the user logs out.',
    );
  }
}

/**
 * Ends sessions from the server, effective on every instance at once: "log out everywhere" or one
 * session by id (`WristbandSession.id`). Needs the Redis store (or an app store with `destroyById` and
 * `destroyAllForUser`); throws `SessionRevocationUnsupportedError` with cookie sessions, and
 * `SessionStoreUnavailableError` when the store fails.
 */
@Injectable()
export class SessionRevocationService {
  constructor(
    @Inject(SESSION_STORE) private readonly store: SessionStore,
    @Optional() private readonly recorder?: AuthEventRecorder,
  ) {}

  /** Whether the configured store can end sessions from the server. */
  get supported(): boolean {
    return isServerSide(this.store);
  }

  /**
   * Ends every session of the user in the tenant; returns how many were live. `req`, the request asking
   * for it, names that request (id, IP, user agent) in the `session_revoked` audit event.
   */
  endAllSessionsOfUser(tenantId: string, userId: string, req?: EventRequest): Promise<number> {
    // Not async: with cookie sessions the unsupported error is thrown at once, a programmer error.
    return this.serverSideStore()
      .destroyAllForUser(tenantId, userId)
      .then((count) => {
        this.recorder?.sessionsRevoked(req, { tenantId, userId }, 'all_sessions_of_user', count);
        return count;
      });
  }

  /** Ends one session; returns whether it was live. `req` as for `endAllSessionsOfUser`. */
  endSession(id: string, req?: EventRequest): Promise<boolean> {
    return this.serverSideStore()
      .destroyById(id)
      .then((ended) => {
        this.recorder?.sessionsRevoked(req, {}, 'session', ended ? 1 : 0);
        return ended;
      });
  }

  private serverSideStore(): ServerSideSessionStore {
    if (!isServerSide(this.store)) throw new SessionRevocationUnsupportedError();
    return this.store;
  }
}

function isServerSide(store: SessionStore): store is ServerSideSessionStore {
  return typeof store.destroyById === 'function' && typeof store.destroyAllForUser === 'function';
}
