import { Cluster } from 'ioredis';
import { SessionRevocationService, WristbandRedisHealthIndicator } from 'nestjs-wristband';
import { CookieJar, type HttpResponse, RedisTestCluster, request } from 'nestjs-wristband/testing';
import {
  itSharesSessionsAcrossInstances,
  me as meOn,
  sessionId as sessionIdOf,
  sleep,
} from './support/redis-instances.js';
import { login, startStack, type TestStack } from './support/test-stack.js';

/**
 * The multi-instance cases of redis-multi-instance.e2e-spec.ts on a real Redis Cluster of 3 masters
 * (REDIS_CLUSTER_NODES): every script the store and the refresh lock run must touch one hash slot, or
 * the cluster refuses it (CROSSSLOT) and these requests fail.
 */
describe('Redis Cluster sessions over three instances', () => {
  let cluster: RedisTestCluster;
  let admin: Cluster;
  let stack: TestStack;

  const me = (i: number, jar: CookieJar): Promise<HttpResponse> => meOn(stack, i, jar);
  const sessionId = (jar: CookieJar): string => sessionIdOf(stack, jar);

  beforeAll(async () => {
    cluster = await RedisTestCluster.start();
    admin = new Cluster(cluster.nodes, {
      lazyConnect: true,
      redisOptions: { maxRetriesPerRequest: 1, ...{ disconnectTimeout: 100 } },
    });
    // 2 s access tokens: a refresh is due after 1 s, and the token expires after 2 s.
    stack = await startStack({
      instances: 3,
      env: { REDIS_CLUSTER_NODES: cluster.nodesEnv },
      emulator: { accessTokenTtlSeconds: 2 },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await admin?.quit().catch(() => admin.disconnect());
    await cluster?.dispose();
  });
  beforeEach(() => stack.emulator.resetCalls());

  itSharesSessionsAcrossInstances(() => ({ stack, admin }));

  it('a session made on one instance works on the others; it lives in the cluster under its key', async () => {
    const { jar } = await login(stack, stack.apps[0]);
    for (const i of [0, 1, 2]) expect((await me(i, jar)).status).toBe(200);

    const id = sessionId(jar);
    expect(await admin.exists(`wristband:session:${id}`)).toBe(1);
    const ttl = await admin.ttl(`wristband:session:${id}`);
    expect(ttl).toBeGreaterThan(3000);
    expect(ttl).toBeLessThanOrEqual(3600);
  });

  it('"log out everywhere" ends every session of the user, though they sit on different nodes', async () => {
    const alice = stack.emulator.user('alice@acme.test');
    const tenant = stack.emulator.tenant('acme');
    const revocation = stack.apps[1].app.get(SessionRevocationService);
    await revocation.endAllSessionsOfUser(tenant.id, alice.id); // those of earlier tests
    // Logins until the sessions sit on at least two nodes (ids are random; the bound makes
    // "all on one node" negligible).
    const sessions = [];
    const nodes = new Set<number>();
    for (let i = 0; i < 25 && (i < 6 || nodes.size < 2); i++) {
      const session = await login(stack, stack.apps[i % 3]);
      sessions.push(session);
      nodes.add(await cluster.nodeOf(`wristband:session:${sessionId(session.jar)}`));
    }
    expect(nodes.size).toBeGreaterThan(1);
    const bob = await login(stack, stack.apps[1], { username: 'bob@acme.test' });
    for (const { jar } of sessions) expect((await me(2, jar)).status).toBe(200);

    expect(await revocation.endAllSessionsOfUser(tenant.id, alice.id)).toBe(sessions.length);
    for (const { jar } of sessions) {
      for (const i of [0, 1, 2]) expect((await me(i, jar)).status).toBe(401);
    }
    expect((await me(0, bob.jar)).status).toBe(200); // other users keep theirs

    // One session by id.
    const c = await login(stack, stack.apps[0]);
    expect(await revocation.endSession(sessionId(c.jar))).toBe(true);
    expect((await me(2, c.jar)).status).toBe(401);
  });

  it('the node holding a session stops: 503 session_store_unavailable on every instance; it comes back: 200', async () => {
    const { jar } = await login(stack, stack.apps[0]);
    expect((await me(1, jar)).status).toBe(200);
    const node = await cluster.nodeOf(`wristband:session:${sessionId(jar)}`);

    await cluster.stopNode(node);
    try {
      for (const i of [0, 1, 2]) {
        const started = Date.now();
        const res = await me(i, jar);
        expect(res.status).toBe(503);
        expect(res.json()).toMatchObject({ statusCode: 503, reason: 'session_store_unavailable' });
        expect(res.text).not.toMatch(/127\.0\.0\.1|at .*\.ts:\d+/); // no address, no stack
        expect(Date.now() - started).toBeLessThan(2000);
      }
    } finally {
      await cluster.startNode(node);
    }
    await expectRecovery(jar);
  });

  it('the node holding a session hangs (no answers): 503 within the command timeout; answering again: 200', async () => {
    const { jar } = await login(stack, stack.apps[0]);
    const node = await cluster.nodeOf(`wristband:session:${sessionId(jar)}`);
    cluster.pauseNode(node);
    try {
      const started = Date.now();
      const res = await me(2, jar);
      expect(res.status).toBe(503);
      expect(res.json()).toMatchObject({ reason: 'session_store_unavailable' });
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      await cluster.resumeNode(node);
    }
    await expectRecovery(jar);
  });

  it('readiness: the redis indicator is down while any one node is stopped, up again when it is back', async () => {
    const indicator = stack.apps[2].app.get(WristbandRedisHealthIndicator);
    const statusWithin = async (want: 'up' | 'down', ms: number): Promise<string> => {
      const deadline = Date.now() + ms;
      let status = (await indicator.isHealthy()).redis.status;
      while (status !== want && Date.now() < deadline) {
        await sleep(100);
        status = (await indicator.isHealthy()).redis.status;
      }
      return status;
    };
    expect(await statusWithin('up', 5000)).toBe('up');
    await cluster.stopNode(2);
    try {
      // Whichever node it is: a ping of one random node would say "up" two times in three.
      for (let i = 0; i < 5; i++) expect((await indicator.isHealthy()).redis.status).toBe('down');
    } finally {
      await cluster.startNode(2);
    }
    expect(await statusWithin('up', 10_000)).toBe('up');
  });

  async function expectRecovery(jar: CookieJar): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (const i of [0, 1, 2]) {
      let status = 0;
      while (Date.now() < deadline) {
        status = (await me(i, jar)).status;
        if (status === 200) break;
        expect(status).toBe(503);
        await sleep(100);
      }
      expect(status).toBe(200);
    }
  }
});

describe('Redis Cluster whose nodes require a password', () => {
  let cluster: RedisTestCluster;
  let stack: TestStack;

  beforeAll(async () => {
    cluster = await RedisTestCluster.start({ password: 'cluster-secret/with:specials' });
  });
  afterAll(async () => {
    await stack?.close();
    await cluster?.dispose();
  });

  it('the password given once (first entry, URL-encoded) reaches every node: sessions work', async () => {
    expect(cluster.nodesEnv).toMatch(/^redis:\/\/:[^@]+@127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,/);
    stack = await startStack({ instances: 2, env: { REDIS_CLUSTER_NODES: cluster.nodesEnv } });
    // Logins until two sessions sit on different nodes: each needs the password on its node.
    // Session ids are random, so the bound is what makes "all on one node" negligible (3 * 3^-24).
    const nodes = new Set<number>();
    for (let i = 0; i < 25 && nodes.size < 2; i++) {
      const { jar } = await login(stack, stack.apps[i % 2]);
      nodes.add(await cluster.nodeOf(`wristband:session:${sessionIdOf(stack, jar)}`));
      for (const app of stack.apps)
        expect((await request(`${app.url}/api/me`, { jar })).status).toBe(200);
    }
    expect(nodes.size).toBeGreaterThan(1);
  });
});
