import { Controller, Get, UseGuards } from '@nestjs/common';
import { CurrentUser, WristbandGuard, type WristbandUser } from 'nestjs-wristband';
import {
  authorizeUrl,
  decodeJwt,
  pkce,
  refresh,
  tokenRequest,
  type TokenResponse,
} from '../packages/nestjs-wristband/test/emulator-helpers.js';
import { request } from 'nestjs-wristband/testing';
import {
  CLIENT_ID,
  PASSWORD,
  appEnv,
  freePort,
  login,
  startModuleApp,
  startStack,
  startTestApp,
  type TestApp,
  type TestStack,
} from './support/test-stack.js';

/** Two more clients of the same Wristband application, as an SPA and a mobile app would have. */
const SPA_CLIENT = {
  clientId: 'wb-e2e-spa',
  clientSecret: 'wb-e2e-spa-secret-0123456789-abcdef',
  redirectUris: ['http://localhost:1/spa/callback'],
};
const MOBILE_CLIENT = {
  clientId: 'wb-e2e-mobile',
  clientSecret: 'wb-e2e-mobile-secret-0123456789-abc',
  redirectUris: ['http://localhost:1/mobile/callback'],
};

@Controller('probe')
class BearerProbeController {
  @Get()
  @UseGuards(WristbandGuard)
  probe(@CurrentUser() user: WristbandUser) {
    return {
      userId: user.userId,
      clientId: user.clientId ?? null,
      authenticatedBy: user.authenticatedBy,
    };
  }
}

