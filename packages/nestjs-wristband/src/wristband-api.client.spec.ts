import { SignJWT } from 'jose';
import { WristbandRequestError, WristbandUnavailableError } from './errors/wristband.errors.js';
import { WRISTBAND_ERROR_STATUS } from './errors/wristband-error-status.js';
import { resolveWristbandOptions } from './wristband-options.validator.js';
import {
  DEFAULT_EXPIRES_IN_SECONDS,
  WristbandApiClient,
  expiresInSeconds,
  rotatedRefreshToken,
} from './wristband-api.client.js';

const NOW = 1_700_000_000_000;

/** An unsigned-looking JWT (the signature is never checked here) with the given `exp`. */
async function jwtWithExp(exp: number | undefined): Promise<string> {
  const jwt = new SignJWT({ sub: 'u' }).setProtectedHeader({ alg: 'HS256' });
  if (exp !== undefined) jwt.setExpirationTime(exp);
  return jwt.sign(new TextEncoder().encode('k'.repeat(32)));
}

/** A client whose every call to Wristband is answered by `answer`. */
function clientAnswering(answer: (url: string) => Response): WristbandApiClient {
  const options = resolveWristbandOptions({
    applicationVanityDomain: 'invotastic-acme.us.wristband.dev',
    clientId: 'client-id',
    clientSecret: 'client-secret',
    sessionSecrets: ['s'.repeat(32)],
    tokens: { refreshMaxAttempts: 1 },
    fetch: (input) =>
      Promise.resolve(answer(input instanceof Request ? input.url : input.toString())),
  });
  return new WristbandApiClient(options);
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('expiresInSeconds', () => {
  it.each([
    [1800, 1800],
    ['1800', 1800],
    ['0300', 300],
    [1799.9, 1799],
    [1, 1],
  ])('takes %j as %d seconds', (value, seconds) => {
    expect(expiresInSeconds(value, 'opaque', NOW)).toBe(seconds);
  });

  it.each([
    ['abc'],
    [-5],
    ['-5'],
    [0],
    ['0'],
    [0.5],
    ['1e3'],
    ['1800.5'],
    [' 1800'],
    [''],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    [1e12],
    ['9999999999'],
    [true],
    [{}],
    [[1800]],
  ])('refuses %p', (value) => {
    expect(expiresInSeconds(value, 'opaque', NOW)).toBeUndefined();
  });

  it("absent: the access token's exp when it is a JWT, else the default", async () => {
    const exp = NOW / 1000 + 1234;
    expect(expiresInSeconds(undefined, await jwtWithExp(exp), NOW)).toBe(1234);
    expect(expiresInSeconds(null, await jwtWithExp(exp), NOW)).toBe(1234);
    expect(DEFAULT_EXPIRES_IN_SECONDS).toBe(300);
    expect(expiresInSeconds(undefined, 'opaque-token', NOW)).toBe(DEFAULT_EXPIRES_IN_SECONDS);
    expect(expiresInSeconds(undefined, await jwtWithExp(undefined), NOW)).toBe(300);
    // exp already past by our clock (skew): the default, not a token due at once forever.
    expect(expiresInSeconds(undefined, await jwtWithExp(NOW / 1000 - 10), NOW)).toBe(300);
  });
});

describe('WristbandApiClient token answers', () => {
  it('normalises expires_in for every caller: a string, or absent (the JWT exp)', async () => {
    const accessToken = await jwtWithExp(Math.floor(Date.now() / 1000) + 600);
    let body: Record<string, unknown> = {
      access_token: 'at',
      token_type: 'Bearer',
      expires_in: '1800',
      refresh_token: 'rt2',
    };
    const client = clientAnswering(() => json(200, body));
    expect(await client.exchangeCode('code', 'verifier')).toMatchObject({
      expires_in: 1800,
      refresh_token: 'rt2',
    });
    expect((await client.refresh('rt1')).expires_in).toBe(1800);
    body = { access_token: accessToken, token_type: 'Bearer' };
    const absent = await client.refresh('rt2');
    expect(absent.expires_in).toBeGreaterThanOrEqual(598);
    expect(absent.expires_in).toBeLessThanOrEqual(600);
  });

  it.each([
    ['an unusable expires_in', { access_token: 'at', expires_in: 'abc' }, /unusable expires_in/],
    ['a negative expires_in', { access_token: 'at', expires_in: -5 }, /unusable expires_in/],
    ['no access_token', { expires_in: 1800 }, /lacks access_token/],
  ])(
    'a 200 with %s is refused (token_request_failed) and keeps the refresh token it carried',
    async (_name, answer, message) => {
      const client = clientAnswering(() => json(200, { ...answer, refresh_token: 'rt-new' }));
      const err = await client.refresh('rt-old').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WristbandRequestError);
      expect(err).toMatchObject({ code: 'token_request_failed', message });
      expect(rotatedRefreshToken(err)).toBe('rt-new');
      // Never on the error itself, where a log of it would show the token.
      expect(JSON.stringify(err)).not.toContain('rt-new');
      expect(Object.values(err as object)).not.toContain('rt-new');

      const login = await client.exchangeCode('c', 'v').catch((e: unknown) => e);
      expect(login).toMatchObject({ code: 'token_request_failed', message });
    },
  );

  it('a refused answer without a refresh token carries none; not JSON is refused', async () => {
    const noToken = clientAnswering(() => json(200, { access_token: 'at', expires_in: 'x' }));
    expect(rotatedRefreshToken(await noToken.refresh('rt').catch((e: unknown) => e))).toBe(
      undefined,
    );
    const html = clientAnswering(() => new Response('<html>', { status: 200 }));
    await expect(html.refresh('rt')).rejects.toMatchObject({
      code: 'token_request_failed',
      message: 'Token response is not a JSON object',
    });
  });
});

describe('WristbandApiClient userinfo failures', () => {
  it.each([
    [401, { error: 'invalid_token' }],
    [403, {}],
    [400, { error: 'invalid_grant' }],
  ])('%d → userinfo_failed (502), not a token error', async (status, body) => {
    const client = clientAnswering(() => json(status, body));
    const err = await client.userinfo('at').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WristbandRequestError);
    expect(err).toMatchObject({ code: 'userinfo_failed', upstreamStatus: status });
    expect(WRISTBAND_ERROR_STATUS.userinfo_failed).toBe(502);
  });

  it('5xx → wristband_unavailable (503), as before', async () => {
    const client = clientAnswering(() => json(503, {}));
    await expect(client.userinfo('at')).rejects.toBeInstanceOf(WristbandUnavailableError);
  });

  it('the token endpoint still answers invalid_grant / token_request_failed', async () => {
    const grant = clientAnswering(() => json(400, { error: 'invalid_grant' }));
    await expect(grant.refresh('rt')).rejects.toMatchObject({ code: 'invalid_grant' });
    const client = clientAnswering(() => json(401, { error: 'unauthorized_client' }));
    await expect(client.refresh('rt')).rejects.toMatchObject({ code: 'token_request_failed' });
  });
});
