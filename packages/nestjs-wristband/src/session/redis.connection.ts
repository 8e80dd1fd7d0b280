import { Logger } from '@nestjs/common';
import type { Redis, RedisOptions } from 'ioredis';
import { WristbandConfigurationError } from '../errors/wristband-configuration.error.js';

/** ioredis' client class; loaded only when Redis is configured (ioredis is an optional peer dependency). */
export type RedisClientClass = new (url: string, options: RedisOptions) => Redis;

/** ioredis, or a startup error naming the package when the app has not installed it. */
export async function loadRedisClientClass(
  load: () => Promise<{ Redis: RedisClientClass }> = () => import('ioredis'),
): Promise<RedisClientClass> {
  try {
    return (await load()).Redis;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err;
    throw new WristbandConfigurationError([
      'A Redis URL (redisUrl, redis.url or REDIS_URL) is set but the optional peer dependency "ioredis" is not installed: run `npm install ioredis`',
    ]);
  }
}

export interface RedisConnectionOptions {
  /** Longest wait for any one Redis command, in milliseconds. Default 1000. */
  commandTimeoutMs?: number;
  /** Longest wait for a TCP connection (and its ready check), in milliseconds. Default 2000. */
  connectTimeoutMs?: number;
  /** Longest pause between reconnection attempts while Redis is down, in milliseconds. Default 1000. */
  maxReconnectDelayMs?: number;
}

/** The URL with its password (and user name) masked: the only form of it that may be logged. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.username) u.username = '***';
    return u.toString();
  } catch {
    return '(unparseable Redis URL)';
  }
}

/**
 * One ioredis client, tuned to fail fast: no offline queue (a command while Redis is down is rejected
 * at once instead of piling up), a bound on every command, no replay of unanswered commands after a
 * reconnect (a late write must not land after we answered 503), and endless reconnection with a short
 * back-off so service comes back by itself when Redis does.
 */
export class RedisConnection {
  readonly client: Redis;
  private readonly logger = new Logger('Wristband');
  private readonly secrets: string[];
  private down = false;
  private closed = false;

  constructor(url: string, RedisClient: RedisClientClass, options: RedisConnectionOptions = {}) {
    const maxDelay = options.maxReconnectDelayMs ?? 1000;
    this.secrets = urlSecrets(url);
    this.client = new RedisClient(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      commandTimeout: options.commandTimeoutMs ?? 1000,
      connectTimeout: options.connectTimeoutMs ?? 2000,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), maxDelay),
      // Untyped ioredis option: how long a closing socket may linger (default 2 s, which holds test runners open).
      ...{ disconnectTimeout: 200 },
    });
    // Without a listener, ioredis would print each connection error with its own formatting.
    this.client.on('error', (err: Error) => {
      if (this.down || this.closed) return; // one line per outage, not one per reconnection attempt
      this.down = true;
      this.logger.warn(`Redis unavailable (${redactRedisUrl(url)}): ${this.redact(err.message)}`);
    });
    this.client.on('ready', () => {
      if (!this.down) return;
      this.down = false;
      this.logger.log(`Redis available again (${redactRedisUrl(url)})`);
    });
  }

  /** Connects once at startup. Redis down at startup is not fatal: requests answer 503 until it is up. */
  async connect(): Promise<void> {
    if (this.client.status !== 'wait') return;
    await this.client.connect().catch(() => undefined); // reported by the 'error' listener; reconnection continues
  }

  /** Closes the connection and stops reconnecting; resolves once the socket is gone (so test runners can exit). */
  async close(): Promise<void> {
    this.closed = true;
    const status = this.client.status;
    if (status === 'end') return;
    // Only a live socket emits 'end'; between reconnection attempts there is none to wait for.
    const live = status === 'connecting' || status === 'connect' || status === 'ready';
    const ended = new Promise<void>((resolve) => {
      this.client.once('end', () => resolve());
      setTimeout(resolve, 2000).unref();
    });
    if (status === 'ready') {
      await this.client.quit().catch(() => this.client.disconnect());
    } else {
      this.client.disconnect();
    }
    if (live) await ended;
  }

  private redact(message: string): string {
    return this.secrets.reduce((m, s) => m.split(s).join('***'), message);
  }
}

function urlSecrets(url: string): string[] {
  try {
    const u = new URL(url);
    return [u.password, decodeURIComponent(u.password)].filter((s) => s.length >= 3);
  } catch {
    return [];
  }
}