describe('bearer tokens on the same guard', () => {
  let stack: TestStack;
  const me = (token: string | undefined, extra: Record<string, string> = {}) =>
    request(`${stack.app.url}/api/me`, {
      headers: { ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}), ...extra },
    });
  const bearer = (app: TestApp, path: string, token: string) =>
    request(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const expectInvalidToken = (res: Awaited<ReturnType<typeof request>>) => {
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ statusCode: 401, reason: 'invalid_token' });
    expect(res.headers['www-authenticate']).toMatch(
      /^Bearer realm="wristband", error="invalid_token"/,
    );
  };

  /** The real code flow of one client at the emulator (PKCE, login form, code exchange): Wristband's own tokens. */
  async function codeFlowTokens(clientId: string): Promise<TokenResponse> {
    const { verifier, challenge } = pkce();
    const callback = new URL(
      await stack.emulator.authorizeViaForm(authorizeUrl(stack.emulator, { clientId, challenge }), {
        username: 'alice@acme.test',
        password: PASSWORD,
      }),
    );
    const res = await tokenRequest(
      stack.emulator,
      {
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code')!,
        redirect_uri: stack.emulator.client(clientId).redirectUris[0],
        code_verifier: verifier,
      },
      clientId,
    );
    expect(res.status).toBe(200);
    return res.json<TokenResponse>();
  }

  beforeAll(async () => {
    // A 1 ms JWKS cooldown: a token signed with a rotated key is accepted at once, without waiting.
    stack = await startStack({
      wristband: { bearer: { jwksCooldownMs: 1 } },
      extraClients: [SPA_CLIENT, MOBILE_CLIENT],
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('accepts a real access token from a login, with sub_kind on request.user', async () => {
    const { jar } = await login(stack, stack.app);
    const { accessToken } = (await request(`${stack.app.url}/auth/token`, { jar })).json<{
      accessToken: string;
    }>();
    const res = await me(accessToken);
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      userId: stack.emulator.user('alice@acme.test').id,
      tenantId: stack.emulator.tenant('acme').id,
    });
  });

  it('accepts a minted Wristband token and exposes client tokens too', async () => {
    expect((await me(await stack.emulator.mintAccessToken())).status).toBe(200);
    expect(
      (await me(await stack.emulator.mintAccessToken({ claims: { sub_kind: 'client' } }))).status,
    ).toBe(200);
  });

  const cases: [string, () => Promise<string>][] = [
    ['alg none', () => stack.emulator.mintAccessToken({ alg: 'none' })],
    [
      'HS256 signed with the public key',
      () => stack.emulator.mintAccessToken({ alg: 'HS256', key: 'public-key-as-hmac' }),
    ],
    [
      'wrong iss',
      () => stack.emulator.mintAccessToken({ claims: { iss: 'https://evil.example.com' } }),
    ],
    ['expired', () => stack.emulator.mintAccessToken({ expiresInSeconds: -120 })],
    [
      'nbf in the future',
      () =>
        stack.emulator.mintAccessToken({ claims: { nbf: Math.floor(Date.now() / 1000) + 3600 } }),
    ],
    ['no exp', () => stack.emulator.mintAccessToken({ omit: ['exp'] })],
    ['unknown kid', () => stack.emulator.mintAccessToken({ kid: 'unknown-kid' })],
    ['foreign key', () => stack.emulator.mintAccessToken({ key: 'foreign' })],
    ['ES256', () => stack.emulator.mintAccessToken({ alg: 'ES256', key: 'foreign' })],
    ['malformed', async () => 'not.a.jwt'],
    ['garbage', async () => '%%%'],
    ['empty', async () => ''],
  ];

  it.each(cases)(
    '%s → 401 JSON with WWW-Authenticate: Bearer error="invalid_token"',
    async (_name, make) => {
      const res = await me(await make());
      expect(res.status).toBe(401);
      expect(res.json()).toMatchObject({ statusCode: 401, reason: 'invalid_token' });
      expect(res.headers['www-authenticate']).toMatch(
        /^Bearer realm="wristband", error="invalid_token"/,
      );
    },
  );

  it('a validly signed token over 8192 characters → 401 invalid_token saying it is too long', async () => {
    const token = await stack.emulator.mintAccessToken({
      claims: { custom_claims: { blob: 'x'.repeat(8200) } },
    });
    const res = await me(token);
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({
      reason: 'invalid_token',
      message: 'Bearer token rejected: token longer than 8192 characters',
    });
  });

  it('a flood of unknown kids: the first fetch and one forced refetch, then none for 5 s', async () => {
    // An instance of its own, with the default 30 s cooldown and no keys fetched yet.
    const port = await freePort();
    const fresh = await startTestApp(port, { env: appEnv(stack.emulator, port) });
    const meAt = (token: string) =>
      request(`${fresh.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    try {
      stack.emulator.resetCalls();
      const flood = async () => {
        const tokens = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            stack.emulator.mintAccessToken({ kid: `unknown-${i}` }),
          ),
        );
        const results = await Promise.all(tokens.map(meAt));
        expect(results.map((r) => r.status)).toEqual(Array(30).fill(401));
      };
      // The keys' first fetch, then one forced refetch for an unknown kid, shared by the whole flood.
      await flood();
      expect(stack.emulator.calls('jwks')).toBe(2);
      // Within 5 s of that refetch, unknown kids fetch nothing.
      await flood();
      expect(stack.emulator.calls('jwks')).toBe(2);
      // 5 s later, within jose's 30 s cooldown: a key Wristband rotated in is fetched by the next token
      // that uses it (one forced refetch), and a flood right after fetches nothing more.
      await new Promise((r) => setTimeout(r, 5_000));
      await stack.emulator.rotateKeys();
      expect((await meAt(await stack.emulator.mintAccessToken())).status).toBe(200);
      expect(stack.emulator.calls('jwks')).toBe(3);
      await flood();
      expect(stack.emulator.calls('jwks')).toBe(3);
    } finally {
      await fresh.close();
    }
  });

  it('key rotation at the emulator: tokens signed with the new key are accepted after one JWKS fetch', async () => {
    expect((await me(await stack.emulator.mintAccessToken())).status).toBe(200); // old key cached
    await stack.emulator.rotateKeys();
    stack.emulator.resetCalls();
    expect((await me(await stack.emulator.mintAccessToken())).status).toBe(200);
    expect(stack.emulator.calls('jwks')).toBe(1);
  });

  describe('ID tokens and the clients tokens were issued to', () => {
    it('an ID token of this app (no typ header, nonce, aud = client id) is refused as a bearer token', async () => {
      const tokens = await codeFlowTokens(CLIENT_ID);
      const { header, payload } = decodeJwt(tokens.id_token!);
      // What makes it dangerous: the verifier's typ check cannot see it, and it names the same user and tenant.
      expect(header.typ).toBeUndefined();
      expect(payload).toMatchObject({
        aud: CLIENT_ID,
        sub: stack.emulator.user('alice@acme.test').id,
        tnt_id: stack.emulator.tenant('acme').id,
      });
      expectInvalidToken(await me(tokens.id_token));
      // The access token of the same exchange is accepted.
      expect((await me(tokens.access_token)).status).toBe(200);
    });

    it("an ID token from a refresh is refused too, as is an SPA's ID token", async () => {
      const own = await codeFlowTokens(CLIENT_ID);
      const refreshed = await refresh(stack.emulator, own.refresh_token!);
      expect(refreshed.status).toBe(200);
      const refreshedIdToken = refreshed.json<TokenResponse>().id_token!;
      expect(refreshedIdToken).toBeDefined();
      expectInvalidToken(await me(refreshedIdToken));
      expectInvalidToken(await me((await codeFlowTokens(SPA_CLIENT.clientId)).id_token));
    });

    it('access-token-shaped tokens with ID-token claims or without client_id are refused', async () => {
      expectInvalidToken(
        await me(await stack.emulator.mintAccessToken({ claims: { nonce: 'n-0123456789' } })),
      );
      expectInvalidToken(
        await me(
          await stack.emulator.mintAccessToken({ claims: { at_hash: 'x0123456789abcdefghijk' } }),
        ),
      );
      expectInvalidToken(await me(await stack.emulator.mintAccessToken({ omit: ['client_id'] })));
      // auth_time alone is no sign of an ID token: Wristband access tokens carry it.
      expect(decodeJwt(await stack.emulator.mintAccessToken()).payload.auth_time).toEqual(
        expect.any(Number),
      );
    });

    it('access tokens of other clients of the application are accepted; request.user.clientId names the client', async () => {
      const port = await freePort();
      const probe = await startModuleApp(stack, port, { controllers: [BearerProbeController] });
      try {
        const alice = stack.emulator.user('alice@acme.test').id;
        for (const clientId of [CLIENT_ID, SPA_CLIENT.clientId]) {
          const res = await bearer(probe, '/probe', (await codeFlowTokens(clientId)).access_token);
          expect({ status: res.status, body: res.json() }).toEqual({
            status: 200,
            body: { userId: alice, clientId, authenticatedBy: 'bearer' },
          });
        }
      } finally {
        await probe.close();
      }
    });

    it('WRISTBAND_BEARER_ALLOWED_CLIENT_IDS pins bearer tokens to the listed clients', async () => {
      const port = await freePort();
      const pinned = await startTestApp(port, {
        env: appEnv(stack.emulator, port, {
          WRISTBAND_BEARER_ALLOWED_CLIENT_IDS: ` ${CLIENT_ID}, ${SPA_CLIENT.clientId} `,
        }),
      });
      try {
        expect(
          (await bearer(pinned, '/api/me', (await codeFlowTokens(CLIENT_ID)).access_token)).status,
        ).toBe(200);
        expect(
          (
            await bearer(
              pinned,
              '/api/me',
              (await codeFlowTokens(SPA_CLIENT.clientId)).access_token,
            )
          ).status,
        ).toBe(200);
        const mobile = (await codeFlowTokens(MOBILE_CLIENT.clientId)).access_token;
        expectInvalidToken(await bearer(pinned, '/api/me', mobile));
        // The same token is good on the unpinned app: only the pin refuses it.
        expect((await me(mobile)).status).toBe(200);
      } finally {
        await pinned.close();
      }
    });
  });

  it('bearer requests skip CSRF on unsafe methods', async () => {
    const token = await stack.emulator.mintAccessToken({
      claims: { tnt_id: stack.emulator.tenant('acme').id },
    });
    const res = await request(
      `${stack.app.url}/api/tenants/${stack.emulator.tenant('acme').id}/projects`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: { name: 'From a service' },
      },
    );
    expect(res.status).toBe(201);
  });

  it('"Authorization: Basic" is not a bearer token: 401 session_required', async () => {
    const res = await request(`${stack.app.url}/api/me`, {
      headers: { authorization: 'Basic Zm9vOmJhcg==' },
    });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ reason: 'session_required' });
  });

  it('reads the scheme case-insensitively with any number of spaces; "Bearer" alone or glued to the token is refused', async () => {
    const token = await stack.emulator.mintAccessToken();
    const as = (authorization: string) =>
      request(`${stack.app.url}/api/me`, { headers: { authorization } });
    expect((await as(`bearer   ${token}`)).status).toBe(200);
    expect((await as(`BEARER ${token}`)).status).toBe(200);
    const empty = await as('Bearer');
    expect(empty.status).toBe(401);
    expect(empty.json()).toMatchObject({ reason: 'invalid_token' });
    expect((await as(`Bearer${token}`)).json()).toMatchObject({ reason: 'session_required' });
  });

  it('per-route strategies: /auth/token accepts sessions only, so a bearer token gets 401', async () => {
    const res = await request(`${stack.app.url}/auth/token`, {
      headers: { authorization: `Bearer ${await stack.emulator.mintAccessToken()}` },
    });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ reason: 'session_required' });
  });
});
