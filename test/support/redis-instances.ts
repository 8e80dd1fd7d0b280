/**
 * Three app instances sharing one Redis or one Redis Cluster (redis-multi-instance.e2e-spec.ts,
 * redis-cluster.e2e-spec.ts): the helpers both specs use, and the cases both must pass.
 */
import { expect, it } from '@jest/globals';
import { CookieJar, CookieSealer, request, type HttpResponse } from 'nestjs-wristband/testing';
import { login, SESSION_SECRET, type TestStack } from './test-stack.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const sleepUntil = (epochMs: number) => sleep(Math.max(0, epochMs - Date.now()));
export const COOKIE = 'wb_session';
const sealer = new CookieSealer([SESSION_SECRET]);

/** What the shared cases need of Redis: a key's existence, a raw SET (the admin client of either kind). */
export interface RedisAdmin {
  exists(key: string): Promise<number>;
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<'OK' | null>;
}

/** `GET /api/me` on instance `i`. */
export function me(stack: TestStack, i: number, jar: CookieJar): Promise<HttpResponse> {
  return request(`${stack.apps[i].url}/api/me`, { jar });
}

/** The session cookie value a jar holds for the apps (all on `localhost`, any port). */
export function sessionCookie(stack: TestStack, jar: CookieJar): string {
  const value = jar.get(`${stack.app.url}/api/me`, COOKIE);
  if (!value) throw new Error('no session cookie in the jar');
  return value;
}

/** The Redis session id inside the jar's sealed cookie. */
export function sessionId(stack: TestStack, jar: CookieJar): string {
  return sealer.unseal<string>('session-id', sessionCookie(stack, jar))!;
}

/** A fresh jar that holds only this session cookie value (to replay it after logout). */
export function jarWith(stack: TestStack, value: string): CookieJar {
  const jar = new CookieJar();
  jar.set(stack.app.url, COOKIE, value);
  return jar;
}

/**
 * The cases every shared store must pass over three instances with 2 s access tokens (a refresh due
 * after 1 s, the token expired after 2 s). `ctx` is read when a case runs (after `beforeAll`).
 */
export function itSharesSessionsAcrossInstances(
  ctx: () => { stack: TestStack; admin: RedisAdmin },
): void {
  it('logout on one instance ends the session on all of them, even for a replayed cookie', async () => {
    const { stack, admin } = ctx();
    const { jar } = await login(stack, stack.apps[0]);
    const value = sessionCookie(stack, jar);
    const id = sessionId(stack, jar);
    expect((await me(stack, 2, jar)).status).toBe(200);

    expect((await request(`${stack.apps[1].url}/auth/logout`, { jar })).status).toBe(302);
    expect(await admin.exists(`wristband:session:${id}`)).toBe(0);
    for (const i of [0, 1, 2]) {
      const res = await me(stack, i, jarWith(stack, value));
      expect(res.status).toBe(401);
      expect(res.json()).toMatchObject({ reason: 'session_invalid' });
    }
  });

  it('50 concurrent requests for one expired session over 3 instances: exactly 1 token call, all 200', async () => {
    const { stack } = ctx();
    const { jar } = await login(stack, stack.apps[0]);
    await sleep(2300); // expired, not only due: every instance has to wait for the refresh
    stack.emulator.resetCalls();

    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => me(stack, i % 3, jar)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(stack.emulator.calls('token', 'refresh_token')).toBe(1);

    // The rotated refresh token was stored: once due again, 9 requests refresh again, once, on any instance.
    const { expiresAt } = (await request(`${stack.apps[1].url}/auth/token`, { jar })).json<{
      expiresAt: number;
    }>();
    expect(expiresAt).toBeGreaterThan(Date.now());
    await sleepUntil(expiresAt + 20);
    const later = await Promise.all(
      Array.from({ length: 9 }, (_, i) => me(stack, (i + 1) % 3, jar)),
    );
    expect(later.map((r) => r.status)).toEqual(Array(9).fill(200));
    expect(stack.emulator.calls('token', 'refresh_token')).toBe(2);
  });

  it('a dead lock holder blocks the session only until its lock expires; then one refresh', async () => {
    const { stack, admin } = ctx();
    const { jar } = await login(stack, stack.apps[0]);
    await sleep(2300);
    stack.emulator.resetCalls();
    // An instance took the lock and died mid-refresh: nobody will release it.
    expect(
      await admin.set(
        `wristband:refresh-lock:${sessionId(stack, jar)}`,
        'dead-holder',
        'PX',
        1500,
        'NX',
      ),
    ).toBe('OK');

    const started = Date.now();
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => me(stack, i % 3, jar)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1300);
    expect(stack.emulator.calls('token', 'refresh_token')).toBe(1);
  });
}
