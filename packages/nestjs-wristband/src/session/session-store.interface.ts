import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import type { RefreshCoordinator } from '../tokens/refresh-coordinator.interface.js';

/**
 * Where sessions live. The module ships two: the sealed cookie (default: the whole session, encrypted,
 * in the cookie) and Redis (the cookie holds a sealed id). An app can bring its own, e.g. on the
 * database it already runs, with the `sessionStore` option.
 *
 * The module owns the cookie and the session's lifetimes; the store only keeps sessions and names them
 * with a cookie value:
 * - `write` stores a session and returns the value the browser gets as the session cookie;
 * - `read` gets the session back from that value on later requests;
 * - `destroy` forgets it at logout.
 *
 * Rules every store follows:
 * - **The cookie value is a credential.** Whoever holds it is logged in, so it must be unguessable
 *   (≥ 128 random bits) or sealed, and made of cookie-safe characters (letters, digits, `-`, `_`, `.`,
 *   `~`; base64url is fine). Do not use `session.id` itself: apps show and log session ids (e.g. to
 *   end one with `SessionRevocationService.endSession(id)`). The whole cookie, name included, must stay
 *   within 4096 bytes, or the login answers `500 session_too_large`.
 * - **Sessions are data, kept whole.** Store every field of `WristbandSession` and give it back as
 *   stored (JSON round-trips it: strings, numbers, arrays, plain objects). About 1-3 KB as JSON, more for
 *   users with many roles or large custom claims. It holds the user's tokens: keep it encrypted at rest
 *   or in a store only the app can read, and never log it.
 * - **Lifetimes.** `ttlSeconds` is how long the session may still live from now (the idle timeout, or
 *   less when the absolute timeout comes first). Drop the data after it; the module also checks both
 *   timeouts itself on every read, so a store that keeps data longer wastes space but lets no one in.
 * - **One session, many requests.** `write` is called at login (a new `session.id`), after a token
 *   refresh, and when a session has been idle for a tenth of the idle timeout; requests of the same
 *   session may write at the same time. Tokens must never go backwards: when the stored session has a
 *   later `accessTokenExpiresAt` than the one written, keep the stored tokens (`accessToken`,
 *   `accessTokenExpiresAt`, `accessTokenIssuedAt`, `refreshToken`). A write after `destroy` of the same
 *   id must not bring the session back (a request that read it before logout may still write).
 * - **Failures.** When the backend fails, throw (or reject with) `SessionStoreUnavailableError`: the
 *   request answers `503 session_store_unavailable` and nothing is logged in or out. Anything else your
 *   store throws is turned into that error. An unknown, tampered, ended or expired value is no failure:
 *   `read` resolves `undefined` (the request answers 401).
 *
 * Token refresh: the module refreshes each session once at a time within a process. Across several
 * instances that share your store, two instances may refresh the same session at once; with
 * refresh-token rotation one of them then presents a spent refresh token and the user must log in again.
 * Offer a `refreshCoordinator` (e.g. a row lock) to make it one refresh across all instances, or run
 * one instance, or use the Redis store, which has one.
 */
export interface SessionStore {
  /**
   * The session the cookie value names, or `undefined` when it is unknown, tampered, ended or expired.
   * Called for requests that carry a session cookie and were not answered by `readSync`.
   */
  read(cookieValue: string): Promise<WristbandSession | undefined>;
  /**
   * Optional fast path, without I/O: the session when the store can answer from memory (a cache),
   * `undefined` otherwise (the module then calls `read`). The module never mutates what it returns.
   */
  readSync?(cookieValue: string): WristbandSession | undefined;
  /** Stores the session for `ttlSeconds` (an integer ≥ 1) and resolves the cookie value to send. */
  write(session: WristbandSession, ttlSeconds: number): Promise<string>;
  /** Forgets the session (logout, or a refresh token Wristband rejected). Forgetting an unknown one is no error. */
  destroy(session: WristbandSession): Promise<void>;
  /**
   * Optional: ends one session by id; resolves whether it existed. With `destroyAllForUser`, enables
   * `SessionRevocationService` (ending sessions from the server, e.g. "log out everywhere").
   */
  destroyById?(id: string): Promise<boolean>;
  /** Optional: ends every session of a user in a tenant; resolves how many there were. See `destroyById`. */
  destroyAllForUser?(tenantId: string, userId: string): Promise<number>;
  /**
   * Optional: makes a session's token refresh happen once across every instance sharing this store
   * (see `RefreshCoordinator`). Without it, refreshes are coordinated within each process only.
   */
  readonly refreshCoordinator?: RefreshCoordinator;
}

/** Injection token of the module's `SessionStore` (the app's own one is wrapped: inject your own class for that). */
export const SESSION_STORE = Symbol('WristbandSessionStore');
