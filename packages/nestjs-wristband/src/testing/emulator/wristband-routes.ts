/**
 * The Wristband endpoints the emulator serves itself rather than through oidc-provider: userinfo (4),
 * revocation of JWT access tokens (5), logout, the application login page and the SDK configuration.
 */
import type * as http from 'node:http';
import * as jose from 'jose';
import { userClaims } from './claims.js';
import { authenticatedClient } from './client-auth.js';
import { PATHS, findClient, originsOf, type EmulatorContext } from './context.js';
import { DNS_LABEL } from './directory.js';
import { parseCookies, redirect, send, sendHtml, tenantLabel } from './http.js';
import { errorPage, tenantDiscoveryPage } from './pages.js';
import type { EmulatorClient } from './seed.js';

/** Checks the signature against the keys served now, `exp` without leeway, and that the grant is alive. */
export async function handleUserinfo(
  ctx: EmulatorContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const realm = `realm="${ctx.vanityDomain}"`;
  const unauthorized = (error: string, description: string) =>
    send(
      res,
      401,
      { error, error_description: description },
      {
        'www-authenticate': `Bearer ${realm}, error="${error}", error_description="${description.replace(/"/g, "'")}"`,
      },
    );
  const m = /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)$/i.exec(req.headers.authorization ?? '');
  if (!m) {
    send(
      res,
      401,
      { error: 'invalid_request', error_description: 'no access token provided' },
      { 'www-authenticate': `Bearer ${realm}` },
    );
    return;
  }
  let payload: jose.JWTPayload;
  try {
    ({ payload } = await jose.jwtVerify(m[1], ctx.keys.verifier(), {
      algorithms: ['RS256'],
      issuer: ctx.issuer,
      typ: 'at+jwt',
      requiredClaims: ['exp', 'iat', 'sub', 'jti'],
    }));
  } catch (e) {
    unauthorized(
      'invalid_token',
      e instanceof jose.errors.JWTExpired ? 'access token expired' : 'invalid access token',
    );
    return;
  }
  const jti = String(payload.jti);
  if (ctx.ledger.revoked.has(jti)) {
    unauthorized('invalid_token', 'access token revoked');
    return;
  }
  if (!ctx.ledger.minted.has(jti)) {
    const issued = ctx.ledger.issued.get(jti);
    if (!issued) {
      unauthorized('invalid_token', 'unknown access token');
      return;
    }
    if (!issued.grantId || !ctx.store.get(ctx.store.key('Grant', issued.grantId))) {
      unauthorized('invalid_token', 'grant revoked');
      return;
    }
  }
  const user =
    payload.sub_kind === 'client' ? undefined : ctx.directory.findUser(String(payload.sub));
  if (!user || user.id !== payload.sub) {
    unauthorized('invalid_token', 'access token has no end-user');
    return;
  }
  const scopes = new Set(
    (typeof payload.scope === 'string' ? payload.scope : '').split(' ').filter(Boolean),
  );
  send(res, 200, userClaims(ctx, user, scopes, 'userinfo'));
}

/** Revocation of a JWT access token (oidc-provider cannot find them): always 200, like RFC 7009. */
export function handleJwtRevocation(
  ctx: EmulatorContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  token: string,
): void {
  const client = authenticatedClient(ctx, req.headers.authorization);
  if (!client) {
    send(
      res,
      401,
      { error: 'invalid_client', error_description: 'client authentication failed' },
      { 'www-authenticate': `Basic realm="${ctx.vanityDomain}"` },
    );
    return;
  }
  jose
    .jwtVerify(token, ctx.keys.verifier(), { algorithms: ['RS256'], issuer: ctx.issuer })
    .then(({ payload }) => {
      if (payload.client_id === client.clientId && typeof payload.jti === 'string')
        ctx.ledger.revoked.add(payload.jti);
    })
    .catch(() => undefined)
    .finally(() => send(res, 200, ''));
}

