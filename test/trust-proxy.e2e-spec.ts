import 'reflect-metadata';
import { Controller, Get, Module, Req } from '@nestjs/common';
import { spawnSync } from 'node:child_process';
import { Public } from 'nestjs-wristband';
import { freePort, request } from 'nestjs-wristband/testing';
import { AppModule } from '../src/app.module.js';
import { createTestHttpApp, HTTP_ADAPTER } from './support/http-adapter.js';

/**
 * The request as the app's own code sees it: `req.ip` and `req.protocol`, which Express's request and
 * Fastify's have with the same meaning (Express's `req.secure` is `protocol === 'https'`).
 */
@Public()
@Controller('test')
class RequestInfoController {
  @Get('request-info')
  info(@Req() req: { ip: string; protocol: string }) {
    return { ip: req.ip, protocol: req.protocol };
  }
}

/** Production-like: https Wristband, Secure `__Host-` cookies, app on loopback http (the proxy's side). */
function env(port: number, trustProxy: string | undefined): NodeJS.ProcessEnv {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    WRISTBAND_APPLICATION_VANITY_DOMAIN: 'invotastic-acme.us.wristband.dev',
    WRISTBAND_CLIENT_ID: 'client-id',
    WRISTBAND_CLIENT_SECRET: 'client-secret-0123456789-abcdefghij',
    WRISTBAND_CALLBACK_URL: `http://localhost:${port}/auth/callback`,
    WRISTBAND_LOGIN_URL: `http://localhost:${port}/auth/login`,
    SESSION_SECRETS: 'session-secret-0123456789-abcdefghijklmnop',
    HTTP_ADAPTER,
    ...(trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy }),
  };
}

/** The app as `main.ts` sets it up, plus a route that shows what it sees of the request. */
async function startApp(trustProxy: string | undefined) {
  const port = await freePort();
  const appEnv = env(port, trustProxy);
  @Module({ imports: [AppModule.forRoot({ env: appEnv })], controllers: [RequestInfoController] })
  class ProbeModule {}
  // As main.ts creates it: TRUST_PROXY reaches Express's `trust proxy` or Fastify's `trustProxy`.
  const app = await createTestHttpApp(ProbeModule, { env: appEnv });
  await app.listen(port, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${port}` };
}

const FROM_PROXY = { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' };
/** A client that sends its own forwarded headers through a proxy that appends to them. */
const SPOOFED_THROUGH_PROXY = {
  'x-forwarded-for': '198.51.100.66, 203.0.113.9',
  'x-forwarded-proto': 'https',
};
const DIRECT = { ip: '127.0.0.1', protocol: 'http' };
const FORWARDED = { ip: '203.0.113.9', protocol: 'https' };

describe.each([
  { trustProxy: undefined, fromProxy: DIRECT, spoofed: DIRECT },
  { trustProxy: 'false', fromProxy: DIRECT, spoofed: DIRECT },
  { trustProxy: '1', fromProxy: FORWARDED, spoofed: FORWARDED },
  { trustProxy: '127.0.0.1, ::1', fromProxy: FORWARDED, spoofed: FORWARDED },
  { trustProxy: '127.0.0.0/8', fromProxy: FORWARDED, spoofed: FORWARDED },
  // Proxies elsewhere: this one (127.0.0.1) is not among them, so its headers count for nothing.
  { trustProxy: '10.0.0.0/8, 192.168.0.0/16, fd00::/8', fromProxy: DIRECT, spoofed: DIRECT },
  // Any proxy: the left-most address wins, which a client can write itself. Why `true` is only for
  // an app nothing but the proxy can reach.
  { trustProxy: 'true', fromProxy: FORWARDED, spoofed: { ...FORWARDED, ip: '198.51.100.66' } },
])('TRUST_PROXY=$trustProxy', ({ trustProxy, fromProxy, spoofed }) => {
  let started: Awaited<ReturnType<typeof startApp>>;
  beforeAll(async () => {
    started = await startApp(trustProxy);
  });
  afterAll(async () => {
    await started?.app.close();
  });
  const info = async (headers: Record<string, string>) => {
    const res = await request(`${started.url}/test/request-info`, { headers });
    expect(res.status).toBe(200);
    return res.json<{ ip: string; protocol: string }>();
  };

  it('client IP and protocol as the app sees them', async () => {
    expect(await info({})).toEqual(DIRECT);
    expect(await info(FROM_PROXY)).toEqual(fromProxy);
    expect(await info(SPOOFED_THROUGH_PROXY)).toEqual(spoofed);
  });

  it('cookies are Secure and __Host- whatever the request says its protocol is', async () => {
    for (const headers of [{}, FROM_PROXY, { 'x-forwarded-proto': 'http' }]) {
      const login = await request(`${started.url}/auth/login?tenant_name=acme`, { headers });
      expect(login.status).toBe(302);
      expect(login.headers['set-cookie']).toHaveLength(1);
      const [cookie] = login.headers['set-cookie']!;
      expect(cookie).toMatch(/^__Host-wb_login_[A-Za-z0-9_-]+=/);
      expect(cookie.split('; ').slice(1)).toEqual(
        expect.arrayContaining(['HttpOnly', 'Path=/', 'Secure']),
      );
    }
  });
});

describe('a bad HOST, TRUST_PROXY or SHUTDOWN_TIMEOUT_MS stops the app at startup', () => {
  it('one message naming each, with the other variables, and no value', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        ...env(3001, '10.0.0.0/8, 10.0.0.1/40'),
        HOST: 'http://0.0.0.0',
        SHUTDOWN_TIMEOUT_MS: '10s',
        WRISTBAND_CLIENT_ID: '',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'Invalid environment configuration:',
      '  - HOST must be an IP address (e.g. 0.0.0.0) or a host name',
      '  - TRUST_PROXY must be false, true, a hop count or a comma-separated list of IP addresses and CIDR ranges (entry 2 is neither)',
      '  - SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds from 1 to 2147483647',
    ]);
    // The module's own problem, in the same message (its wording is the module's).
    expect(lines.slice(4)).toEqual([expect.stringMatching(/^ {2}- WRISTBAND_CLIENT_ID /)]);
    expect(result.stderr).not.toContain('10.0.0.1/40');
  }, 40_000);
});
