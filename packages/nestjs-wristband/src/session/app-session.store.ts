import { Logger } from '@nestjs/common';
import { SessionStoreUnavailableError, WristbandError } from '../errors/wristband.errors.js';
import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import type { RefreshCoordinator } from '../tokens/refresh-coordinator.interface.js';
import { isSessionShape } from './cookie-session.store.js';
import type { SessionStore } from './session-store.interface.js';

/** RFC 6265 `cookie-octet`s: what a cookie value may hold without quoting. */
const COOKIE_VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+$/;

/**
 * The app's own `SessionStore` (option `sessionStore`) as the module uses it. Only its `SessionStore`
 * methods are reachable from here, so Nest runs none of its lifecycle hooks through this module (they
 * belong to whoever provides it); whatever else it throws surfaces as `SessionStoreUnavailableError`
 * (503, never a 500), and what it reads back counts only when it has a session's shape.
 */
export class AppSessionStore implements SessionStore {
  readonly readSync?: (cookieValue: string) => WristbandSession | undefined;
  readonly destroyById?: (id: string) => Promise<boolean>;
  readonly destroyAllForUser?: (tenantId: string, userId: string) => Promise<number>;
  readonly refreshCoordinator?: RefreshCoordinator;
  private readonly logger = new Logger('Wristband');

  constructor(private readonly store: SessionStore) {
    this.refreshCoordinator = store.refreshCoordinator;
    const readSync = store.readSync?.bind(store);
    if (readSync) {
      // Any trouble here is left to `read`, which reports it.
      this.readSync = (cookieValue) => {
        try {
          const session = readSync(cookieValue);
          return isSessionShape(session) ? session : undefined;
        } catch {
          return undefined;
        }
      };
    }
    const destroyById = store.destroyById?.bind(store);
    if (destroyById) this.destroyById = (id) => this.call('destroyById', () => destroyById(id));
    const destroyAllForUser = store.destroyAllForUser?.bind(store);
    if (destroyAllForUser) {
      this.destroyAllForUser = (tenantId, userId) =>
        this.call('destroyAllForUser', () => destroyAllForUser(tenantId, userId));
    }
  }

  async read(cookieValue: string): Promise<WristbandSession | undefined> {
    const session = await this.call('read', () => this.store.read(cookieValue));
    return isSessionShape(session) ? session : undefined;
  }

  async write(session: WristbandSession, ttlSeconds: number): Promise<string> {
    const value = await this.call('write', () => this.store.write(session, ttlSeconds));
    if (typeof value !== 'string' || !COOKIE_VALUE.test(value)) {
      this.logger.error(
        'The app session store wrote a session but returned no usable cookie value (a non-empty string of cookie-safe characters)',
      );
      throw new SessionStoreUnavailableError(
        'Session store unavailable: it returned no usable cookie value',
      );
    }
    return value;
  }

  destroy(session: WristbandSession): Promise<void> {
    return this.call('destroy', () => this.store.destroy(session));
  }

  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof WristbandError) throw err;
      const name = err instanceof Error ? err.name : typeof err;
      // For operators only: the answer names no more than the error's class.
      this.logger.warn(
        `The app session store failed (${operation}): ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`,
      );
      throw new SessionStoreUnavailableError(`Session store unavailable (${name})`, { cause: err });
    }
  }
}
