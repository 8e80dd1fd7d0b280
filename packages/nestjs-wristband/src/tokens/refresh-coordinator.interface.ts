import type { WristbandSession } from '../interfaces/wristband-session.interface.js';

/**
 * Decides who refreshes a session's tokens. The in-process default lets `refresh` run directly (the
 * token service already keeps one refresh in flight per session in this process); a distributed
 * coordinator (Redis) makes that one refresh per session across every instance.
 */
export interface RefreshCoordinator {
  /**
   * Runs `refresh` for the session unless someone else does; returns the session with fresh tokens.
   * `isFresh` tells whether a session read from shared storage already has tokens good enough;
   * `isUsable` whether its tokens, though due for a refresh, still work: rather than wait for someone
   * else's refresh, a caller may go on with such a session (the result then fails `isFresh`).
   * `refresh` may reject with `RefreshPendingError`: its request may still be answered, and another
   * refresh with the same refresh token before then could be a reuse; a distributed coordinator keeps
   * others from refreshing until `late` settles, and stores the session it brings.
   */
  coordinate(
    session: WristbandSession,
    refresh: (latest: WristbandSession) => Promise<WristbandSession>,
    isFresh: (candidate: WristbandSession) => boolean,
    isUsable?: (candidate: WristbandSession) => boolean,
  ): Promise<WristbandSession>;
}

export const REFRESH_COORDINATOR = Symbol('WristbandRefreshCoordinator');

export class InProcessRefreshCoordinator implements RefreshCoordinator {
  coordinate(
    session: WristbandSession,
    refresh: (latest: WristbandSession) => Promise<WristbandSession>,
  ): Promise<WristbandSession> {
    return refresh(session);
  }
}
