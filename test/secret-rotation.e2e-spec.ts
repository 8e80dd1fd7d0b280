import 'reflect-metadata';
import { Controller, Get, type LoggerService } from '@nestjs/common';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Public, WristbandConfigurationError } from 'nestjs-wristband';
import {
  CookieJar,
  RedisTestServer,
  freePort,
  request,
  startEmulator,
  type HttpResponse,
  type WristbandEmulator,
} from 'nestjs-wristband/testing';
import { AppModule } from '../src/app.module.js';
import { EnvValidationError, loadAppConfig } from '../src/config/app.config.js';
import { createTestHttpApp } from './support/http-adapter.js';
import { CLIENT_ID, appEnv, login, startModuleApp, type TestApp } from './support/test-stack.js';

const OLD = 'old-client-secret-0123456789-abcdefghij';
const NEW = 'new-client-secret-9876543210-klmnopqrst';
const NEWER = 'newer-client-secret-5555555555-uvwxyzab';
const READ = 'reading the client secret file';
const RELOADED = 'Client secret reloaded from';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every line Nest's logger writes in this process (all apps share Nest's static logger). */
class CapturedLog implements LoggerService {
  readonly lines: string[] = [];
  log = (m: unknown) => this.add(m);
  error = (m: unknown, ...rest: unknown[]) => this.add(m, ...rest);
  warn = (m: unknown) => this.add(m);
  debug = (m: unknown) => this.add(m);
  verbose = (m: unknown) => this.add(m);
  fatal = (m: unknown) => this.add(m);
  count(text: string): number {
    return this.lines.filter((l) => l.includes(text)).length;
  }
  clear(): void {
    this.lines.length = 0;
  }
  private add(...parts: unknown[]): void {
    this.lines.push(parts.map((p) => (p instanceof Error ? p.stack : String(p))).join(' '));
  }
}

