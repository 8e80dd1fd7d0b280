import 'reflect-metadata';
import { Controller, Get, UseGuards } from '@nestjs/common';
import * as http from 'node:http';
import { createConnection } from 'node:net';
import { CurrentUser, WristbandGuard, type WristbandUser } from 'nestjs-wristband';
import { CookieJar, type HttpResponse, RedisTestServer, request } from 'nestjs-wristband/testing';
import {
  buildApp,
  startAppProcess,
  type AppProcess,
  type BuiltApp,
} from './support/app-process.js';
import {
  appEnv,
  HTTP_ADAPTER,
  PASSWORD,
  startModuleApp,
  startStack,
  startTestApp,
  type TestApp,
  type TestStack,
} from './support/test-stack.js';

/** A guarded route of an app built on the module alone. */
@Controller('me')
@UseGuards(WristbandGuard)
class MeController {
  @Get()
  me(@CurrentUser() user: WristbandUser) {
    return { email: user.email };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const COOKIE = 'wb_session';

/** True once a TCP connection to the port is refused (nothing listening any more). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** GET over a keep-alive agent (a browser's or a load balancer's connection reuse), with the jar's cookies. */
function keepAliveGet(agent: http.Agent, url: string, jar: CookieJar): Promise<HttpResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: '127.0.0.1',
        port: u.port,
        path: u.pathname,
        agent,
        headers: { host: u.host, cookie: jar.cookieHeader(u) ?? '' },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          const setCookie = res.headers['set-cookie'] ?? [];
          jar.setCookies(u, setCookie);
          resolve({
            url,
            status: res.statusCode ?? 0,
            headers: { ...res.headers, 'set-cookie': setCookie },
            text,
            json: () => JSON.parse(text),
          });
        });
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error('keepAliveGet: timeout')));
    req.on('error', reject);
  });
}

