import { LRUCache } from 'lru-cache';
import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import type { CookieSealer } from './cookie-sealer.js';
import type { SessionStore } from './session-store.interface.js';

/**
 * The zero-dependency default: the whole session sealed into the cookie. Works on any number of
 * instances with no server. Opened cookies are cached (bounded) because the same cookie arrives on
 * every request of a page; the cache holds only values that were authenticated when first opened.
 */
export class CookieSessionStore implements SessionStore {
  readonly cookieCarriesData = true;
  private readonly opened: LRUCache<string, WristbandSession>;

  constructor(
    private readonly sealer: CookieSealer,
    cacheMaxEntries = 5000,
  ) {
    this.opened = new LRUCache({ max: cacheMaxEntries });
  }

  read(cookieValue: string): Promise<WristbandSession | undefined> {
    let session = this.opened.get(cookieValue);
    if (!session) {
      session = this.sealer.unseal<WristbandSession>('session', cookieValue);
      if (!session || !isSessionShape(session)) return Promise.resolve(undefined);
      this.opened.set(cookieValue, session);
    }
    // A copy, so a request that changes its session cannot change what the cache returns to others.
    return Promise.resolve({ ...session });
  }

  write(session: WristbandSession): Promise<string> {
    return Promise.resolve(this.sealer.seal('session', session));
  }

  destroy(): Promise<void> {
    // Nothing server-side: clearing the cookie is the whole logout.
    return Promise.resolve();
  }
}

export function isSessionShape(s: unknown): s is WristbandSession {
  const x = s as Partial<WristbandSession> | null;
  return (
    typeof x === 'object' && x !== null &&
    typeof x.id === 'string' && typeof x.userId === 'string' && typeof x.tenantId === 'string' &&
    typeof x.accessToken === 'string' && typeof x.accessTokenExpiresAt === 'number' &&
    typeof x.createdAt === 'number' && typeof x.lastSeenAt === 'number' && Array.isArray(x.roles)
  );
}
