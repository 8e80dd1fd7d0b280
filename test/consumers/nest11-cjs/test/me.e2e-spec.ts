// The app's own e2e test, written as the README's "Add to your app" shows: the test kit's emulator, a
// logged-in session and a bearer token, against the real app over real HTTP.
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  freePort,
  startWristbandEmulator,
  type WristbandTestEmulator,
} from 'nestjs-wristband/testing';

describe('GET /api/me', () => {
  let wb: WristbandTestEmulator;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://localhost:${port}`;
    wb = await startWristbandEmulator({ appUrls: [url] });
    // AppModule reads the environment when it is imported (`wristbandOptionsFromEnv()`): set it first.
    Object.assign(process.env, wb.env(url));
    // `require`, not `await import()`: with the Nest starter's `"module": "nodenext"`, TypeScript keeps
    // `import()` as a real dynamic import, which Jest's CommonJS runtime cannot run.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { AppModule } = require('../src/app.module') as typeof import('../src/app.module');
    app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(port, '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    await wb?.stop();
  });

  it('answers the logged-in user and their tenant', async () => {
    const { cookie } = await wb.loginSession(url, { email: 'alice@acme.test' });
    const res = await fetch(`${url}/api/me`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ email: 'alice@acme.test', tenantName: 'acme' });
  });

  it('accepts a bearer token', async () => {
    const bob = wb.users.find((u) => u.email === 'bob@acme.test')!;
    const token = await wb.accessToken({ email: bob.email });
    const res = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    // Access tokens carry ids, not the email: the session's userinfo has that.
    expect(await res.json()).toMatchObject({
      userId: bob.id,
      tenantId: wb.tenants.find((t) => t.name === 'acme')!.id,
    });
  });

  it('refuses a user without the admin role', async () => {
    const { cookie } = await wb.loginSession(url, { email: 'bob@acme.test' });
    const res = await fetch(`${url}/api/admin/stats`, { headers: { cookie } });
    expect(res.status).toBe(403);
  });

  it('answers 401 without credentials', async () => {
    const res = await fetch(`${url}/api/me`);
    expect(res.status).toBe(401);
  });
});
