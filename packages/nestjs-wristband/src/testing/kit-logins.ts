/**
 * Logins through the real flow, for tests: a session in the app under test (its cookies), or an access
 * token straight from the emulator's code flow (what an SPA or a mobile app would send as a bearer).
 */
import { createHash, randomBytes } from 'node:crypto';
import { CSRF_COOKIE_NAME } from '../wristband.constants.js';
import { WristbandEmulatorError } from './emulator/emulator.error.js';
import type { WristbandEmulator } from './emulator/wristband-emulator.js';
import { CookieJar, basicAuth, request, type HttpResponse } from './http-client.js';

export interface LoginSessionOptions {
  /** Email of an emulator user (a seed user such as `alice@acme.test`, or one of the `users` option). */
  email: string;
  /** Default: the user's password (the seed's `Passw0rd!` unless set). */
  password?: string;
  /** Tenant to log in to. Default: the user's tenant. */
  tenant?: string;
  /** `return_url` of the login: where the app sends the browser after the callback. */
  returnUrl?: string;
  /** The app's `authRoutePrefix` option, when it is not the default `auth`. */
  authRoutePrefix?: string;
  /** The app's `session.csrfCookieName` option, when it is not the default `CSRF-TOKEN`. */
  csrfCookieName?: string;
}

export interface LoginSession {
  /** A ready `Cookie` request header for the app: the session cookie and the CSRF cookie. */
  cookie: string;
  /** The session's CSRF token, for `x-csrf-token` on unsafe requests (POST /auth/logout…). */
  csrfToken: string;
  /** Every cookie of the login (app and emulator), for more requests with `request(url, { jar })`. */
  jar: CookieJar;
}

/** App `/auth/login` → emulator authorize and login form → app `/auth/callback` (routes of `authRoutePrefix`). */
export async function loginSession(
  emulator: WristbandEmulator,
  appUrl: string,
  o: LoginSessionOptions,
): Promise<LoginSession> {
  const base = appBaseUrl(appUrl);
  const user = emulator.user(o.email);
  const jar = new CookieJar();
  const query = new URLSearchParams({ tenant_name: o.tenant ?? user.tenant });
  if (o.returnUrl !== undefined) query.set('return_url', o.returnUrl);
  const loginUrl = authRouteUrl(base, o.authRoutePrefix, 'login');
  const start = await request(`${loginUrl}?${query.toString()}`, { jar });
  if (start.status !== 302 || !start.location) throw unexpected(`GET ${loginUrl}`, start);
  const callbackUrl = await emulator.authorizeViaForm(
    start.location,
    { username: user.email, password: o.password ?? user.password },
    jar,
  );
  const callback = await request(callbackUrl, { jar });
  if (callback.status !== 302) throw unexpected(`the app's callback`, callback);
  const cookie = jar.cookieHeader(base);
  const csrfToken = jar.get(base, o.csrfCookieName ?? CSRF_COOKIE_NAME);
  if (!cookie || !csrfToken) {
    throw new WristbandEmulatorError(
      'flow_failed',
      `the app's callback set no session cookies for ${base}`,
      callback.status,
    );
  }
  return { cookie, csrfToken, jar };
}

/** Redirect URI for code flows of the kit when no app is registered: never requested, only compared. */
export const KIT_REDIRECT_URI = 'http://localhost:1/wristband-test-kit/callback';

/** A real access token of `email`, from an authorization code flow (PKCE) of the emulator's first client. */
export async function userAccessToken(
  emulator: WristbandEmulator,
  o: { email: string; password?: string },
): Promise<string> {
  const user = emulator.user(o.email);
  const client = emulator.client();
  if (client.redirectUris.length === 0)
    emulator.registerRedirectUris(client.clientId, [KIT_REDIRECT_URI]);
  const redirectUri = client.redirectUris[0];
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(`${emulator.tenantUrl(user.tenant)}/api/v1/oauth2/authorize`);
  authorize.search = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid email profile roles',
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const back = new URL(
    await emulator.authorizeViaForm(authorize.href, {
      username: user.email,
      password: o.password ?? user.password,
    }),
  );
  const code = back.searchParams.get('code');
  if (!code) {
    throw new WristbandEmulatorError(
      'flow_failed',
      `authorize returned no code (error ${back.searchParams.get('error') ?? 'none'})`,
    );
  }
  const res = await request(`${emulator.issuer}/api/v1/oauth2/token`, {
    method: 'POST',
    headers: { authorization: basicAuth(client.clientId, client.clientSecret) },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    }),
  });
  if (res.status !== 200) throw unexpected('the token endpoint', res);
  return res.json<{ access_token: string }>().access_token;
}

/** `http(s)://host[:port][/prefix]` without a trailing slash; throws on anything else. */
export function appBaseUrl(appUrl: string): string {
  const url = URL.canParse(appUrl) ? new URL(appUrl) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new WristbandEmulatorError(
      'invalid_option',
      `an app URL is http(s)://host[:port][/path], without query or fragment (got "${appUrl}")`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** `${base}/${prefix}/${leg}`; the prefix defaults to the module's `auth`, `''` is the root. */
export function authRouteUrl(
  base: string,
  authRoutePrefix: string | undefined,
  leg: 'login' | 'callback',
): string {
  const prefix = (authRoutePrefix ?? 'auth').replace(/^\/+|\/+$/g, '');
  return prefix ? `${base}/${prefix}/${leg}` : `${base}/${leg}`;
}

function unexpected(what: string, res: HttpResponse): WristbandEmulatorError {
  const text = res.text
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
  return new WristbandEmulatorError(
    'flow_failed',
    `${what} answered HTTP ${res.status}${text ? `: ${text}` : ''}`,
    res.status,
  );
}