describe(`graceful shutdown of the real process on ${HTTP_ADAPTER} (node, compiled by tsc)`, () => {
  let built: BuiltApp;
  let stack: TestStack;
  let redis: RedisTestServer;
  const processes: AppProcess[] = [];
  const apps: TestApp[] = [];
  let nextPort = 0;

  /** The built app on the next port the emulator knows, with 2 s access tokens (refresh due after 1 s). */
  const start = async (extra: NodeJS.ProcessEnv) => {
    const port = stack.reservedPorts[nextPort++];
    const proc = await startAppProcess(
      built,
      port,
      appEnv(stack.emulator, port, { HOST: '127.0.0.1', ...extra }),
    );
    processes.push(proc);
    return { proc, port };
  };

  /** Logs in on `url`, then waits until the access token is due for refresh. */
  const loginAndAge = async (url: string): Promise<CookieJar> => {
    stack.emulator.setAccessTokenTtl(2);
    const jar = new CookieJar();
    const startLogin = await request(`${url}/auth/login?tenant_name=acme`, { jar });
    const callbackUrl = await stack.emulator.authorizeViaForm(
      startLogin.location!,
      { username: 'alice@acme.test', password: PASSWORD },
      jar,
    );
    expect((await request(callbackUrl, { jar })).status).toBe(302);
    // Tokens the refresh brings live long: the requests after it must not need another.
    stack.emulator.setAccessTokenTtl(300);
    await sleep(1100);
    stack.emulator.resetCalls();
    return jar;
  };

  /** The next instance, same Redis, same cookie: the refreshed tokens were stored, so no token call. */
  const expectNextInstanceNeedsNoRefresh = async (jar: CookieJar) => {
    const port = stack.reservedPorts[nextPort++];
    const next = await startTestApp(port, {
      env: appEnv(stack.emulator, port, { REDIS_URL: redis.url }),
    });
    apps.push(next);
    stack.emulator.resetCalls();
    expect((await request(`${next.url}/api/me`, { jar })).status).toBe(200);
    expect(stack.emulator.calls('token')).toBe(0);
  };

  beforeAll(async () => {
    [built, redis] = await Promise.all([buildApp(), RedisTestServer.start()]);
    stack = await startStack({ reservePorts: 7, emulator: { accessTokenTtlSeconds: 2 } });
  }, 120_000);
  afterEach(() => stack.emulator.clearFaults());
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await Promise.all(apps.map((a) => a.close()));
    await stack?.close();
    await redis?.dispose();
    built?.dispose();
  }, 30_000);

  it('SIGTERM during a refresh: new connections refused, the request gets its 200 and refreshed cookie, exit 0', async () => {
    const { proc, port } = await start({ SHUTDOWN_TIMEOUT_MS: '10000' });
    const jar = await loginAndAge(proc.url);
    const before = jar.get(proc.url, COOKIE);
    const agent = new http.Agent({ keepAlive: true });
    // An idle keep-alive connection, as a load balancer keeps: it must not hold the process open.
    expect((await keepAliveGet(agent, `${proc.url}/health`, jar)).status).toBe(200);

    stack.emulator.injectFault({ endpoint: 'token', grantType: 'refresh_token', delayMs: 1500 });
    let answeredAt: number | undefined;
    const me = keepAliveGet(agent, `${proc.url}/api/me`, jar).finally(
      () => (answeredAt = Date.now()),
    );
    await waitFor(
      'the refresh to reach Wristband',
      () => stack.emulator.calls('token', 'refresh_token') === 1,
    );
    proc.child.kill('SIGTERM');
    await waitFor('the port to refuse connections', () => refused(port));
    expect(answeredAt).toBeUndefined(); // refused while the request was still in flight

    const res = await me;
    expect(res.status).toBe(200);
    expect(res.json<{ email: string }>().email).toBe('alice@acme.test');
    expect(res.headers.connection).toBe('close');
    const after = jar.get(proc.url, COOKIE);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);

    const exit = await proc.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.at - answeredAt!).toBeLessThan(1000); // the keep-alive connections did not hold it open
    expect(proc.output()).toMatch(
      /SIGTERM: shutting down \(1 request\(s\) in flight, at most 10000 ms\)/,
    );
    expect(proc.output()).toMatch(/Shut down in \d+ ms/);
    agent.destroy();

    // Nothing the refresh produced was lost: another instance takes the new cookie as it is.
    expect((await request(`${stack.app.url}/api/me`, { jar })).status).toBe(200);
    expect(stack.emulator.calls('token', 'refresh_token')).toBe(1);
  }, 60_000);

  it('with Redis sessions, the refreshed tokens are in Redis before exit: a new instance makes no refresh', async () => {
    const { proc } = await start({ REDIS_URL: redis.url });
    const jar = await loginAndAge(proc.url);

    stack.emulator.injectFault({ endpoint: 'token', grantType: 'refresh_token', delayMs: 1500 });
    const me = request(`${proc.url}/api/me`, { jar });
    await waitFor(
      'the refresh to reach Wristband',
      () => stack.emulator.calls('token', 'refresh_token') === 1,
    );
    proc.child.kill('SIGTERM');
    expect((await me).status).toBe(200);
    const exit = await proc.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });

    await expectNextInstanceNeedsNoRefresh(jar);
  }, 60_000);

  it("app.close() alone (enableShutdownHooks' SIGTERM), Redis sessions, no GraphQL: a refreshing request finishes 200, its tokens stored", async () => {
    // Nest runs onModuleDestroy before it closes the HTTP server: Redis must stay open until the server
    // has finished its requests (onApplicationShutdown). An app without Apollo, whose own drain plugin
    // would hide the order (it waits for requests in its onModuleDestroy).
    const port = stack.reservedPorts[nextPort++];
    const app = await startModuleApp(stack, port, {
      controllers: [MeController],
      wristband: { redis: { url: redis.url } },
    });
    const jar = await loginAndAge(app.url);

    stack.emulator.injectFault({ endpoint: 'token', grantType: 'refresh_token', delayMs: 1500 });
    const me = request(`${app.url}/me`, { jar });
    await waitFor(
      'the refresh to reach Wristband',
      () => stack.emulator.calls('token', 'refresh_token') === 1,
    );
    const closed = app.app.close();
    const res = await me;
    expect(res.status).toBe(200);
    expect(res.json<{ email: string }>().email).toBe('alice@acme.test');
    await closed;
    await expectNextInstanceNeedsNoRefresh(jar);
  }, 60_000);

  it('a request still running after SHUTDOWN_TIMEOUT_MS is cut, and the process exits 1 within the bound', async () => {
    const { proc } = await start({ SHUTDOWN_TIMEOUT_MS: '1500' });
    const jar = await loginAndAge(proc.url);

    stack.emulator.injectFault({ endpoint: 'token', grantType: 'refresh_token', hang: true });
    const me = request(`${proc.url}/api/me`, { jar, timeoutMs: 20_000 }).then(
      (res) => `answered ${res.status}`,
      (err: Error) => `failed: ${err.message}`,
    );
    await waitFor(
      'the refresh to reach Wristband',
      () => stack.emulator.calls('token', 'refresh_token') === 1,
    );
    const signalled = Date.now();
    proc.child.kill('SIGTERM');

    const exit = await proc.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 1, signal: null });
    expect(exit.at - signalled).toBeGreaterThanOrEqual(1400);
    expect(exit.at - signalled).toBeLessThan(1500 + 1500);
    expect(await me).toBe('failed: socket hang up');
    expect(proc.output()).toMatch(
      /Shutdown timed out after \d+ ms: cut 1 request\(s\) still in flight/,
    );
  }, 60_000);

  it('an idle app exits 0 at once on SIGINT', async () => {
    const { proc } = await start({});
    const signalled = Date.now();
    proc.child.kill('SIGINT');
    const exit = await proc.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.at - signalled).toBeLessThan(1000);
    expect(proc.output()).toMatch(
      /SIGINT: shutting down \(0 request\(s\) in flight, at most 10000 ms\)/,
    );
    // It ran on this project's adapter (HTTP_ADAPTER from appEnv), as main.ts logs it.
    expect(proc.output()).toMatch(
      new RegExp(`Listening on 127\\.0\\.0\\.1:\\d+ \\(${HTTP_ADAPTER}\\)`),
    );
  }, 30_000);
});
