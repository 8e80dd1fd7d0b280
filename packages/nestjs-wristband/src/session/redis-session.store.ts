import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { SessionStoreUnavailableError } from '../errors/wristband.errors.js';
import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import type { CookieSealer } from './cookie-sealer.js';
import { isSessionShape } from './cookie-session.store.js';
import type { RedisClient, RedisConnection } from './redis.connection.js';
import type { SessionStore } from './session-store.interface.js';

export interface RedisSessionStoreOptions {
  /** Prefix of every key this store (and the refresh coordinator) writes. Default `wristband:`. */
  keyPrefix?: string;
  /**
   * How long an ended session's id stays blocked, in seconds, at least: a request that loaded the
   * session before it ended cannot write it back. Default 600.
   */
  endedMarkerSeconds?: number;
}

/*
 * Keys (P = keyPrefix, which holds no "{" or "}"):
 *   P session:<id>                        hash { data: sealed session, exp: access-token expiry (ms), user: index key }
 *                                         TTL = the session's remaining lifetime, reset at each write
 *   P session-ended:{P session:<id>}      marker of a session ended by logout or revocation
 *   P user-sessions:<tenant>:<user>       set of session ids ("log out everywhere"); TTL ≥ its longest session
 *   P refresh-lock:<id>                   the refresh coordinator's lock
 * The same on one Redis and on a Redis Cluster. A script touches only keys of one hash slot: the marker's
 * hash tag ({…}) is the session key itself, so both share its slot. The per-user index lives in its own
 * slot and is changed by separate commands, ordered so that it always lists every live session.
 *
 * `data` holds the tokens, so it is sealed (AES-256-GCM, purpose 'redis-session') with the session secrets,
 * as the cookies are: whoever reads Redis (a backup, a replica, MONITOR) gets no token. The first secret
 * seals, every secret opens, so secrets rotate as for cookies. The sealed JSON carries the session's id,
 * checked against the key's: a value copied under another session's key does not open as that session.
 * `exp` and `user` stay plain, for the scripts. Every read and write of `data` goes through
 * `sealData` / `openData` below (the refresh coordinator reads sessions through `readById`).
 */

// KEYS: session, ended marker. ARGV: id, data, exp, ttl ms (0 = keep the current TTL), user index key.
// Replies {'ok'}, {'ended'} or {'newer', stored data (sealed)} when Redis holds tokens newer than these.
const WRITE = `
if redis.call('EXISTS', KEYS[2]) == 1 then return {'ended'} end
local ttl = tonumber(ARGV[4])
if ttl == 0 then
  ttl = redis.call('PTTL', KEYS[1])
  if ttl <= 0 then return {'ended'} end
end
local storedExp = tonumber(redis.call('HGET', KEYS[1], 'exp'))
if storedExp and storedExp > tonumber(ARGV[3]) then
  return {'newer', redis.call('HGET', KEYS[1], 'data')}
end
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'exp', ARGV[3], 'user', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ttl)
return {'ok'}
`;

// KEYS: user index. ARGV: id, ttl ms. The index lives at least as long as its longest session.
const INDEX = `
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`;

// Ends one session: marks it ended (so a late write cannot revive it) and deletes it.
// KEYS: session, ended marker. ARGV: min marker ms. Replies {1 if it existed else 0, its user index key or ''}.
const END = `
local ttl = redis.call('PTTL', KEYS[1])
local existed = 0
if ttl ~= -2 then existed = 1 end
local user = redis.call('HGET', KEYS[1], 'user') or ''
local minMarker = tonumber(ARGV[1])
if ttl < minMarker then ttl = minMarker end
redis.call('SET', KEYS[2], '1', 'PX', ttl)
redis.call('DEL', KEYS[1])
return {existed, user}
`;

/** What a write did. `newer`: Redis already held fresher tokens, which were merged into the session. */
export type RedisWriteOutcome = 'ok' | 'ended';