/** A secret file written as Kubernetes and Vault agents do: a new file moved over the old one. */
class SecretFile {
  readonly dir = mkdtempSync(join(tmpdir(), 'wb-client-secret-'));
  readonly path = join(this.dir, 'client-secret');
  write(content: string): void {
    const next = join(this.dir, '.next');
    writeFileSync(next, content);
    renameSync(next, this.path);
  }
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function startApp(
  emulator: WristbandEmulator,
  port: number,
  logger: LoggerService,
  env: NodeJS.ProcessEnv,
): Promise<TestApp> {
  const appEnvironment = appEnv(emulator, port, env);
  const app = await createTestHttpApp(AppModule.forRoot({ env: appEnvironment }), {
    env: appEnvironment,
    logger,
  });
  await app.listen(port, '127.0.0.1');
  return { app, port, url: `http://localhost:${port}`, close: () => app.close() };
}

/** The app's environment with the secret in a file instead of `WRISTBAND_CLIENT_SECRET`. */
const fileEnv = (file: SecretFile, extra: NodeJS.ProcessEnv = {}) => ({
  WRISTBAND_CLIENT_SECRET: '',
  WRISTBAND_CLIENT_SECRET_FILE: file.path,
  ...extra,
});

describe.each(['cookie', 'redis'] as const)(
  'client secret rotation without a restart, two instances, %s sessions',
  (store) => {
    const log = new CapturedLog();
    const file = new SecretFile();
    let emulator: WristbandEmulator;
    let redis: RedisTestServer | undefined;
    let apps: TestApp[] = [];
    const stack = () => ({ emulator });
    const me = (i: number, jar: CookieJar): Promise<HttpResponse> =>
      request(`${apps[i].url}/api/me`, { jar });
    const logout = (i: number, jar: CookieJar): Promise<HttpResponse> =>
      request(`${apps[i].url}/auth/logout`, { jar });
    /** Logs in on instance `i` and checks the user got a working session. */
    const loggedIn = async (i: number, username = 'alice@acme.test'): Promise<CookieJar> => {
      const { jar, callback } = await login(stack(), apps[i], { username });
      expect(callback.status).toBe(302);
      expect((await me(i, jar)).status).toBe(200);
      return jar;
    };
    const calls = () => ({
      code: emulator.calls('token', 'authorization_code'),
      refresh: emulator.calls('token', 'refresh_token'),
      revoke: emulator.calls('revoke'),
    });
    /** Logs of a logout whose revocation failed (the user is logged out anyway, so only the log tells). */
    const revocationFailures = () => log.count('revocation failed');

    beforeAll(async () => {
      if (store === 'redis') redis = await RedisTestServer.start();
      const ports = [await freePort(), await freePort()];
      // 2 s access tokens: a refresh is due 1 s after each login or refresh.
      emulator = await startEmulator({
        accessTokenTtlSeconds: 2,
        clients: [
          {
            clientId: CLIENT_ID,
            clientSecret: OLD,
            redirectUris: ports.map((p) => `http://localhost:${p}/auth/callback`),
            loginUrl: `http://localhost:${ports[0]}/auth/login`,
          },
        ],
      });
      file.write(`${OLD}\n`);
      const env = fileEnv(file, redis ? { REDIS_URL: redis.url } : {});
      apps = [
        await startApp(emulator, ports[0], log, env),
        await startApp(emulator, ports[1], log, env),
      ];
    });
    afterAll(async () => {
      await Promise.all(apps.map((a) => a.close()));
      await emulator?.close();
      await redis?.dispose();
      file.remove();
    });

    it('logins, refreshes and logouts in flight through two rotations all succeed; each failing call is sent once more, after one shared read', async () => {
      // Sessions made before the rotation, on both instances.
      const sessions = [await loggedIn(0), await loggedIn(1), await loggedIn(0), await loggedIn(1)];
      const toLogOut = [await loggedIn(0, 'bob@acme.test'), await loggedIn(1, 'bob@acme.test')];

      // The operator creates a second secret at Wristband and puts it in the secret store…
      emulator.setClientSecrets(CLIENT_ID, [OLD, NEW]);
      file.write(`${NEW}\n`);
      // …and deletes the old one at Wristband once the file changed. The apps still hold OLD.
      emulator.setClientSecrets(CLIENT_ID, [NEW]);
      await sleep(1100); // every session's access token is due for a refresh
      emulator.resetCalls();
      log.clear();

      // Instance 0 meets the rotation with a refresh: rejected, file read, sent again, 200.
      expect((await me(0, sessions[0])).status).toBe(200);
      expect(calls()).toEqual({ code: 0, refresh: 2, revoke: 0 });
      // Instance 1 meets it with a login: the code exchange is sent again with the new secret.
      const fresh = await loggedIn(1, 'bob@acme.test');
      expect(calls()).toEqual({ code: 2, refresh: 2, revoke: 0 });
      expect(log.count(READ)).toBe(2); // one read per instance
      expect(log.count(RELOADED)).toBe(2);

      // Both instances now send NEW first: one call each, for every kind of call, all at once.
      emulator.resetCalls();
      const results = await Promise.all([
        me(0, sessions[1]),
        me(1, sessions[2]),
        login(stack(), apps[0]).then((l) => l.callback),
        logout(0, toLogOut[0]),
        logout(1, toLogOut[1]),
      ]);
      expect(results.map((r) => r.status)).toEqual([200, 200, 302, 302, 302]);
      expect(calls()).toEqual({ code: 1, refresh: 2, revoke: 2 });
      expect(log.count(READ)).toBe(2);
      expect(revocationFailures()).toBe(0);

      // A second rotation, past the 5 s between two reads of an instance.
      await sleep(Math.max(0, 5200 - 1100));
      const bursts = [await loggedIn(1), await loggedIn(1), await loggedIn(1), await loggedIn(1)];
      const leaving = await loggedIn(0, 'bob@acme.test');
      emulator.setClientSecrets(CLIENT_ID, [NEW, NEWER]);
      file.write(NEWER); // no trailing newline this time
      emulator.setClientSecrets(CLIENT_ID, [NEWER]);
      await sleep(1100);
      emulator.resetCalls();
      log.clear();

      // Instance 0 meets it with a logout: revocation sent again, no failure logged.
      const out = await logout(0, leaving);
      expect(out.status).toBe(302);
      expect(calls()).toEqual({ code: 0, refresh: 0, revoke: 2 });
      expect(revocationFailures()).toBe(0);
      // Instance 1 meets it with four refreshes at once: one read serves them all.
      const burst = await Promise.all(bursts.map((jar) => me(1, jar)));
      expect(burst.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      const refreshes = calls().refresh;
      expect(refreshes).toBeGreaterThanOrEqual(5); // at least one rejected and sent again
      expect(refreshes).toBeLessThanOrEqual(8); // never more than once more each
      expect(log.count(READ)).toBe(2); // one per instance
      expect(log.count(RELOADED)).toBe(2);

      // The sessions made before any rotation and the one made during it still work.
      for (const [i, jar] of [sessions[3], fresh].entries())
        expect((await me(i, jar)).status).toBe(200);

      // The reload is announced as a warning; no line of the whole run holds a secret.
      expect(log.lines.find((l) => l.includes(RELOADED))).toContain(file.path);
      for (const line of log.lines) {
        for (const secret of [OLD, NEW, NEWER]) expect(line).not.toContain(secret);
      }
    }, 60_000);
  },
);

describe('client secret rotation: what it does not hide', () => {
  const log = new CapturedLog();
  const file = new SecretFile();
  let emulator: WristbandEmulator;
  let apps: TestApp[] = [];

  beforeAll(async () => {
    const ports = [await freePort(), await freePort()];
    emulator = await startEmulator({
      clients: [
        {
          clientId: CLIENT_ID,
          clientSecret: OLD,
          redirectUris: ports.map((p) => `http://localhost:${p}/auth/callback`),
        },
      ],
    });
    file.write(`${OLD}\n`);
    apps = [
      await startApp(emulator, ports[0], log, fileEnv(file)),
      await startApp(emulator, ports[1], log, { WRISTBAND_CLIENT_SECRET: OLD }),
    ];
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await emulator?.close();
    file.remove();
  });

  it('a secret deleted at Wristband while the file still holds it: the usual 502, one call, one read', async () => {
    emulator.setClientSecrets(CLIENT_ID, [NEW]);
    emulator.resetCalls();
    log.clear();
    const withFile = await login({ emulator }, apps[0]);
    expect(withFile.callback.status).toBe(502);
    expect(emulator.calls('token', 'authorization_code')).toBe(1);
    expect(log.count(READ)).toBe(1);
    expect(log.count(RELOADED)).toBe(0);
    expect(
      log.count('Wristband code exchange rejected: Wristband answered 401 (invalid_client)'),
    ).toBe(1);

    // WRISTBAND_CLIENT_SECRET: the same answer, and no file to read (a restart is the only cure).
    emulator.resetCalls();
    log.clear();
    const withValue = await login({ emulator }, apps[1]);
    expect(withValue.callback.status).toBe(502);
    const reason = (r: HttpResponse) => r.json<{ reason: string }>().reason;
    expect(reason(withValue.callback)).toBe(reason(withFile.callback));
    expect(emulator.calls('token', 'authorization_code')).toBe(1);
    expect(log.count(READ)).toBe(0);
    for (const line of log.lines) expect(line).not.toContain(OLD);
  });
});

describe('WRISTBAND_CLIENT_SECRET_FILE at startup', () => {
  const file = new SecretFile();
  const env = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
    PORT: '3001',
    WRISTBAND_APPLICATION_VANITY_DOMAIN: 'localhost:9100',
    WRISTBAND_CLIENT_ID: CLIENT_ID,
    WRISTBAND_IS_APPLICATION_CUSTOM_DOMAIN_ACTIVE: 'true',
    WRISTBAND_DANGEROUSLY_ALLOW_HTTP: 'true',
    SESSION_SECRETS: 'rotation-session-secret-0123456789-abcdefghij',
    ...extra,
  });
  /** The problems the app's configuration names, checked to print no secret. */
  const problems = (extra: NodeJS.ProcessEnv): string[] => {
    let error: unknown;
    try {
      loadAppConfig(env(extra));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EnvValidationError);
    const message = (error as EnvValidationError).message;
    for (const secret of [OLD, NEW]) expect(message).not.toContain(secret);
    return (error as EnvValidationError).problems;
  };
  afterAll(() => file.remove());

  it('an empty file stops the real entry point with exit 1, naming the variable', () => {
    file.write('\n');
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env.PATH ?? '', ...env({ WRISTBAND_CLIENT_SECRET_FILE: file.path }) },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('WRISTBAND_CLIENT_SECRET_FILE names an empty file');
  }, 40_000);

