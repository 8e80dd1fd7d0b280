import { Inject, Injectable } from '@nestjs/common';
import { RedisSessionStore } from '../session/redis-session.store.js';
import { SESSION_STORE, type SessionStore } from '../session/session-store.interface.js';
import { healthResult, type WristbandHealthResult } from './health-indicator-result.js';

/**
 * Whether the Redis that holds sessions answers a PING in time. `enabled` is false when sessions do not
 * live in Redis (cookie sessions, an app's own store): add the check only when it is true.
 *
 * ```ts
 * this.health.check(this.redis.enabled ? [() => this.redis.isHealthy('redis')] : [])
 * ```
 */
@Injectable()
export class WristbandRedisHealthIndicator {
  constructor(@Inject(SESSION_STORE) private readonly store: SessionStore) {}

  get enabled(): boolean {
    return this.store instanceof RedisSessionStore;
  }

  /** Up when Redis answers PING within `timeoutMs` (default 1000); up with a note when Redis is not used. */
  async isHealthy<Key extends string = 'redis'>(
    key: Key = 'redis' as Key,
    options: { timeoutMs?: number } = {},
  ): Promise<WristbandHealthResult<Key>> {
    if (!(this.store instanceof RedisSessionStore))
      return healthResult(key, 'up', 'Sessions do not live in Redis');
    const timeoutMs = options.timeoutMs ?? 1000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      // The store's ping: on a Redis Cluster it asks the master of every slot, not one random node.
      const answer = await Promise.race([this.store.ping(), timeout]);
      if (answer === 'timeout')
        return healthResult(key, 'down', `Redis did not answer PING within ${timeoutMs} ms`);
      return healthResult(key, 'up');
    } catch {
      // ioredis' message may name the host; the indicator says only what failed.
      return healthResult(key, 'down', 'Redis did not answer PING');
    } finally {
      clearTimeout(timer);
    }
  }
}
