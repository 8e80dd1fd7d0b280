import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import * as jose from 'jose';

import { startEmulator, type WristbandEmulator } from './wristband-emulator.js';
import { APPLICATION, ROLES } from './seed.js';
import { basicAuth, request } from '../http-client.js';
import { WristbandEmulatorError } from './emulator.error.js';
import {
  decodeJwt,
  exchange,
  login,
  refresh,
  tokenRequest,
  userinfo,
  type TokenResponse,
} from '../../../test/emulator-helpers.js';

async function verify(emu: WristbandEmulator, jwt: string) {
  const jwks = jose.createLocalJWKSet((await request(`${emu.url}/api/v1/oauth2/jwks`)).json());
  return jose.jwtVerify(jwt, jwks, { issuer: emu.issuer, algorithms: ['RS256'] });
}

describe('Wristband emulator: faults, counting, keys, minted tokens', () => {
  let emu: WristbandEmulator;

  beforeAll(async () => {
    emu = await startEmulator({ accessTokenTtlSeconds: 300 });
  });
  afterAll(async () => {
    await emu?.close();
  });
  beforeEach(() => {
    emu.clearFaults();
    emu.resetCalls();
  });

  it('counts calls per endpoint and grant type', async () => {
    const tokens = await exchange(emu, await login(emu));
    await refresh(emu, tokens.refresh_token!);
    await userinfo(emu, tokens.access_token);
    await request(`${emu.url}/api/v1/oauth2/jwks`);
    expect(emu.calls('authorize')).toBe(1);
    expect(emu.calls('token')).toBe(2);
    expect(emu.calls('token', 'authorization_code')).toBe(1);
    expect(emu.calls('token', 'refresh_token')).toBe(1);
    expect(emu.calls('userinfo')).toBe(1);
    expect(emu.calls('jwks')).toBe(1);
    expect(emu.calls('revoke')).toBe(0);
    emu.resetCalls();
    expect(emu.calls('token')).toBe(0);
  });

  it('injects a 503 once on refresh, then serves normally', async () => {
    const tokens = await exchange(emu, await login(emu));
    emu.injectFault({
      endpoint: 'token',
      grantType: 'refresh_token',
      status: 503,
      headers: { 'retry-after': '1' },
    });
    const failed = await refresh(emu, tokens.refresh_token!);
    expect(failed.status).toBe(503);
    expect(failed.headers['retry-after']).toBe('1');
    expect(failed.json()).toMatchObject({ error: 'server_error' });
    const ok = await refresh(emu, tokens.refresh_token!); // the faulted request never reached the provider
    expect(ok.status).toBe(200);
    expect(emu.calls('token', 'refresh_token')).toBe(2);
  });

  it('applies faults in order, with custom bodies, times and delays', async () => {
    emu.injectFault({ endpoint: 'userinfo', status: 500, body: 'boom', times: 2 });
    emu.injectFault({ endpoint: 'userinfo', status: 429, body: { error: 'slow_down' } });
    const token = await emu.mintAccessToken();
    const a = await userinfo(emu, token);
    const b = await userinfo(emu, token);
    const c = await userinfo(emu, token);
    const d = await userinfo(emu, token);
    expect([a.status, b.status, c.status, d.status]).toEqual([500, 500, 429, 200]);
    expect(a.text).toBe('boom');
    expect(c.json()).toEqual({ error: 'slow_down' });

    emu.injectFault({ endpoint: 'jwks', delayMs: 150 });
    const t0 = Date.now();
    const slow = await request(`${emu.url}/api/v1/oauth2/jwks`);
    expect(slow.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);

    emu.injectFault({ endpoint: 'revoke', status: 503, times: Infinity });
    for (let i = 0; i < 3; i += 1) {
      expect(
        (
          await request(`${emu.url}/api/v1/oauth2/revoke`, {
            method: 'POST',
            body: new URLSearchParams({ token: 'x' }),
          })
        ).status,
      ).toBe(503);
    }
    emu.clearFaults();
    const unauthenticated = await request(`${emu.url}/api/v1/oauth2/revoke`, {
      method: 'POST',
      body: new URLSearchParams({ token: 'x' }),
    });
    expect(unauthenticated.status).toBe(400); // oidc-provider: invalid_request, no client authentication
    expect(unauthenticated.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('rotateKeys: new kid; old key kept in JWKS by default, dropped with keepOld=false', async () => {
    const before = await exchange(emu, await login(emu));
    const oldKid = emu.currentKid;
    await emu.rotateKeys();
    expect(emu.currentKid).not.toBe(oldKid);
    expect(emu.jwks().keys.map((k) => k.kid)).toEqual([emu.currentKid, oldKid]);
    const served = (await request(`${emu.url}/api/v1/oauth2/jwks`)).json<{ keys: jose.JWK[] }>();
    expect(served.keys.map((k) => k.kid)).toEqual([emu.currentKid, oldKid]);
    expect(served.keys.every((k) => k.kty === 'RSA' && !('d' in k))).toBe(true);

    // Existing sessions and refresh tokens survive the rotation; new tokens use the new key.
    const r = await refresh(emu, before.refresh_token!);
    expect(r.status).toBe(200);
    const after = r.json<TokenResponse>();
    expect(decodeJwt(after.access_token).header.kid).toBe(emu.currentKid);
    expect(decodeJwt(after.id_token!).header.kid).toBe(emu.currentKid);
    await verify(emu, after.access_token);
    await verify(emu, before.access_token);
    expect((await userinfo(emu, before.access_token)).status).toBe(200);

    await emu.rotateKeys({ keepOld: false });
    expect(emu.jwks().keys).toHaveLength(1);
    await expect(verify(emu, after.access_token)).rejects.toThrow();
    expect((await userinfo(emu, after.access_token)).status).toBe(401);
    // A fresh login works with the new key.
    const fresh = await exchange(emu, await login(emu));
    await verify(emu, fresh.access_token);
  });

  it('mintAccessToken: valid by default, and the usual forgeries', async () => {
    const good = await emu.mintAccessToken();
    const { payload, protectedHeader } = await verify(emu, good);
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'at+JWT', kid: emu.currentKid });
    expect(payload).toMatchObject({
      iss: emu.issuer,
      sub: emu.user('alice@acme.test').id,
      sub_kind: 'user',
      tnt_id: emu.tenant('acme').id,
      app_id: APPLICATION.id,
      van_dom: emu.vanityDomain,
    });
    expect(payload).not.toHaveProperty('aud');
    expect(Number(payload.exp) - Number(payload.iat)).toBe(300);
    expect((await userinfo(emu, good)).status).toBe(200);

    const custom = await emu.mintAccessToken({
      claims: { tnt_id: 'other', extra: 1 },
      omit: ['exp'],
    });
    expect(decodeJwt(custom).payload).toMatchObject({ tnt_id: 'other', extra: 1 });
    expect(decodeJwt(custom).payload).not.toHaveProperty('exp');

    const foreign = await emu.mintAccessToken({ key: 'foreign' });
    expect(decodeJwt(foreign).header.kid).toBe(emu.currentKid);
    await expect(verify(emu, foreign)).rejects.toThrow(/signature/);
    expect((await userinfo(emu, foreign)).status).toBe(401);

    const hmac = await emu.mintAccessToken({ alg: 'HS256', key: 'public-key-as-hmac' });
    expect(decodeJwt(hmac).header.alg).toBe('HS256');
    await expect(verify(emu, hmac)).rejects.toThrow();

    const none = await emu.mintAccessToken({ alg: 'none' });
    expect(none.endsWith('.')).toBe(true);
    expect(decodeJwt(none).header.alg).toBe('none');
    expect((await userinfo(emu, none)).status).toBe(401);

    const es = await emu.mintAccessToken({ alg: 'ES256', kid: 'unknown-kid' });
    expect(decodeJwt(es).header).toMatchObject({ alg: 'ES256', kid: 'unknown-kid' });
    await expect(verify(emu, es)).rejects.toThrow();

    const expired = await emu.mintAccessToken({ expiresInSeconds: -60 });
    await expect(verify(emu, expired)).rejects.toThrow(/exp/);

    const machine = await emu.mintAccessToken({ claims: { sub_kind: 'client' } });
    expect(decodeJwt(machine).payload).toMatchObject({
      sub_kind: 'client',
      sub: emu.client().clientId,
    });
    expect(decodeJwt(machine).payload).not.toHaveProperty('idp_name');
  });

  it('a hung request is released by close(), and close() is idempotent', async () => {
    const other = await startEmulator();
    other.injectFault({ endpoint: 'jwks', hang: true });
    const pending = request(`${other.url}/api/v1/oauth2/jwks`);
    const settled = pending.then(
      () => 'resolved',
      () => 'rejected',
    );
    await new Promise((r) => setTimeout(r, 100));
    await other.close();
    expect(await settled).toBe('rejected');
    await other.close();
  });

  it('token exchange still works when authorize comes from a second client', async () => {
    const two = await startEmulator({
      accessTokenRoles: true,
      clients: [
        {
          clientId: 'app-a',
          clientSecret: 'secret-a-0123456789abcdef',
          redirectUris: ['http://127.0.0.1:4000/cb'],
          loginUrl: 'http://127.0.0.1:4000/login',
        },
        {
          clientId: 'app-b',
          clientSecret: 'secret-b-0123456789abcdef',
          redirectUris: ['http://127.0.0.1:4001/cb'],
        },
      ],
    });
    try {
      const l = await login(two, { email: 'carol@globex.test' });
      expect(l.location.origin).toBe('http://127.0.0.1:4000');
      expect(l.location.searchParams.get('tenant_name')).toBe('globex');
      const res = await tokenRequest(two, {
        grant_type: 'authorization_code',
        code: l.code,
        redirect_uri: 'http://127.0.0.1:4000/cb',
        code_verifier: l.verifier,
      });
      expect(res.status).toBe(200);
      const at = decodeJwt(res.json<TokenResponse>().access_token).payload;
      expect(at.roles).toEqual([ROLES.admin]);
      expect(at.client_id).toBe('app-a');
      // app-b has no login URL: logout falls back to the application login page.
      const out = await request(`${two.tenantUrl('globex')}/api/v1/logout?client_id=app-b`);
      expect(out.location).toBe(`${two.url}/login?client_id=app-b`);
      expect(
        (await request(`${two.url}/api/v1/clients/app-b/sdk-configuration`)).json(),
      ).toMatchObject({ loginUrl: null });
    } finally {
      await two.close();
    }
  });

  it('setClientSecrets: every listed secret authenticates; a removed one is refused like a wrong one, on token and revoke', async () => {
    const client = emu.client();
    const original = client.clientSecret;
    const rotated = 'rotated-client-secret-0123456789';
    const post = (path: string, secret: string, form: Record<string, string>) =>
      request(`${emu.url}/api/v1/oauth2/${path}`, {
        method: 'POST',
        headers: { authorization: basicAuth(client.clientId, secret) },
        body: new URLSearchParams(form),
      });
    try {
      const tokens = await exchange(emu, await login(emu));
      emu.setClientSecrets(client.clientId, [original, rotated]);
      for (const secret of [original, rotated]) {
        const res = await post('token', secret, {
          grant_type: 'refresh_token',
          refresh_token: 'x',
        });
        expect([res.status, res.json<{ error: string }>().error]).toEqual([400, 'invalid_grant']);
      }

      emu.setClientSecrets(client.clientId, [rotated]);
      expect(emu.client().clientSecret).toBe(rotated);
      const grant = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! };
      const removed = await post('token', original, grant);
      const wrong = await post('token', 'never-a-secret-of-this-client', grant);
      expect(removed.status).toBe(401);
      expect(removed.json()).toEqual({
        error: 'invalid_client',
        error_description: 'client authentication failed',
      });
      expect(removed.json()).toEqual(wrong.json());
      expect(removed.headers['www-authenticate']).toBe(wrong.headers['www-authenticate']);
      // The refused call used nothing up: the refresh token still works with the new secret.
      expect((await refresh(emu, tokens.refresh_token!)).status).toBe(200);

      // Revocation: of an opaque token (oidc-provider) and of a JWT access token (the emulator's route).
      for (const token of ['an-opaque-refresh-token', tokens.access_token]) {
        const refused = await post('revoke', original, { token });
        expect([refused.status, refused.json<{ error: string }>().error]).toEqual([
          401,
          'invalid_client',
        ]);
        expect((await post('revoke', rotated, { token })).status).toBe(200);
      }
      expect(() => emu.setClientSecrets(client.clientId, [])).toThrow(WristbandEmulatorError);
    } finally {
      emu.setClientSecrets(client.clientId, [original]);
    }
  });

  it('listens on ::1 as well when the host has IPv6 loopback', async () => {
    const res = await new Promise<number | 'no-ipv6'>((resolve) => {
      fetch(`http://[::1]:${emu.port}/api/v1/oauth2/jwks`)
        .then((r) => resolve(r.status))
        .catch(() => resolve('no-ipv6'));
    });
    expect([200, 'no-ipv6']).toContain(res);
  });
});
