import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { SessionStoreUnavailableError } from '../errors/wristband.errors.js';
import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import type { CookieSealer } from './cookie-sealer.js';
import { isSessionShape } from './cookie-session.store.js';
import type { RedisConnection } from './redis.connection.js';
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
 * Keys (P = keyPrefix):
 *   P session:{id}                    hash { data: session JSON, exp: access-token expiry (ms), user: index key }
 *                                     TTL = the session's remaining lifetime, reset at each write
 *   P user-sessions:{tenant}:{user}   set of session ids ("log out everywhere"); TTL ≥ its longest session
 *   P session-ended:{id}              marker of a session ended by logout or revocation
 * Scripts touch several keys at once, so they need a single Redis (not Redis Cluster).
 */

// Ends one session: marks it ended (so a late write cannot revive it), deletes it, unindexes it.
const END_ONE = `
local function endOne(prefix, id, minMarkerMs)
  local key = prefix .. 'session:' .. id
  local ttl = redis.call('PTTL', key)
  local existed = ttl ~= -2
  local user = redis.call('HGET', key, 'user')
  if ttl < minMarkerMs then ttl = minMarkerMs end
  redis.call('SET', prefix .. 'session-ended:' .. id, '1', 'PX', ttl)
  redis.call('DEL', key)
  if user then redis.call('SREM', user, id) end
  if existed then return 1 end
  return 0
end
`;

// KEYS: session, user index, ended marker. ARGV: id, data, exp, ttl ms (0 = keep the current TTL).
// Replies {'ok'}, {'ended'} or {'newer', storedData} when Redis holds tokens newer than these.
const WRITE = `
if redis.call('EXISTS', KEYS[3]) == 1 then return {'ended'} end
local ttl = tonumber(ARGV[4])
if ttl == 0 then
  ttl = redis.call('PTTL', KEYS[1])
  if ttl <= 0 then return {'ended'} end
end
local storedExp = tonumber(redis.call('HGET', KEYS[1], 'exp'))
if storedExp and storedExp > tonumber(ARGV[3]) then
  return {'newer', redis.call('HGET', KEYS[1], 'data')}
end
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'exp', ARGV[3], 'user', KEYS[2])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('SADD', KEYS[2], ARGV[1])
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
return {'ok'}
`;

// ARGV: prefix, min marker ms, id.
const END_SESSION = `${END_ONE}
return endOne(ARGV[1], ARGV[3], tonumber(ARGV[2]))
`;

// KEYS: user index. ARGV: prefix, min marker ms.
const END_ALL_FOR_USER = `${END_ONE}
local n = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  n = n + endOne(ARGV[1], id, tonumber(ARGV[2]))
end
redis.call('DEL', KEYS[1])
return n
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
 */
export class RedisSessionStore implements SessionStore, OnModuleInit, OnModuleDestroy {
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
  get redis(): Redis {
    return this.connection.client;
  }

  async onModuleInit(): Promise<void> {
    await this.connection.connect();
  }

  async onModuleDestroy(): Promise<void> {
    await this.connection.close();
  }

  key(
    kind: 'session' | 'user-sessions' | 'session-ended' | 'refresh-lock',
    ...parts: string[]
  ): string {
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
    return parseSession(data, id);
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
    const keys = [
      this.key('session', session.id),
      this.key('user-sessions', session.tenantId, session.userId),
      this.key('session-ended', session.id),
    ];
    const ttlMs = ttlSeconds === undefined ? 0 : ttlSeconds * 1000;
    for (let attempt = 1; ; attempt++) {
      const data = JSON.stringify(session);
      const reply = (await this.run(() =>
        this.redis.eval(WRITE, 3, ...keys, session.id, data, session.accessTokenExpiresAt, ttlMs),
      )) as [string, string?];
      if (reply[0] !== 'newer') return reply[0] as RedisWriteOutcome;
      const stored = parseSession(reply[1] ?? null, session.id);
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
    const n = await this.run(() =>
      this.redis.eval(END_SESSION, 0, this.keyPrefix, this.endedMarkerMs, id),
    );
    return n === 1;
  }

  async destroyAllForUser(tenantId: string, userId: string): Promise<number> {
    const index = this.key('user-sessions', tenantId, userId);
    const n = await this.run(() =>
      this.redis.eval(END_ALL_FOR_USER, 1, index, this.keyPrefix, this.endedMarkerMs),
    );
    return Number(n);
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      // ioredis messages name the failure ("Command timed out", "Connection is closed."), never the URL.
      const reason = err instanceof Error ? err.message : String(err);
      throw new SessionStoreUnavailableError(`Session store (Redis) unavailable: ${reason}`, {
        cause: err,
      });
    }
  }
}

function parseSession(data: string | null, id: string): WristbandSession | undefined {
  if (data === null) return undefined;
  try {
    const session: unknown = JSON.parse(data);
    return isSessionShape(session) && session.id === id ? session : undefined;
  } catch {
    return undefined;
  }
}
