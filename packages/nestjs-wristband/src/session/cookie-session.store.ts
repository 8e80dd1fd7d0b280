import { LRUCache } from 'lru-cache';
import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import type { CookieSealer } from './cookie-sealer.js';
import type { SessionStore } from './session-store.interface.js';
import { decodeSessionCookie, encodeSessionCookie } from './session-cookie.codec.js';
import { readOnly } from '../wristband-user.factory.js';
import {
  detachedString,
  heapBytes,
  LRU_ENTRY_BYTES,
  shareStrings,
  stringBytes,
} from '../cache-entry-size.js';

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
   * only when the whole value matches. Bounded in entries and in bytes (`cache-entry-size.ts`).
   */
  private readonly opened: LRUCache<string, OpenedCookie>;

  constructor(
    private readonly sealer: CookieSealer,
    /** Opened cookies kept (option `session.cacheMaxEntries`). */
    cacheMaxEntries = 10_000,
    /** Estimated heap bytes they may take (option `session.cacheMaxBytes`). */
    cacheMaxBytes = 48 * 1024 * 1024,
  ) {
    this.opened = new LRUCache({
      max: cacheMaxEntries,
      maxSize: cacheMaxBytes,
      sizeCalculation: openedCookieBytes,
    });
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
    // Detached: cut from the Cookie header, the value would keep the whole header alive.
    const value = detachedString(cookieValue);
    this.opened.set(value.slice(0, CACHE_KEY_LENGTH), {
      value,
      session: readOnly(shareStrings(session)),
    });
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

interface OpenedCookie {
  value: string;
  session: WristbandSession;
}

/** Upper estimate of an entry's heap bytes: the sealed value, the opened session, the cache's own slots. */
export function openedCookieBytes(entry: OpenedCookie): number {
  return LRU_ENTRY_BYTES + stringBytes(entry.value) + heapBytes(entry.session);
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
