import { Inject, Injectable } from '@nestjs/common';
import { SESSION_STORE, type SessionStore } from './session-store.interface.js';

/** A store that keeps sessions server-side and can end them by id (Redis). */
interface ServerSideSessionStore extends SessionStore {
  destroyById(id: string): Promise<boolean>;
  destroyAllForUser(tenantId: string, userId: string): Promise<number>;
}

/**
 * Called on a store that cannot end sessions from the server: with cookie sessions the session lives
 * only in the browser, so nothing server-side can end it. A programmer error (configure `redisUrl`).
 */
export class SessionRevocationUnsupportedError extends Error {
  override readonly name = 'SessionRevocationUnsupportedError';

  constructor() {
    super(
      'Ending sessions from the server needs server-side sessions: configure redisUrl (REDIS_URL). ' +
        'Cookie sessions live only in the browser and end when they expire or the user logs out.',
    );
  }
}

/**
 * Ends sessions from the server, effective on every instance at once: "log out everywhere" or one
 * session by id (`WristbandSession.id`). Needs the Redis store; throws
 * `SessionRevocationUnsupportedError` with cookie sessions, and `SessionStoreUnavailableError` when
 * Redis fails.
 */
@Injectable()
export class SessionRevocationService {
  constructor(@Inject(SESSION_STORE) private readonly store: SessionStore) {}

  /** Whether the configured store can end sessions from the server. */
  get supported(): boolean {
    return isServerSide(this.store);
  }

  /** Ends every session of the user in the tenant; returns how many were live. */
  endAllSessionsOfUser(tenantId: string, userId: string): Promise<number> {
    return this.serverSideStore().destroyAllForUser(tenantId, userId);
  }

  /** Ends one session; returns whether it was live. */
  endSession(id: string): Promise<boolean> {
    return this.serverSideStore().destroyById(id);
  }

  private serverSideStore(): ServerSideSessionStore {
    if (!isServerSide(this.store)) throw new SessionRevocationUnsupportedError();
    return this.store;
  }
}

function isServerSide(store: SessionStore): store is ServerSideSessionStore {
  const s = store as Partial<ServerSideSessionStore>;
  return !store.cookieCarriesData && typeof s.destroyById === 'function' && typeof s.destroyAllForUser === 'function';
}