/** The client named by `?client_id`, or undefined after answering a 400 page titled `title`. */
function requireClient(
  ctx: EmulatorContext,
  res: http.ServerResponse,
  url: URL,
  title: string,
): EmulatorClient | undefined {
  const clientId = url.searchParams.get('client_id');
  const client = findClient(ctx, clientId);
  if (!client)
    sendHtml(res, 400, errorPage(title, clientId ? 'Unknown client_id.' : 'Missing client_id.'));
  return client;
}

/** `?client_id[&redirect_url][&state]`: ends this host's session and goes back to the application. */
export function handleLogout(
  ctx: EmulatorContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): void {
  const client = requireClient(ctx, res, url, 'Logout failed');
  if (!client) return;
  const state = url.searchParams.get('state');
  if (state && state.length > 512) {
    sendHtml(res, 400, errorPage('Logout failed', 'state must be at most 512 characters.'));
    return;
  }
  const redirectUrl = url.searchParams.get('redirect_url');
  if (redirectUrl) {
    let ok = false;
    try {
      const r = new URL(redirectUrl);
      ok = (r.protocol === 'http:' || r.protocol === 'https:') && originsOf(client).has(r.origin);
    } catch {
      // Not a URL: ok stays false.
    }
    if (!ok) {
      sendHtml(
        res,
        400,
        errorPage('Logout failed', 'redirect_url is not allowed for this client.'),
      );
      return;
    }
  }

  // End this host's session (cookies are host-only: each tenant domain has its own session).
  const sessionCookie = ctx.provider.cookieName('session');
  const sid = parseCookies(req.headers.cookie)[sessionCookie];
  if (sid) ctx.store.delete(ctx.store.key('Session', sid));
  const expired = 'path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; samesite=lax; httponly';
  const clear = [`${sessionCookie}=; ${expired}`, `${sessionCookie}.sig=; ${expired}`];

  const tenant = tenantLabel(req.headers.host);
  let target: URL;
  if (redirectUrl) {
    target = new URL(redirectUrl);
  } else if (client.loginUrl) {
    target = new URL(client.loginUrl);
    if (tenant && ctx.directory.findTenant(tenant)) target.searchParams.set('tenant_name', tenant);
  } else {
    target = new URL(`${ctx.issuer}${PATHS.login}`);
    target.searchParams.set('client_id', client.clientId);
  }
  if (state) target.searchParams.set('state', state);
  redirect(res, target.href, 302, { 'set-cookie': clear });
}

/** The application login page (tenant discovery): asks for a tenant, then sends to the client's Login URL. */
export function handleAppLogin(ctx: EmulatorContext, res: http.ServerResponse, url: URL): void {
  const client = requireClient(ctx, res, url, 'Application login');
  if (!client) return;
  const appDisplayName = ctx.directory.application.displayName;
  const raw = url.searchParams.get('tenant_name');
  if (raw === null) {
    sendHtml(res, 200, tenantDiscoveryPage({ clientId: client.clientId, appDisplayName }));
    return;
  }
  const name = raw.trim().toLowerCase();
  if (!DNS_LABEL.test(name) || !ctx.directory.findTenant(name)) {
    sendHtml(
      res,
      400,
      tenantDiscoveryPage({
        clientId: client.clientId,
        appDisplayName,
        tenantName: raw,
        error: `No tenant named "${raw}".`,
      }),
    );
    return;
  }
  if (!client.loginUrl) {
    sendHtml(res, 400, errorPage('Application login', 'The client has no Login URL configured.'));
    return;
  }
  const target = new URL(client.loginUrl);
  target.searchParams.set('tenant_name', name);
  redirect(res, target.href, 302);
}

export function handleSdkConfiguration(
  ctx: EmulatorContext,
  res: http.ServerResponse,
  clientId: string,
): void {
  const client = findClient(ctx, clientId);
  if (!client) {
    send(res, 404, { error: 'not_found', error_description: 'client not found' });
    return;
  }
  send(res, 200, {
    loginUrl: client.loginUrl ?? null,
    redirectUri: client.redirectUris[0] ?? null,
    customApplicationLoginPageUrl: null,
    isApplicationCustomDomainActive: true,
    loginUrlTenantDomainSuffix: null,
  });
}
