/** Test helpers for driving the emulator like a confidential Wristband client would. */
import * as crypto from 'node:crypto';

import type { WristbandEmulator } from '../src/testing/emulator/wristband-emulator.js';
import { CookieJar, basicAuth, request, type HttpResponse } from '../src/testing/http-client.js';
import type { TokenResponse } from '../src/wristband-api.client.js';

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function pkce(): Pkce {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

export interface AuthorizeParams {
  tenant?: string;
  clientId?: string;
  redirectUri?: string;
  scope?: string;
  state?: string;
  nonce?: string;
  prompt?: string;
  loginHint?: string;
  challenge?: string | null; // null: omit PKCE
}

export const DEFAULT_SCOPE = 'openid offline_access email profile roles';

export function authorizeUrl(emu: WristbandEmulator, p: AuthorizeParams = {}): string {
  const client = emu.client(p.clientId);
  const u = new URL(`${emu.tenantUrl(p.tenant ?? 'acme')}/api/v1/oauth2/authorize`);
  const q: Record<string, string> = {
    client_id: client.clientId,
    redirect_uri: p.redirectUri ?? client.redirectUris[0],
    response_type: 'code',
    scope: p.scope ?? DEFAULT_SCOPE,
    state: p.state ?? crypto.randomBytes(8).toString('hex'),
    nonce: p.nonce ?? crypto.randomBytes(8).toString('hex'),
  };
  if (p.challenge !== null) {
    q.code_challenge = p.challenge ?? pkce().challenge;
    q.code_challenge_method = 'S256';
  }
  if (p.prompt) q.prompt = p.prompt;
  if (p.loginHint) q.login_hint = p.loginHint;
  u.search = new URLSearchParams(q).toString();
  return u.href;
}

export interface LoginResult {
  location: URL;
  code: string;
  verifier: string;
  nonce: string;
  state: string;
  jar: CookieJar;
}

/** Full browser login; returns the callback (code, state, tenant_name) and the PKCE verifier. */
export async function login(
  emu: WristbandEmulator,
  o: {
    email?: string;
    password?: string;
    tenant?: string;
    scope?: string;
    jar?: CookieJar;
    prompt?: string;
  } = {},
): Promise<LoginResult> {
  const email = o.email ?? 'alice@acme.test';
  const user = emu.user(email);
  const { verifier, challenge } = pkce();
  const nonce = crypto.randomBytes(8).toString('hex');
  const state = crypto.randomBytes(8).toString('hex');
  const jar = o.jar ?? new CookieJar();
  const url = authorizeUrl(emu, {
    tenant: o.tenant ?? user.tenant,
    scope: o.scope,
    challenge,
    nonce,
    state,
    prompt: o.prompt,
  });
  const loc = new URL(
    await emu.authorizeViaForm(
      url,
      { username: email, password: o.password ?? emu.user(email).password },
      jar,
    ),
  );
  const code = loc.searchParams.get('code');
  if (!code) throw new Error(`no code in ${loc.href}`);
  return { location: loc, code, verifier, nonce, state, jar };
}

export function tokenRequest(
  emu: WristbandEmulator,
  form: Record<string, string>,
  clientId?: string,
): Promise<HttpResponse> {
  const client = emu.client(clientId);
  return request(`${emu.url}/api/v1/oauth2/token`, {
    method: 'POST',
    headers: { authorization: basicAuth(client.clientId, client.clientSecret) },
    body: new URLSearchParams(form),
  });
}

export type { TokenResponse };

export async function exchange(emu: WristbandEmulator, l: LoginResult): Promise<TokenResponse> {
  const res = await tokenRequest(emu, {
    grant_type: 'authorization_code',
    code: l.code,
    redirect_uri: emu.client().redirectUris[0],
    code_verifier: l.verifier,
  });
  if (res.status !== 200) throw new Error(`token exchange failed: ${res.status} ${res.text}`);
  return res.json<TokenResponse>();
}

export function refresh(emu: WristbandEmulator, refreshToken: string): Promise<HttpResponse> {
  return tokenRequest(emu, { grant_type: 'refresh_token', refresh_token: refreshToken });
}

export function userinfo(emu: WristbandEmulator, accessToken: string): Promise<HttpResponse> {
  return request(`${emu.url}/api/v1/oauth2/userinfo`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
}

export function decodeJwt(jwt: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
} {
  const [h, p] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
