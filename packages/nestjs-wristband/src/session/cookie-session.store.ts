import { LRUCache } from 'lru-cache';
import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import type { CookieSealer } from './cookie-sealer.js';
import type { SessionStore } from './session-store.interface.js';
import { decodeSessionCookie, encodeSessionCookie } from './session-cookie.codec.js';
import { readOnly } from '../wristband-user.factory.js';

const CACHE_KEY_LENGTH = 44;

/**
 * The zero-dependency default: the whole session sealed into the cookie, compactly encoded (see
 * session-cookie.codec.ts). Works on any number of instances with no server. Opened cookies are
 * cached (bounded) because the same cookie arrives on every request of a page; the cache holds only
 * values that were authenticated when first opened.
 */
export class CookieSessionStore implements SessionStore {
  /**
   * Keyed by the sealed value's first 44 characters (version, key id, random IV, tag: unique per seal)
   * because hashing a 3 KB cookie on every lookup costs more than the rest of the guard; a hit counts
   * only when the whole value matches.
   */
  private readonly opened: LRUCache<string, { value: string; session: WristbandSession }>;

  constructor(
    private readonly sealer: CookieSealer,
    /** Opened cookies kept (option `session.cacheMaxEntries`). */
    cacheMaxEntries = 5000,
  ) {
    this.opened = new LRUCache({ max: cacheMaxEntries });
  }

  read(cookieValue: string): Promise<WristbandSession | undefined> {
    return Promise.resolve(this.readSync(cookieValue));
  }

  /** Synchronous read (the guard's fast path). Callers must not mutate the returned session. */
  readSync(cookieValue: string): WristbandSession | undefined {
    const key = cookieValue.slice(0, CACHE_KEY_LENGTH);
    const hit = this.opened.get(key);
    if (hit && hit.value === cookieValue) return hit.session;
    const plain = this.sealer.unsealBytes('session', cookieValue);
    const session = plain && decodeSessionCookie(plain);
    if (!session || !isSessionShape(session)) return undefined;
    this.opened.set(key, { value: cookieValue, session: readOnly(session) });
    return session;
  }

  write(session: WristbandSession): Promise<string> {
    return Promise.resolve(this.sealer.sealBytes('session', encodeSessionCookie(session)));
  }

  destroy(): Promise<void> {
    // Nothing server-side: clearing the cookie is the whole logout.
    return Promise.resolve();
  }
}

export function isSessionShape(s: unknown): s is WristbandSession {
  const x = s as Partial<WristbandSession> | null;
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof x.id === 'string' &&
    typeof x.userId === 'string' &&
    typeof x.tenantId === 'string' &&
    typeof x.accessToken === 'string' &&
    typeof x.accessTokenExpiresAt === 'number' &&
    (x.accessTokenIssuedAt === undefined || typeof x.accessTokenIssuedAt === 'number') &&
    typeof x.createdAt === 'number' &&
    typeof x.lastSeenAt === 'number' &&
    Array.isArray(x.roles)
  );
}