const MAX_WRITE_ATTEMPTS = 3;
const MAX_ID_LENGTH = 128;

/**
 * Sessions in Redis; the cookie carries only the sealed session id (the session's own random id,
 * new at every login). Every change is one Lua script, so Redis never holds half a session. Any Redis
 * failure surfaces as `SessionStoreUnavailableError` (503).
 *
 * Tokens never go backwards: a request that loaded the session before another one refreshed it gets
 * the newer tokens merged in when it writes, instead of overwriting them with the spent refresh token.
 *
 * The session data is sealed in Redis with the session secrets (see the key layout above).
 */
export class RedisSessionStore implements SessionStore, OnModuleInit, OnApplicationShutdown {
  readonly keyPrefix: string;
  private readonly endedMarkerMs: number;

  constructor(
    private readonly sealer: CookieSealer,
    private readonly connection: RedisConnection,
    options: RedisSessionStoreOptions = {},
  ) {
    this.keyPrefix = options.keyPrefix ?? 'wristband:';
    this.endedMarkerMs = (options.endedMarkerSeconds ?? 600) * 1000;
  }

  /** The client, for the refresh coordinator's lock. */
  get redis(): RedisClient {
    return this.connection.client;
  }

  /**
   * Resolves when Redis answers (on a cluster: the master of every slot), rejects with
   * `SessionStoreUnavailableError` otherwise, within the command timeout. For readiness probes.
   */
  async ping(): Promise<void> {
    await this.run(() => this.connection.ping());
  }

  async onModuleInit(): Promise<void> {
    await this.connection.connect();
  }

