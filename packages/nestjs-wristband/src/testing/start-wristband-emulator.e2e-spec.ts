// The README's "Test your own controller with the kit" is the first describe block of this file.
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module, UseGuards, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CurrentUser,
  WristbandGuard,
  WristbandModule,
  wristbandOptionsFromEnv,
  type WristbandUser,
} from 'nestjs-wristband';
import {
  freePort,
  request,
  startWristbandEmulator,
  type WristbandTestEmulator,
} from 'nestjs-wristband/testing';

@Controller('api')
class MeController {
  @Get('me')
  @UseGuards(WristbandGuard)
  me(@CurrentUser() user: WristbandUser) {
    return {
      userId: user.userId,
      tenantId: user.tenantId,
      tenantName: user.tenantName,
      subKind: user.subKind,
    };
  }
}

describe('GET /api/me', () => {
  let wb: WristbandTestEmulator;
  let app: INestApplication;
  let appUrl: string;

  beforeAll(async () => {
    wb = await startWristbandEmulator();
    const port = await freePort();
    appUrl = `http://localhost:${port}`;
    @Module({
      imports: [WristbandModule.forRoot(wristbandOptionsFromEnv(wb.env(appUrl)))],
      controllers: [MeController],
    })
    class AppModule {}
    app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(port, '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    await wb?.stop();
  });

  it('answers a logged-in user, with their tenant', async () => {
    const { cookie } = await wb.loginSession(appUrl, { email: 'alice@acme.test' });
    const res = await fetch(`${appUrl}/api/me`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      userId: wb.emulator.user('alice@acme.test').id,
      tenantName: 'acme',
    });
  });

  it('answers a bearer token of a user', async () => {
    const token = await wb.accessToken({ email: 'bob@acme.test' });
    const res = await fetch(`${appUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      userId: wb.emulator.user('bob@acme.test').id,
      subKind: 'user',
    });
  });

  it('answers a bearer token of a machine client', async () => {
    const res = await fetch(`${appUrl}/api/me`, {
      headers: { authorization: `Bearer ${await wb.clientAccessToken()}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ userId: wb.clientId, subKind: 'client' });
  });

  it('refuses a request without credentials', async () => {
    expect((await fetch(`${appUrl}/api/me`)).status).toBe(401);
  });
});

