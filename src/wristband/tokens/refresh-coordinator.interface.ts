import type { WristbandSession } from '../interfaces/wristband-session.interface.js';

/**
 * Decides who refreshes a session's tokens. The in-process default lets `refresh` run directly (the
 * token service already keeps one refresh in flight per session in this process); a distributed
 * coordinator (Redis) makes that one refresh per session across every instance.
 */
export interface RefreshCoordinator {
  /**
   * Runs `refresh` for the session unless someone else does; returns the session with fresh tokens.
   * `isFresh` tells whether a session read from shared storage already has tokens good enough.
   */
  coordinate(
    session: WristbandSession,
    refresh: (latest: WristbandSession) => Promise<WristbandSession>,
    isFresh: (candidate: WristbandSession) => boolean,
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
