import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { AppModule } from '../src/app.module.js';
import { loadAppConfig } from '../src/config/app.config.js';
import { freePort, request } from 'nestjs-wristband/testing';
import { createTestHttpApp } from './support/http-adapter.js';

/** Runs the real entry point (through tsx) with a given environment and returns its exit and stderr. */
function start(env: Record<string, string>) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
    cwd: process.cwd(),
  });
  return { status: result.status, stderr: result.stderr };
}

describe('configuration errors stop the app at startup', () => {
  it('names every bad variable in one message, prints no secret, exits non-zero', () => {
    const { status, stderr } = start({
      PORT: 'http',
      WRISTBAND_CLIENT_SECRET: 'top-secret-client-secret-value',
      SESSION_SECRETS: 'too-short-secret',
      WRISTBAND_DANGEROUSLY_ALLOW_HTTP: 'true',
      NODE_ENV: 'production',
    });
    expect(status).toBe(1);
    for (const name of [
      'PORT',
      'WRISTBAND_APPLICATION_VANITY_DOMAIN',
      'WRISTBAND_CLIENT_ID',
      'SESSION_SECRETS',
      'WRISTBAND_DANGEROUSLY_ALLOW_HTTP',
    ]) {
      expect(stderr).toContain(name);
    }
    expect(stderr).not.toContain('top-secret-client-secret-value');
    expect(stderr).not.toContain('too-short-secret');
    expect(stderr.match(/Invalid environment configuration/g)).toHaveLength(1);
  }, 40_000);
});

describe('.env.example as shipped starts the app', () => {
  /** The file's values. The three left empty are the ones each developer fills in from the Wristband dashboard. */
  const example = parseEnv(readFileSync('.env.example', 'utf8')) as Record<string, string>;
  const filledIn = {
    WRISTBAND_CLIENT_ID: 'client-from-the-dashboard',
    WRISTBAND_CLIENT_SECRET: 'secret-from-the-dashboard-0123456789',
    SESSION_SECRETS: 'a-fresh-session-secret-0123456789-abcdefghij',
  };

  it('leaves exactly the credentials and the session secret to fill in, and no dangerous flag on', () => {
    expect(
      Object.keys(example)
        .filter((name) => example[name] === '')
        .sort(),
    ).toEqual(Object.keys(filledIn).sort());
    expect(example).toMatchObject({
      WRISTBAND_CALLBACK_URL: 'http://localhost:3001/auth/callback',
      WRISTBAND_LOGIN_URL: 'http://localhost:3001/auth/login',
      WRISTBAND_DANGEROUSLY_ALLOW_HTTP: 'false',
    });
  });

  it('with those filled in, the app starts; Wristband URLs are https and cookies Secure and __Host- prefixed', async () => {
    const env = { ...example, ...filledIn };
    expect(loadAppConfig(env).port).toBe(3001);
    // As src/main.ts does, in process: tsx (which runs main.ts directly) emits no decorator metadata, ts-jest does.
    // Only the listening port differs from the file (3001 may be taken on a test machine); URLs keep :3001.
    const app = await createTestHttpApp(AppModule.forRoot({ env }), { env });
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    try {
      const vanity = example.WRISTBAND_APPLICATION_VANITY_DOMAIN;
      const login = await request(`http://localhost:${port}/auth/login?tenant_name=x`);
      expect(login.status).toBe(302);
      const authorize = new URL(login.location!);
      expect(authorize.origin).toBe(`https://x-${vanity}`);
      expect(authorize.pathname).toBe('/api/v1/oauth2/authorize');
      expect(authorize.searchParams.get('redirect_uri')).toBe(
        'http://localhost:3001/auth/callback',
      );
      const cookies = login.headers['set-cookie'] ?? [];
      expect(cookies).toHaveLength(1);
      expect(cookies[0]).toMatch(/^__Host-wb_login_[A-Za-z0-9_-]+=/);
      expect(cookies[0].split('; ').slice(1)).toEqual(
        expect.arrayContaining(['HttpOnly', 'Path=/', 'Secure']),
      );
      expect(cookies[0]).not.toMatch(/Domain=/i);

      // Tenant discovery goes to Wristband's application login page, over https too.
      const discovery = await request(`http://localhost:${port}/auth/login`);
      expect(discovery.location).toBe(
        `https://${vanity}/login?client_id=${filledIn.WRISTBAND_CLIENT_ID}`,
      );
    } finally {
      await app.close();
    }
  });
});