describe('startWristbandEmulator', () => {
  it('gives the app exactly the variables wristbandOptionsFromEnv reads, with a fresh session secret', async () => {
    const [a, b] = await Promise.all([startWristbandEmulator(), startWristbandEmulator()]);
    try {
      const env = a.env('http://localhost:4000/');
      expect(env).toEqual({
        WRISTBAND_APPLICATION_VANITY_DOMAIN: a.vanityDomain,
        WRISTBAND_CLIENT_ID: a.clientId,
        WRISTBAND_CLIENT_SECRET: a.clientSecret,
        WRISTBAND_CALLBACK_URL: 'http://localhost:4000/auth/callback',
        WRISTBAND_LOGIN_URL: 'http://localhost:4000/auth/login',
        WRISTBAND_IS_APPLICATION_CUSTOM_DOMAIN_ACTIVE: 'true',
        WRISTBAND_DANGEROUSLY_ALLOW_HTTP: 'true',
        SESSION_SECRETS: expect.stringMatching(/^[A-Za-z0-9_-]{48}$/),
      });
      expect(b.env('http://localhost:4000').SESSION_SECRETS).not.toBe(env.SESSION_SECRETS);
      expect(wristbandOptionsFromEnv(env)).toMatchObject({
        applicationVanityDomain: a.vanityDomain,
        clientId: a.clientId,
      });
      expect(a.emulator.client().redirectUris).toEqual(['http://localhost:4000/auth/callback']);
      expect(() => a.env('localhost:4000')).toThrow(/an app URL is http\(s\):\/\/host/);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('replaces the seed with the tenants and users given, roles named as Wristband names them', async () => {
    const wb = await startWristbandEmulator({
      seed: 'replace',
      tenants: [{ name: 'umbrella', displayName: 'Umbrella Corp' }],
      users: [{ email: 'Erin@Umbrella.test', tenant: 'umbrella', roles: ['admin', 'auditor'] }],
      accessTokenTtlSeconds: 60,
    });
    try {
      expect(wb.tenants.map((t) => t.name)).toEqual(['umbrella']);
      expect(wb.users.map((u) => u.email)).toEqual(['erin@umbrella.test']);
      const token = await wb.accessToken({ email: 'erin@umbrella.test' });
      const info = (
        await request(`${wb.issuer}/api/v1/oauth2/userinfo`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json();
      expect(info).toMatchObject({
        tnt_name: 'umbrella',
        email: 'erin@umbrella.test',
        sub: wb.users[0].id,
      });
      expect(info.roles.map((r: { name: string }) => r.name)).toEqual([
        'app:invotastic:admin',
        'app:invotastic:auditor',
      ]);
      const { exp, iat } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
      expect(exp - iat).toBe(60);
      await expect(wb.accessToken({ email: 'alice@acme.test' })).rejects.toMatchObject({
        code: 'not_found',
      });
      await expect(
        wb.accessToken({ email: 'erin@umbrella.test', password: 'wrong' }),
      ).rejects.toMatchObject({ code: 'login_refused' });
    } finally {
      await wb.stop();
    }
  });

  it('extends the seed by default and refuses a user of an unknown tenant', async () => {
    await expect(
      startWristbandEmulator({ users: [{ email: 'zed@nowhere.test', tenant: 'nowhere' }] }),
    ).rejects.toMatchObject({
      code: 'invalid_option',
      message: expect.stringContaining('unknown tenant "nowhere"'),
    });
    const wb = await startWristbandEmulator({
      users: [{ email: 'zoe@globex.test', tenant: 'globex' }],
    });
    try {
      expect(wb.users.map((u) => u.email)).toEqual([
        'alice@acme.test',
        'bob@acme.test',
        'carol@globex.test',
        'dave@initech.test',
        'zoe@globex.test',
      ]);
    } finally {
      await wb.stop();
    }
  });

  it('logs in to an app with its own auth route prefix and CSRF cookie name', async () => {
    const wb = await startWristbandEmulator();
    const port = await freePort();
    const url = `http://localhost:${port}`;
    const env = wb.env(url, { authRoutePrefix: 'account' });
    let app: INestApplication | undefined;
    try {
      expect(env.WRISTBAND_CALLBACK_URL).toBe(`${url}/account/callback`);
      @Module({
        imports: [
          WristbandModule.forRoot({
            applicationVanityDomain: wb.vanityDomain,
            clientId: wb.clientId,
            clientSecret: wb.clientSecret,
            callbackUrl: env.WRISTBAND_CALLBACK_URL,
            loginUrl: env.WRISTBAND_LOGIN_URL,
            isApplicationCustomDomainActive: true,
            dangerouslyAllowHttp: true,
            sessionSecrets: [env.SESSION_SECRETS],
            authRoutePrefix: 'account',
            session: { csrfCookieName: 'XSRF-TOKEN' },
          }),
        ],
        controllers: [MeController],
      })
      class PrefixedAppModule {}
      app = await NestFactory.create(PrefixedAppModule, { logger: false });
      await app.listen(port, '127.0.0.1');
      const { cookie, csrfToken } = await wb.loginSession(url, {
        email: 'carol@globex.test',
        authRoutePrefix: 'account',
        csrfCookieName: 'XSRF-TOKEN',
      });
      expect(cookie).toContain(`XSRF-TOKEN=${csrfToken}`);
      const res = await request(`${url}/api/me`, { headers: { cookie } });
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ tenantName: 'globex' });
    } finally {
      await app?.close();
      await wb.stop();
    }
  });

  it('setClientSecrets: an app on a secret file logs users in across a rotation, without a restart', async () => {
    const wb = await startWristbandEmulator();
    const dir = mkdtempSync(join(tmpdir(), 'wb-kit-secret-'));
    const file = join(dir, 'client-secret');
    const old = wb.clientSecret;
    writeFileSync(file, `${old}\n`);
    const port = await freePort();
    const url = `http://localhost:${port}`;
    const env = { ...wb.env(url), WRISTBAND_CLIENT_SECRET: '', WRISTBAND_CLIENT_SECRET_FILE: file };
    @Module({
      imports: [WristbandModule.forRoot(wristbandOptionsFromEnv(env))],
      controllers: [MeController],
    })
    class RotatingApp {}
    const app = await NestFactory.create(RotatingApp, { logger: false });
    await app.listen(port, '127.0.0.1');
    const loggedIn = async () => {
      const { cookie } = await wb.loginSession(url, { email: 'alice@acme.test' });
      return (await fetch(`${url}/api/me`, { headers: { cookie } })).status;
    };
    try {
      expect(await loggedIn()).toBe(200);
      wb.setClientSecrets([old, 'the-new-client-secret-0123456789']);
      expect(wb.clientSecret).toBe(old);
      writeFileSync(file, 'the-new-client-secret-0123456789\n');
      wb.setClientSecrets(['the-new-client-secret-0123456789']);
      expect(wb.clientSecret).toBe('the-new-client-secret-0123456789');
      expect(await loggedIn()).toBe(200);
      expect(wb.emulator.calls('token', 'authorization_code')).toBe(3); // the rejected one sent again once
    } finally {
      await app.close();
      await wb.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stop() frees the port', async () => {
    const wb = await startWristbandEmulator();
    const port = Number(new URL(wb.issuer).port);
    await wb.stop();
    const server = createServer();
    await new Promise<void>((resolve, reject) =>
      server.once('error', reject).listen(port, '127.0.0.1', resolve),
    );
    await new Promise((resolve) => server.close(resolve));
  });
});