  // Not onModuleDestroy: Nest runs that before it closes the HTTP server, while requests are in flight.
  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }

  key(
    kind: 'session' | 'user-sessions' | 'session-ended' | 'refresh-lock',
    ...parts: string[]
  ): string {
    // The marker's hash tag is the session key, so a script can touch both on a Redis Cluster.
    if (kind === 'session-ended')
      return `${this.keyPrefix}${kind}:{${this.key('session', ...parts)}}`;
    return `${this.keyPrefix}${kind}:${parts.map((p) => encodeURIComponent(p)).join(':')}`;
  }

  async read(cookieValue: string): Promise<WristbandSession | undefined> {
    const id = this.sealer.unseal<unknown>('session-id', cookieValue);
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) return undefined;
    return this.readById(id);
  }

  /** The stored session with this id, or `undefined` when it ended, expired or never existed. */
  async readById(id: string): Promise<WristbandSession | undefined> {
    const data = await this.run(() => this.redis.hget(this.key('session', id), 'data'));
    return this.openData(data, id);
  }

  async write(session: WristbandSession, ttlSeconds: number): Promise<string> {
    await this.save(session, Math.max(1, Math.round(ttlSeconds)));
    return this.sealer.seal('session-id', session.id);
  }

  /**
   * Stores the session. `ttlSeconds` undefined keeps the current TTL (and writes nothing when the session
   * is gone). When Redis holds newer tokens, they are copied into `session` (mutated) and stored.
   */
  async save(session: WristbandSession, ttlSeconds?: number): Promise<RedisWriteOutcome> {
    const sessionKeys = [this.key('session', session.id), this.key('session-ended', session.id)];
    const index = this.key('user-sessions', session.tenantId, session.userId);
    const ttlMs = ttlSeconds === undefined ? 0 : ttlSeconds * 1000;
    // Indexed before it is stored (the index is in another slot on a cluster): "log out everywhere"
    // finds every live session. A write that keeps the TTL finds the session indexed already.
    if (ttlMs > 0) await this.run(() => this.redis.eval(INDEX, 1, index, session.id, ttlMs));
    for (let attempt = 1; ; attempt++) {
      const data = this.sealData(session);
      const reply = (await this.run(() =>
        this.redis.eval(
          WRITE,
          2,
          ...sessionKeys,
          session.id,
          data,
          session.accessTokenExpiresAt,
          ttlMs,
          index,
        ),
      )) as [string, string?];
      if (reply[0] !== 'newer') return reply[0] as RedisWriteOutcome;
      const stored = this.openData(reply[1] ?? null, session.id);
      if (!stored || attempt >= MAX_WRITE_ATTEMPTS) return 'ok'; // keep what Redis has: it is newer
      session.accessToken = stored.accessToken;
      session.accessTokenExpiresAt = stored.accessTokenExpiresAt;
      session.accessTokenIssuedAt = stored.accessTokenIssuedAt;
      session.refreshToken = stored.refreshToken;
    }
  }

  async destroy(session: WristbandSession): Promise<void> {
    await this.destroyById(session.id);
  }

  /** Ends one session by id, on every instance at once; `true` when it existed. */
  async destroyById(id: string): Promise<boolean> {
    const [existed, index] = await this.endOne(id);
    // A stale id left in the index is harmless: ending it again finds nothing.
    if (index) await this.redis.srem(index, id).catch(() => undefined);
    return existed;
  }

  async destroyAllForUser(tenantId: string, userId: string): Promise<number> {
    const index = this.key('user-sessions', tenantId, userId);
    const ids = await this.run(() => this.redis.smembers(index));
    // Each session in its own slot; removed from the index only once ended, so a failed run can be repeated.
    const ended = await Promise.all(ids.map((id) => this.endOne(id)));
    if (ids.length) await this.redis.srem(index, ...ids).catch(() => undefined);
    return ended.filter(([existed]) => existed).length;
  }

  /** Marks the session ended and deletes it; whether it existed, and its user index key. */
  private async endOne(id: string): Promise<[existed: boolean, index: string]> {
    const keys = [this.key('session', id), this.key('session-ended', id)];
    const [existed, index] = (await this.run(() =>
      this.redis.eval(END, 2, ...keys, this.endedMarkerMs),
    )) as [number, string];
    return [existed === 1, index];
  }

  /** The `data` field for this session: its JSON, sealed. */
  private sealData(session: WristbandSession): string {
    return this.sealer.seal('redis-session', session);
  }

  /**
   * The session a `data` field holds, if it is this id's; `undefined` (no session, never an error) when
   * it is missing, corrupt, sealed by a secret no longer configured, or another session's.
   *
   * Compatibility: versions before sealing stored the session JSON in plain text. Such a value (it starts
   * with `{`, which a sealed value, base64url, never does) is still read, so an upgrade logs nobody out;
   * the session's next write (a refresh, or the touch every tenth of the idle timeout) stores it sealed,
   * and a plain session never written again expires with its TTL. This branch can go once no supported
   * upgrade path starts from a version that wrote plain JSON. The other way does not work: an instance
   * still on such a version reads a sealed value as no session (401), so while old and new instances
   * run side by side, a session an upgraded instance wrote ends if a request then reaches an old one.
   */
  private openData(data: string | null, id: string): WristbandSession | undefined {
    if (data === null) return undefined;
    let session: unknown;
    if (data.startsWith('{')) {
      try {
        session = JSON.parse(data);
      } catch {
        return undefined;
      }
    } else {
      session = this.sealer.unseal<unknown>('redis-session', data);
    }
    return isSessionShape(session) && session.id === id ? session : undefined;
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      throw redisUnavailable(err);
    }
  }
}

/**
 * A failed Redis command as the module reports it: clients learn only that the store is unavailable;
 * ioredis's reason ("Command timed out", "Connection is closed."; never the URL) goes to the log.
 */
export function redisUnavailable(err: unknown): SessionStoreUnavailableError {
  return new SessionStoreUnavailableError('Session store (Redis) unavailable', {
    cause: err,
    detail: err instanceof Error ? err.message : String(err),
  });
}
