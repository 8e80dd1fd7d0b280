import type { WristbandSession } from '../interfaces/wristband-session.interface.js';

/**
 * Where sessions live. The cookie always carries an opaque sealed value; the store decides whether
 * that value is the whole session (cookie store) or only its id (Redis store).
 * Implementations throw `SessionStoreUnavailableError` when their backend fails, never anything else.
 */
export interface SessionStore {
  /** The session the cookie value points at, or `undefined` when it is unknown, tampered or gone. */
  read(cookieValue: string): Promise<WristbandSession | undefined>;
  /** Same as `read` without I/O, for stores that hold everything in the cookie (the guard's fast path). */
  readSync?(cookieValue: string): WristbandSession | undefined;
  /** Persists the session for `ttlSeconds` and returns the cookie value to send. */
  write(session: WristbandSession, ttlSeconds: number): Promise<string>;
  /** Forgets the session (logout). */
  destroy(session: WristbandSession): Promise<void>;
  /** Ends every session of a user in a tenant ("log out everywhere"); returns how many ended. Not every store can. */
  destroyAllForUser?(tenantId: string, userId: string): Promise<number>;
  /** Whether the cookie value must be re-sent when the session content changes (true for the cookie store). */
  readonly cookieCarriesData: boolean;
}

/** Injection token of the `SessionStore`. */
export const SESSION_STORE = Symbol('WristbandSessionStore');
