import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { RedisTestServer } from '../testing/redis-test-server.js';
import { testSession } from '../../test/session-fixture.js';
import { SessionStoreUnavailableError } from '../errors/wristband.errors.js';
import { CookieSealer } from './cookie-sealer.js';
import { RedisSessionStore } from './redis-session.store.js';
import { RedisConnection, redactRedisUrl } from './redis.connection.js';
import {
  SessionRevocationService,
  SessionRevocationUnsupportedError,
} from './session-revocation.service.js';
import { CookieSessionStore } from './cookie-session.store.js';

const sealer = new CookieSealer(['s'.repeat(32)]);

const session = testSession;

describe('RedisSessionStore (real redis-server)', () => {
  let server: RedisTestServer;
  let store: RedisSessionStore;
  let admin: Redis;

  beforeAll(async () => {
    server = await RedisTestServer.start();
    admin = new Redis(server.url, { maxRetriesPerRequest: 1, ...{ disconnectTimeout: 100 } });
  });
  afterAll(async () => {
    await admin?.quit().catch(() => admin.disconnect());
    await server?.dispose();
  });
  beforeEach(async () => {
    store = new RedisSessionStore(
      sealer,
      new RedisConnection(server.url, { Redis, Cluster }, { commandTimeoutMs: 500 }),
      {
        keyPrefix: `t${randomBytes(4).toString('hex')}:`,
      },
    );
    await store.onModuleInit();
  });
  afterEach(async () => {
    await store.onApplicationShutdown();
  });

  it('keeps the session in Redis; the cookie carries only a small sealed id', async () => {
    const s = session();
    const cookie = await store.write(s, 120);
    expect(cookie.length).toBeLessThan(120);
    expect(cookie).not.toContain('eyJ');
    expect(sealer.unseal('session-id', cookie)).toBe(s.id);
    expect(sealer.unseal('session', cookie)).toBeUndefined(); // purposes do not mix
    expect(await store.read(cookie)).toEqual(s);
    const ttl = await admin.pttl(store.key('session', s.id));
    expect(ttl).toBeGreaterThan(110_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
  });

  it('refuses tampered, foreign or unknown cookies', async () => {
    const cookie = await store.write(session(), 60);
    const raw = Buffer.from(cookie, 'base64url');
    raw[raw.length - 1] ^= 1;
    expect(await store.read(raw.toString('base64url'))).toBeUndefined();
    expect(
      await store.read(new CookieSealer(['x'.repeat(32)]).seal('session-id', 'abc')),
    ).toBeUndefined();
    expect(await store.read(sealer.seal('session-id', 'no-such-id'))).toBeUndefined();
    expect(await store.read('garbage')).toBeUndefined();
  });

  it('destroy ends the session and a late write cannot revive it', async () => {
    const s = session();
    const cookie = await store.write(s, 60);
    await store.destroy(s);
    expect(await store.read(cookie)).toBeUndefined();
    await store.write({ ...s, lastSeenAt: Date.now() }, 60); // a request that loaded it before logout
    expect(await store.read(cookie)).toBeUndefined();
  });

  it('never lets tokens go backwards: a stale write gets the newer tokens merged in', async () => {
    const s = session();
    await store.write(s, 60);
    const stale = { ...s };
    const newer = {
      accessToken: 'new-at',
      refreshToken: 'refresh-2',
      accessTokenExpiresAt: s.accessTokenExpiresAt + 1000,
      accessTokenIssuedAt: Date.now(),
    };
    await store.save({ ...s, ...newer });
    stale.lastSeenAt += 5;
    await store.write(stale, 60);
    expect(stale).toMatchObject(newer); // the caller's object carries the newer tokens too
    const stored = await store.readById(s.id);
    expect(stored).toMatchObject({ ...newer, lastSeenAt: stale.lastSeenAt });
  });

  it('save without a TTL keeps the current TTL and does not recreate an ended session', async () => {
    const s = session();
    await store.write(s, 30);
    expect(await store.save({ ...s, accessToken: 'x' })).toBe('ok');
    expect(await admin.pttl(store.key('session', s.id))).toBeLessThanOrEqual(30_000);
    await store.destroyById(s.id);
    expect(await store.save({ ...s, accessToken: 'y' })).toBe('ended');
    expect(await admin.exists(store.key('session', s.id))).toBe(0);
  });

  it('ends all sessions of one user, and only theirs', async () => {
    const a1 = session();
    const a2 = session();
    const other = session({ userId: 'user-2' });
    const otherTenant = session({ tenantId: 'tenant-2' });
    for (const s of [a1, a2, other, otherTenant]) await store.write(s, 60);
    expect(await store.destroyAllForUser('tenant-1', 'user-1')).toBe(2);
    expect(await store.readById(a1.id)).toBeUndefined();
    expect(await store.readById(a2.id)).toBeUndefined();
    expect(await store.readById(other.id)).toBeDefined();
    expect(await store.readById(otherTenant.id)).toBeDefined();
    expect(await store.destroyAllForUser('tenant-1', 'user-1')).toBe(0);
  });

  it('sessions stored by the previous version (same keys, no hash tags) stay valid and can be revoked', async () => {
    // What the previous version's write script left: the hash and the per-user index entry.
    const s = session();
    const key = store.key('session', s.id);
    const index = store.key('user-sessions', s.tenantId, s.userId);
    await admin.hset(key, 'data', JSON.stringify(s), 'exp', s.accessTokenExpiresAt, 'user', index);
    await admin.pexpire(key, 60_000);
    await admin.sadd(index, s.id);
    const cookie = sealer.seal('session-id', s.id);

    expect(await store.read(cookie)).toEqual(s);
    expect(await store.destroyAllForUser(s.tenantId, s.userId)).toBe(1);
    expect(await store.read(cookie)).toBeUndefined();
    expect(await store.save(s)).toBe('ended'); // a late write of a request that had loaded it
    expect(await admin.smembers(index)).toEqual([]);
  });

  describe('session data sealed at rest', () => {
    /** Another store on the same Redis and key prefix (another instance), with its own secrets. */
    const withStore = async (
      secrets: string[],
      use: (other: RedisSessionStore) => Promise<void>,
    ) => {
      const other = new RedisSessionStore(
        new CookieSealer(secrets),
        new RedisConnection(server.url, { Redis, Cluster }, { commandTimeoutMs: 500 }),
        { keyPrefix: store.keyPrefix },
      );
      await other.onModuleInit();
      try {
        await use(other);
      } finally {
        await other.onApplicationShutdown();
      }
    };
    const rawData = (id: string) => admin.hget(store.key('session', id), 'data');
    /** A session whose tokens and email are unique strings, to look for in Redis. */
    const secretive = (overrides: Parameters<typeof session>[0] = {}) =>
      session({
        accessToken: `eyJhbGciOiJSUzI1NiJ9.${randomBytes(12).toString('base64url')}.sig`,
        refreshToken: `rt-${randomBytes(12).toString('hex')}`,
        claims: { email: 'alice@acme.test', name: 'Alice' },
        ...overrides,
      });

    it('Redis holds neither the tokens, the email nor any JSON: only the sealed value', async () => {
      const s = secretive();
      await store.write(s, 60);
      const data = (await rawData(s.id))!;
      expect(data).toMatch(/^[\w-]+$/); // base64url
      for (const clear of [s.accessToken, s.refreshToken, 'alice@acme.test', '{', s.csrfToken])
        expect(data).not.toContain(clear);
      expect(sealer.unseal('redis-session', data)).toEqual(s);
      // Purposes do not mix: not a session cookie, not a session-id cookie.
      expect(sealer.unseal('session', data)).toBeUndefined();
      expect(sealer.unseal('session-id', data)).toBeUndefined();
      expect(await store.readById(s.id)).toEqual(s);

      // A refresh merged into a stale write ('newer' reply): stored sealed too, read back unsealed.
      const refreshed = {
        ...s,
        refreshToken: 'rt-2-secret',
        accessTokenExpiresAt: s.accessTokenExpiresAt + 1,
      };
      await store.save(refreshed);
      const stale = { ...s, lastSeenAt: s.lastSeenAt + 5 };
      await store.write(stale, 60);
      expect(stale.refreshToken).toBe('rt-2-secret');
      expect(await rawData(s.id)).not.toContain('rt-2-secret');
      expect(await store.readById(s.id)).toEqual(stale);
    });

    it('reads a session the previous version stored in plain JSON, and seals it at its next write', async () => {
      const s = secretive();
      const key = store.key('session', s.id);
      const index = store.key('user-sessions', s.tenantId, s.userId);
      await admin.hset(
        key,
        'data',
        JSON.stringify(s),
        'exp',
        s.accessTokenExpiresAt,
        'user',
        index,
      );
      await admin.pexpire(key, 60_000);
      await admin.sadd(index, s.id);

      expect(await store.read(sealer.seal('session-id', s.id))).toEqual(s);
      const touched = { ...s, lastSeenAt: s.lastSeenAt + 1 };
      expect(await store.save(touched)).toBe('ok'); // the touch: keeps the TTL
      const data = (await rawData(s.id))!;
      expect(data).not.toContain('{');
      expect(data).not.toContain(s.refreshToken);
      expect(sealer.unseal('redis-session', data)).toEqual(touched);
      expect(await store.readById(s.id)).toEqual(touched);
      expect(await admin.pttl(key)).toBeGreaterThan(50_000);
    });

    it('a stale write over newer tokens still stored in plain JSON merges them and seals the result', async () => {
      const s = secretive();
      const key = store.key('session', s.id);
      const newer = {
        ...s,
        refreshToken: 'rt-newer-plain',
        accessTokenExpiresAt: s.accessTokenExpiresAt + 1000,
      };
      await admin.hset(
        key,
        'data',
        JSON.stringify(newer),
        'exp',
        newer.accessTokenExpiresAt,
        'user',
        '',
      );
      await admin.pexpire(key, 60_000);
      const stale = { ...s };
      expect(await store.save(stale)).toBe('ok');
      expect(stale.refreshToken).toBe('rt-newer-plain');
      expect(await rawData(s.id)).not.toContain('rt-newer-plain');
      expect(await store.readById(s.id)).toEqual(stale);
    });

    it('rotates like the cookies: [new, old] opens what [old] sealed and seals with new; [other] opens nothing', async () => {
      const OLD = 'o'.repeat(32);
      const NEW = 'n'.repeat(32);
      const OTHER = 'x'.repeat(32);
      const s = secretive();
      await withStore([OLD], async (old) => {
        await old.write(s, 60);
      });
      await withStore([OTHER], async (other) => {
        expect(await other.readById(s.id)).toBeUndefined();
        expect(
          await other.read(new CookieSealer([OTHER]).seal('session-id', s.id)),
        ).toBeUndefined();
        // A stale write finding newer tokens it cannot open keeps what Redis has, without an error.
        expect(await other.save({ ...s, accessTokenExpiresAt: s.accessTokenExpiresAt - 1 })).toBe(
          'ok',
        );
      });
      await withStore([NEW, OLD], async (rotated) => {
        expect(await rotated.read(new CookieSealer([OLD]).seal('session-id', s.id))).toEqual(s);
        const touched = { ...s, lastSeenAt: s.lastSeenAt + 1 };
        expect(await rotated.save(touched)).toBe('ok');
        const data = (await rawData(s.id))!;
        expect(new CookieSealer([NEW]).unseal('redis-session', data)).toEqual(touched);
        expect(new CookieSealer([OLD]).unseal('redis-session', data)).toBeUndefined();
        expect(await rotated.readById(s.id)).toEqual(touched);
      });
    });

    it("a sealed value copied under another session's key does not open as that session", async () => {
      const victim = secretive();
      const attacker = secretive({ userId: 'user-2' });
      await store.write(victim, 60);
      await store.write(attacker, 60);
      await admin.hset(store.key('session', attacker.id), 'data', (await rawData(victim.id))!);
      expect(await store.readById(attacker.id)).toBeUndefined();
      expect(await store.read(sealer.seal('session-id', attacker.id))).toBeUndefined();
      expect(await store.readById(victim.id)).toEqual(victim);
      // Same for a plain JSON value of the previous version.
      await admin.hset(store.key('session', attacker.id), 'data', JSON.stringify(victim));
      expect(await store.readById(attacker.id)).toBeUndefined();
    });

    it('a data value that neither opens nor parses reads as no session, never an error', async () => {
      const s = secretive();
      await store.write(s, 60);
      const key = store.key('session', s.id);
      const sealed = (await rawData(s.id))!;
      const tampered = Buffer.from(sealed, 'base64url');
      tampered[tampered.length - 1] ^= 1;
      const garbage = [
        'garbage',
        '',
        '{not json',
        '{"id":"x"}',
        'null',
        `${sealed}A`,
        tampered.toString('base64url'),
        sealer.seal('session-id', s.id), // another purpose
        sealer.sealBytes('session', Buffer.from(JSON.stringify(s))), // another purpose, same JSON
        sealer.seal('redis-session', { id: s.id }), // opens, but not a session
        sealer.sealBytes('redis-session', Buffer.from('not json')),
      ];
      for (const value of garbage) {
        await admin.hset(key, 'data', value);
        expect(await store.readById(s.id)).toBeUndefined();
        expect(await store.read(sealer.seal('session-id', s.id))).toBeUndefined();
        // A stale write over it (Redis holds a later exp) keeps what Redis has, without an error.
        expect(await store.save({ ...s, accessTokenExpiresAt: s.accessTokenExpiresAt - 1 })).toBe(
          'ok',
        );
      }
    });

    it('a session larger than any cookie is sealed and opens (no cookie-size bound)', async () => {
      const claims = Object.fromEntries(
        Array.from({ length: 400 }, (_, i) => [`attr_${i}`, randomBytes(60).toString('base64url')]),
      );
      const big = session({ claims });
      await store.write(big, 60);
      expect((await rawData(big.id))!.length).toBeGreaterThan(40_000);
      expect(await store.readById(big.id)).toEqual(big);
    });
  });

  it('revocation service: by user and by id; refuses clearly on cookie sessions', async () => {
    const service = new SessionRevocationService(store);
    const a = session();
    const b = session();
    await store.write(a, 60);
    await store.write(b, 60);
    expect(await service.endSession(a.id)).toBe(true);
    expect(await service.endSession(a.id)).toBe(false);
    expect(await service.endAllSessionsOfUser('tenant-1', 'user-1')).toBe(1);
    expect(await store.readById(b.id)).toBeUndefined();

    const cookieService = new SessionRevocationService(new CookieSessionStore(sealer));
    expect(cookieService.supported).toBe(false);
    expect(() => cookieService.endSession('x')).toThrow(SessionRevocationUnsupportedError);
    expect(() => cookieService.endAllSessionsOfUser('t', 'u')).toThrow(/redisUrl/);
  });

  it('fails fast with SessionStoreUnavailableError while Redis is down, and recovers by itself', async () => {
    const s = session();
    const cookie = await store.write(s, 60);
    await server.stop();
    try {
      const started = Date.now();
      await expect(store.read(cookie)).rejects.toBeInstanceOf(SessionStoreUnavailableError);
      await expect(store.write(session(), 60)).rejects.toBeInstanceOf(SessionStoreUnavailableError);
      await expect(store.destroyAllForUser('tenant-1', 'user-1')).rejects.toBeInstanceOf(
        SessionStoreUnavailableError,
      );
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      await server.start();
    }
    // Data is gone (no persistence), but the store answers again without any intervention.
    const deadline = Date.now() + 5000;
    let answer: unknown = 'unavailable';
    while (Date.now() < deadline) {
      answer = await store.read(cookie).catch(() => 'unavailable');
      if (answer !== 'unavailable') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(answer).toBeUndefined();
    const again = session();
    expect(await store.read(await store.write(again, 60))).toEqual(again);
  });

  it('logs an outage without the password in the URL', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      // A port nothing listens on: the connection fails and is logged.
      const url = `redis://admin:sup3r-s3cret@127.0.0.1:${server.port + 1}`;
      const down = new RedisSessionStore(
        sealer,
        new RedisConnection(url, { Redis, Cluster }, { commandTimeoutMs: 200 }),
      );
      await down.onModuleInit();
      await expect(down.read(sealer.seal('session-id', 'x'))).rejects.toThrow(
        SessionStoreUnavailableError,
      );
      await down.onApplicationShutdown();
      const logged = warn.mock.calls.map((c) => String(c[0])).join('\n');
      expect(logged).toContain('Redis unavailable (redis://***:***@127.0.0.1');
      expect(logged).not.toContain('sup3r-s3cret');
    } finally {
      warn.mockRestore();
    }
  });

  it('never shows the Redis password', () => {
    expect(redactRedisUrl('redis://user:s3cret-pw@redis.internal:6380/2')).toBe(
      'redis://***:***@redis.internal:6380/2',
    );
    expect(redactRedisUrl('rediss://:s3cret-pw@h:1')).not.toContain('s3cret');
  });
});
