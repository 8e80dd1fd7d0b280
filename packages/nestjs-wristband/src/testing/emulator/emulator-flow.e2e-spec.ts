import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as jose from 'jose';

import { startEmulator, type WristbandEmulator } from './wristband-emulator.js';
import { APPLICATION, DEFAULT_CLIENT, IDP_NAME, ROLES, SEED_PASSWORD } from './seed.js';
import { CookieJar, basicAuth, request } from '../http-client.js';
import {
  DEFAULT_SCOPE,
  authorizeUrl,
  decodeJwt,
  exchange,
  login,
  pkce,
  refresh,
  sleep,
  tokenRequest,
  userinfo,
  type TokenResponse,
} from '../../../test/emulator-helpers.js';

describe('Wristband emulator: authorization code flow', () => {
  let emu: WristbandEmulator;

  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('serves issuer, vanity domain and tenant URLs on localhost', () => {
    expect(emu.issuer).toBe(`http://localhost:${emu.port}`);
    expect(emu.vanityDomain).toBe(`localhost:${emu.port}`);
    expect(emu.tenantUrl('acme')).toBe(`http://acme.localhost:${emu.port}`);
  });

  it('is reachable with Node fetch on http://localhost:PORT', async () => {
    const res = await fetch(`${emu.url}/api/v1/oauth2/jwks`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { keys: unknown[] }).keys).toHaveLength(1);
  });

  it('runs the full flow: PKCE login, Basic token exchange, userinfo, rotating refresh, reuse detection', async () => {
    const l = await login(emu, { email: 'alice@acme.test' });
    expect(l.location.origin + l.location.pathname).toBe(DEFAULT_CLIENT.redirectUris[0]);
    expect(l.location.searchParams.get('state')).toBe(l.state);
    expect(l.location.searchParams.get('tenant_name')).toBe('acme');
    expect(l.location.searchParams.has('iss')).toBe(false);

    const tokens = await exchange(emu, l);
    expect(tokens).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 1800,
      id_token: expect.any(String),
      refresh_token: expect.any(String),
      scope: expect.any(String),
    });
    // Wristband answers the scope it granted, offline_access included (oidc-provider drops it by default).
    expect(tokens.scope!.split(' ').sort()).toEqual(DEFAULT_SCOPE.split(' ').sort());

    // Access token: Wristband shape, verifiable with the served JWKS.
    const { header, payload } = decodeJwt(tokens.access_token);
    expect(header).toEqual({ alg: 'RS256', typ: 'at+JWT', kid: emu.currentKid });
    const alice = emu.user('alice@acme.test');
    expect(payload).toMatchObject({
      iss: emu.issuer,
      sub: alice.id,
      sub_kind: 'user',
      client_id: DEFAULT_CLIENT.clientId,
      tnt_id: emu.tenant('acme').id,
      app_id: APPLICATION.id,
      idp_name: IDP_NAME,
      van_dom: emu.vanityDomain,
      amr: ['pwd'],
      auth_time: expect.any(Number),
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.any(String),
    });
    expect(payload).not.toHaveProperty('aud');
    expect(payload).not.toHaveProperty('roles');
    expect(String(payload.scope).split(' ').sort()).toEqual(DEFAULT_SCOPE.split(' ').sort());
    expect(Number(payload.exp) - Number(payload.iat)).toBe(1800);

    const jwksRes = await request(`${emu.url}/api/v1/oauth2/jwks`);
    const jwks = jose.createLocalJWKSet(jwksRes.json());
    const verified = await jose.jwtVerify(tokens.access_token, jwks, {
      issuer: emu.issuer,
      algorithms: ['RS256'],
      typ: 'at+jwt',
    });
    expect(verified.payload.sub).toBe(alice.id);

    // ID token: aud = client id, nonce, Wristband claims.
    const id = await jose.jwtVerify(tokens.id_token!, jwks, {
      issuer: emu.issuer,
      audience: DEFAULT_CLIENT.clientId,
    });
    expect(id.payload).toMatchObject({
      nonce: l.nonce,
      sub: alice.id,
      tnt_id: emu.tenant('acme').id,
      app_id: APPLICATION.id,
      idp_name: IDP_NAME,
      email: 'alice@acme.test',
    });

    // Userinfo: Wristband claims.
    const ui = await userinfo(emu, tokens.access_token);
    expect(ui.status).toBe(200);
    expect(ui.json()).toMatchObject({
      sub: alice.id,
      tnt_id: emu.tenant('acme').id,
      tnt_name: 'acme',
      app_id: APPLICATION.id,
      app_name: 'invotastic',
      idp_name: IDP_NAME,
      email: 'alice@acme.test',
      email_verified: true,
      name: 'Alice Anderson',
      given_name: 'Alice',
      family_name: 'Anderson',
      preferred_username: 'alice',
      locale: 'en-US',
      updated_at: expect.any(Number),
      roles: [ROLES.admin, ROLES.billing],
      custom_claims: { plan: 'enterprise', seats: 25 },
    });

    // Refresh with rotation: a new refresh token, the old one is dead.
    const r1 = await refresh(emu, tokens.refresh_token!);
    expect(r1.status).toBe(200);
    const t1 = r1.json<TokenResponse>();
    expect(t1.refresh_token).toEqual(expect.any(String));
    expect(t1.refresh_token).not.toBe(tokens.refresh_token);
    expect(t1.scope!.split(' ').sort()).toEqual(DEFAULT_SCOPE.split(' ').sort());
    expect(String(decodeJwt(t1.access_token).payload.scope).split(' ').sort()).toEqual(
      DEFAULT_SCOPE.split(' ').sort(),
    );
    expect(decodeJwt(t1.access_token).payload).toMatchObject({
      tnt_id: emu.tenant('acme').id,
      amr: ['pwd'],
    });
    expect((await userinfo(emu, t1.access_token)).status).toBe(200);

    // Reusing the rotated refresh token revokes the whole grant.
    const reuse = await refresh(emu, tokens.refresh_token!);
    expect(reuse.status).toBe(400);
    expect(reuse.json()).toMatchObject({ error: 'invalid_grant' });
    const after = await refresh(emu, t1.refresh_token!);
    expect(after.status).toBe(400);
    expect(after.json()).toMatchObject({ error: 'invalid_grant' });
    const ui2 = await userinfo(emu, t1.access_token);
    expect(ui2.status).toBe(401);
    expect(ui2.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/);
  });

  it('revocation of the refresh token ends the grant', async () => {
    const tokens = await exchange(emu, await login(emu, { email: 'bob@acme.test' }));
    const client = emu.client();
    const rev = await request(`${emu.url}/api/v1/oauth2/revoke`, {
      method: 'POST',
      headers: { authorization: basicAuth(client.clientId, client.clientSecret) },
      body: new URLSearchParams({ token: tokens.refresh_token!, token_type_hint: 'refresh_token' }),
    });
    expect(rev.status).toBe(200);
    expect(rev.text).toBe('');
    const r = await refresh(emu, tokens.refresh_token!);
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await userinfo(emu, tokens.access_token)).status).toBe(401);
  });

  it('revocation of a JWT access token makes userinfo refuse it', async () => {
    const tokens = await exchange(emu, await login(emu, { email: 'bob@acme.test' }));
    const client = emu.client();
    const rev = await request(`${emu.url}/api/v1/oauth2/revoke`, {
      method: 'POST',
      headers: { authorization: basicAuth(client.clientId, client.clientSecret) },
      body: new URLSearchParams({ token: tokens.access_token }),
    });
    expect(rev.status).toBe(200);
    expect((await userinfo(emu, tokens.access_token)).status).toBe(401);
    expect((await refresh(emu, tokens.refresh_token!)).status).toBe(200);
  });

  it('returns roles per user and no refresh token without offline_access', async () => {
    const tokens = await exchange(
      emu,
      await login(emu, { email: 'dave@initech.test', scope: 'openid email roles' }),
    );
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.scope!.split(' ').sort()).toEqual(['email', 'openid', 'roles']);
    const claims = (await userinfo(emu, tokens.access_token)).json();
    expect(claims).toMatchObject({ tnt_name: 'initech', roles: [], email_verified: false });
    expect(claims).not.toHaveProperty('given_name');
    expect(claims).not.toHaveProperty('custom_claims');
  });

  it('rejects client_secret_post and wrong secrets', async () => {
    const l = await login(emu);
    const client = emu.client();
    const post = await request(`${emu.url}/api/v1/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: l.code,
        redirect_uri: client.redirectUris[0],
        code_verifier: l.verifier,
        client_id: client.clientId,
        client_secret: client.clientSecret,
      }),
    });
    expect(post.status).toBe(401);
    expect(post.json()).toMatchObject({ error: 'invalid_client' });
    const wrong = await request(`${emu.url}/api/v1/oauth2/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(client.clientId, 'nope') },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x' }),
    });
    expect(wrong.status).toBe(401);
  });

  it('requires PKCE S256 and checks the verifier', async () => {
    const noPkce = await request(authorizeUrl(emu, { challenge: null, state: 's-nopkce' }));
    expect(noPkce.status).toBe(303);
    const loc = new URL(noPkce.location!);
    expect(loc.searchParams.get('error')).toBe('invalid_request');
    expect(loc.searchParams.get('state')).toBe('s-nopkce');
    expect(loc.searchParams.has('tenant_name')).toBe(false);

    const l = await login(emu);
    const bad = await tokenRequest(emu, {
      grant_type: 'authorization_code',
      code: l.code,
      redirect_uri: emu.client().redirectUris[0],
      code_verifier: pkce().verifier,
    });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a user of another tenant and a wrong password (form again, never a 500)', async () => {
    await expect(
      emu.authorizeViaForm(authorizeUrl(emu, { tenant: 'acme' }), {
        username: 'carol@globex.test',
        password: SEED_PASSWORD,
      }),
    ).rejects.toThrow(/login refused \(HTTP 401\)/);
    await expect(
      emu.authorizeViaForm(authorizeUrl(emu, { tenant: 'globex' }), {
        username: 'carol@globex.test',
        password: 'wrong',
      }),
    ).rejects.toThrow(/login refused/);
  });

  it('prefills login_hint, keeps the login on the tenant host', async () => {
    const jar = new CookieJar();
    const first = await request(
      authorizeUrl(emu, { tenant: 'globex', loginHint: 'carol@globex.test' }),
      { jar },
    );
    expect(first.status).toBe(303);
    expect(new URL(first.location!).host).toBe(`globex.localhost:${emu.port}`);
    const form = await request(first.location!, { jar });
    expect(form.status).toBe(200);
    expect(form.text).toContain('name="username"');
    expect(form.text).toContain('name="password"');
    expect(form.text).toContain('id="login-submit"');
    expect(form.text).toContain('value="carol@globex.test"');
  });

  it('prompt=none: login_required without a session, a code with one', async () => {
    const none = await request(authorizeUrl(emu, { prompt: 'none', state: 'st-none' }));
    const loc = new URL(none.location!);
    expect(loc.searchParams.get('error')).toBe('login_required');
    expect(loc.searchParams.get('state')).toBe('st-none');
    expect(loc.searchParams.get('error_description')).toEqual(expect.any(String));

    const l = await login(emu);
    const silent = new URL(
      await emu.authorizeViaForm(
        authorizeUrl(emu, { prompt: 'none' }),
        { username: '', password: '' },
        l.jar,
      ),
    );
    expect(silent.searchParams.get('code')).toEqual(expect.any(String));
    expect(silent.searchParams.get('tenant_name')).toBe('acme');

    // The session is bound to the tenant host: globex has none.
    const other = new URL(
      await emu.authorizeViaForm(
        authorizeUrl(emu, { tenant: 'globex', prompt: 'none' }),
        { username: '', password: '' },
        l.jar,
      ),
    );
    expect(other.searchParams.get('error')).toBe('login_required');
  });

  it('rejects authorize on the vanity host and unknown tenants', async () => {
    const u = new URL(authorizeUrl(emu));
    u.host = emu.vanityDomain;
    expect((await request(u.href)).status).toBe(400);
    expect((await request(authorizeUrl(emu, { tenant: 'nosuchtenant' }))).status).toBe(404);
  });

  it('logout ends the tenant session and redirects (login URL, redirect_url, state)', async () => {
    const l = await login(emu);
    const client = emu.client();
    const out = await request(
      `${emu.tenantUrl('acme')}/api/v1/logout?client_id=${client.clientId}`,
      { jar: l.jar },
    );
    expect(out.status).toBe(302);
    expect(out.location).toBe(`${client.loginUrl}?tenant_name=acme`);
    const none = new URL(
      await emu.authorizeViaForm(
        authorizeUrl(emu, { prompt: 'none' }),
        { username: '', password: '' },
        l.jar,
      ),
    );
    expect(none.searchParams.get('error')).toBe('login_required');

    const target = 'http://localhost:3001/goodbye';
    const withUrl = await request(
      `${emu.tenantUrl('acme')}/api/v1/logout?client_id=${client.clientId}&redirect_url=${encodeURIComponent(target)}&state=${encodeURIComponent('a b&c')}`,
    );
    expect(withUrl.status).toBe(302);
    const loc = new URL(withUrl.location!);
    expect(loc.origin + loc.pathname).toBe(target);
    expect(loc.searchParams.get('state')).toBe('a b&c');

    expect((await request(`${emu.tenantUrl('acme')}/api/v1/logout?client_id=unknown`)).status).toBe(
      400,
    );
    expect((await request(`${emu.tenantUrl('acme')}/api/v1/logout`)).status).toBe(400);
    expect(
      (
        await request(
          `${emu.tenantUrl('acme')}/api/v1/logout?client_id=${client.clientId}&redirect_url=${encodeURIComponent('https://evil.example/x')}`,
        )
      ).status,
    ).toBe(400);
  });

  it('application login page: tenant discovery form', async () => {
    const client = emu.client();
    const page = await request(`${emu.url}/login?client_id=${client.clientId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="tenant_name"');
    expect(page.text).toContain('id="tenant-submit"');

    const ok = await request(`${emu.url}/login?client_id=${client.clientId}&tenant_name=globex`);
    expect(ok.status).toBe(302);
    expect(ok.location).toBe(`${client.loginUrl}?tenant_name=globex`);

    for (const bad of ['evil.com/', 'nosuch', '']) {
      const res = await request(
        `${emu.url}/login?client_id=${client.clientId}&tenant_name=${encodeURIComponent(bad)}`,
      );
      expect(res.status).toBe(400);
      expect(res.text).toContain('id="tenant-error"');
    }
    expect((await request(`${emu.url}/login?client_id=nope`)).status).toBe(400);
  });

  it('serves the SDK configuration', async () => {
    const res = await request(
      `${emu.url}/api/v1/clients/${DEFAULT_CLIENT.clientId}/sdk-configuration`,
    );
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({
      loginUrl: DEFAULT_CLIENT.loginUrl,
      redirectUri: DEFAULT_CLIENT.redirectUris[0],
      customApplicationLoginPageUrl: null,
      isApplicationCustomDomainActive: true,
      loginUrlTenantDomainSuffix: null,
    });
    expect((await request(`${emu.url}/api/v1/clients/unknown/sdk-configuration`)).status).toBe(404);
  });

  it('serves discovery with the Wristband endpoint paths', async () => {
    const d = (await request(`${emu.url}/.well-known/openid-configuration`)).json();
    expect(d).toMatchObject({
      issuer: emu.issuer,
      token_endpoint: `${emu.url}/api/v1/oauth2/token`,
      jwks_uri: `${emu.url}/api/v1/oauth2/jwks`,
      revocation_endpoint: `${emu.url}/api/v1/oauth2/revoke`,
      userinfo_endpoint: `${emu.url}/api/v1/oauth2/userinfo`,
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
      code_challenge_methods_supported: ['S256'],
    });
    expect(d).not.toHaveProperty('pushed_authorization_request_endpoint');
    expect(d).not.toHaveProperty('dpop_signing_alg_values_supported');
  });

  it('userinfo rejects missing, garbage and expired tokens with WWW-Authenticate', async () => {
    const missing = await request(`${emu.url}/api/v1/oauth2/userinfo`);
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await userinfo(emu, 'garbage')).status).toBe(401);
    const expired = await emu.mintAccessToken({ expiresInSeconds: -10 });
    const res = await userinfo(emu, expired);
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({
      error: 'invalid_token',
      error_description: 'access token expired',
    });
  });

  it('runtime TTL, refresh-token rotation switch, omitted refresh tokens, revokeUserGrants', async () => {
    // The shortest lifetime: `exp` is in whole seconds, so a 1 s token may be dead before userinfo is called.
    expect(() => emu.setAccessTokenTtl(1)).toThrow(/at least 2 seconds/);
    emu.setAccessTokenTtl(2);
    try {
      const tokens = await exchange(emu, await login(emu, { email: 'carol@globex.test' }));
      expect(tokens.expires_in).toBe(2);
      expect((await userinfo(emu, tokens.access_token)).status).toBe(200);

      emu.setRefreshTokenRotation(false);
      const r1 = (await refresh(emu, tokens.refresh_token!)).json<TokenResponse>();
      expect(r1.refresh_token).toBe(tokens.refresh_token);
      expect((await refresh(emu, tokens.refresh_token!)).status).toBe(200);

      emu.setRefreshTokenRotation(true);
      emu.setOmitRefreshTokenOnRefresh(true);
      const r2 = await refresh(emu, tokens.refresh_token!);
      expect(r2.status).toBe(200);
      expect(r2.json()).not.toHaveProperty('refresh_token');
      expect((await refresh(emu, tokens.refresh_token!)).status).toBe(200); // the old one stays valid
      emu.setOmitRefreshTokenOnRefresh(false);

      await sleep(2100);
      expect((await userinfo(emu, tokens.access_token)).status).toBe(401);

      await emu.revokeUserGrants('carol@globex.test');
      const dead = await refresh(emu, tokens.refresh_token!);
      expect(dead.status).toBe(400);
      expect(dead.json()).toMatchObject({ error: 'invalid_grant' });
    } finally {
      emu.setAccessTokenTtl(1800);
      emu.setRefreshTokenRotation(true);
      emu.setOmitRefreshTokenOnRefresh(false);
    }
  });
});
