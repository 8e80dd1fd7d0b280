import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AuthenticationRequiredError,
  WristbandUnavailableError,
} from '../errors/wristband.errors.js';
import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import { redisUnavailable, type RedisSessionStore } from '../session/redis-session.store.js';
import type { RefreshCoordinator } from './refresh-coordinator.interface.js';
import { RefreshPendingError } from './refresh-pending.error.js';
import { tokensOf } from './session-tokens.js';

export interface RedisRefreshCoordinatorOptions {
  /**
   * Lifetime of the per-session lock, in milliseconds: how long a dead holder blocks the session.
   * A live holder renews it every third of this time. Default 5000.
   */
  lockTtlMs?: number;
  /** Pause between two looks at Redis while another instance refreshes, in milliseconds. Default 50. */
  pollIntervalMs?: number;
  /** Longest a request waits for another instance's refresh before giving up (503), in milliseconds. Default 20000. */
  maxWaitMs?: number;
}

// Compare-and-delete / compare-and-extend: only the holder (who knows the token) may release or renew.
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/**
 * One refresh per session across every instance. The instance that takes the session's lock in Redis
 * re-reads the session (another instance may have refreshed it already), refreshes, stores the result,
 * then releases; the others poll Redis until the refreshed session appears and continue with it, or go
 * on at once when their access token still works. If the holder dies, its lock expires within
 * `lockTtlMs` and the next waiter takes over.
 */
export class RedisRefreshCoordinator implements RefreshCoordinator {
  private readonly lockTtlMs: number;
  private readonly pollIntervalMs: number;
  private readonly maxWaitMs: number;

  constructor(
    private readonly store: RedisSessionStore,
    options: RedisRefreshCoordinatorOptions = {},
  ) {
    this.lockTtlMs = options.lockTtlMs ?? 5000;
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    this.maxWaitMs = options.maxWaitMs ?? 20_000;
  }

  async coordinate(
    session: WristbandSession,
    refresh: (latest: WristbandSession) => Promise<WristbandSession>,
    isFresh: (candidate: WristbandSession) => boolean,
    isUsable?: (candidate: WristbandSession) => boolean,
  ): Promise<WristbandSession> {
    const lockKey = this.store.key('refresh-lock', session.id);
    const deadline = Date.now() + this.maxWaitMs;
    for (;;) {
      const token = randomBytes(16).toString('base64url');
      if (await this.acquire(lockKey, token)) {
        return this.refreshHolding(session.id, lockKey, token, refresh, isFresh);
      }
      const latest = await this.latest(session.id);
      if (isFresh(latest) || isUsable?.(latest)) return latest;
      if (Date.now() >= deadline) {
        throw new WristbandUnavailableError(
          'Timed out waiting for another instance to refresh the session',
        );
      }
      await sleep(this.pollIntervalMs);
    }
  }

  /** Refreshes under the lock, then releases it (while a refresh answer may still come, once it has). */
  private async refreshHolding(
    id: string,
    lockKey: string,
    token: string,
    refresh: (latest: WristbandSession) => Promise<WristbandSession>,
    isFresh: (candidate: WristbandSession) => boolean,
  ): Promise<WristbandSession> {
    const renewal = setInterval(
      () => void this.renew(lockKey, token),
      Math.max(100, Math.floor(this.lockTtlMs / 3)),
    );
    renewal.unref();
    let late: Promise<unknown> | undefined;
    try {
      const latest = await this.latest(id);
      if (isFresh(latest)) return latest;
      const refreshed = await refresh(latest);
      // Stored before the lock is released, so waiters on every instance find it.
      if ((await this.store.save(refreshed)) === 'ended') throw sessionEnded();
      return refreshed;
    } catch (err) {
      // Wristband may still answer, having rotated the refresh token: no instance may refresh with the
      // old one before then, and the answer is stored when it comes.
      if (err instanceof RefreshPendingError) {
        late = err.late.then((fresh) => fresh && this.keep(fresh)).catch(() => undefined);
      }
      throw err;
    } finally {
      const stop = async () => {
        clearInterval(renewal);
        await this.release(lockKey, token);
      };
      if (late) void late.finally(stop);
      else await stop();
    }
  }

  /** Stores tokens that arrived after their refresh gave up; the store keeps whichever are newer. */
  private async keep(refreshed: WristbandSession): Promise<void> {
    const latest = await this.store.readById(refreshed.id);
    if (latest) await this.store.save({ ...latest, ...tokensOf(refreshed) });
  }

  private async latest(id: string): Promise<WristbandSession> {
    const latest = await this.store.readById(id);
    if (!latest) throw sessionEnded();
    return latest;
  }

  private async acquire(lockKey: string, token: string): Promise<boolean> {
    try {
      return (await this.store.redis.set(lockKey, token, 'PX', this.lockTtlMs, 'NX')) === 'OK';
    } catch (err) {
      throw redisUnavailable(err);
    }
  }

  private async renew(lockKey: string, token: string): Promise<void> {
    // A failed renewal is harmless: at worst the lock expires and one more refresh happens.
    await this.store.redis.eval(RENEW, 1, lockKey, token, this.lockTtlMs).catch(() => undefined);
  }

  private async release(lockKey: string, token: string): Promise<void> {
    // Not fatal either: an unreleased lock expires by itself.
    await this.store.redis.eval(RELEASE, 1, lockKey, token).catch(() => undefined);
  }
}

function sessionEnded(): AuthenticationRequiredError {
  return new AuthenticationRequiredError('session_invalid', 'The session ended; log in again');
}