  it('a missing or unreadable file names the variable and never its content; both or neither names both', () => {
    file.write(`${OLD}\n`);
    expect(problems({ WRISTBAND_CLIENT_SECRET_FILE: join(file.dir, 'missing') })).toEqual([
      'WRISTBAND_CLIENT_SECRET_FILE names a file that cannot be read (ENOENT)',
    ]);
    expect(problems({ WRISTBAND_CLIENT_SECRET_FILE: file.dir })).toEqual([
      'WRISTBAND_CLIENT_SECRET_FILE names a file that cannot be read (EISDIR)',
    ]);
    expect(
      problems({ WRISTBAND_CLIENT_SECRET: NEW, WRISTBAND_CLIENT_SECRET_FILE: file.path }),
    ).toEqual([
      'WRISTBAND_CLIENT_SECRET and WRISTBAND_CLIENT_SECRET_FILE are both set: set exactly one',
    ]);
    expect(problems({})).toEqual([
      'WRISTBAND_CLIENT_SECRET or WRISTBAND_CLIENT_SECRET_FILE is required: set exactly one',
    ]);
    expect(loadAppConfig(env({ WRISTBAND_CLIENT_SECRET_FILE: file.path })).wristband).toMatchObject(
      { clientSecretFile: file.path },
    );
  });

  it('in code, clientSecretFile works the same: a bad file stops the app, a good one logs in', async () => {
    @Controller()
    class PingController {
      @Public()
      @Get('ping')
      ping() {
        return 'pong';
      }
    }
    const port = await freePort();
    const emulator = await startEmulator({
      clients: [
        {
          clientId: CLIENT_ID,
          clientSecret: OLD,
          redirectUris: [`http://localhost:${port}/auth/callback`],
        },
      ],
    });
    try {
      await expect(
        startModuleApp({ emulator }, port, {
          controllers: [PingController],
          wristband: { clientSecret: undefined, clientSecretFile: file.dir },
        }),
      ).rejects.toThrow(WristbandConfigurationError);
      file.write(OLD);
      const app = await startModuleApp({ emulator }, port, {
        controllers: [PingController],
        wristband: { clientSecret: undefined, clientSecretFile: file.path },
      });
      try {
        const { callback } = await login({ emulator }, app);
        expect(callback.status).toBe(302);
      } finally {
        await app.close();
      }
    } finally {
      await emulator.close();
    }
  }, 30_000);
});
