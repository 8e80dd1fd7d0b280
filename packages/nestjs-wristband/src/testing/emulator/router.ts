/**
 * One request's way through the emulator: count it, apply an injected fault, then serve it with a
 * Wristband route of the emulator's own or hand it to oidc-provider.
 */
import type * as http from 'node:http';
import { PATHS, log, type EmulatorContext } from './context.js';
import type { CallCounter, CountedEndpoint, FaultInjector } from './faults.js';
import { readBody, send, sendHtml, tenantLabel, withReplayedBody } from './http.js';
import { toProviderCredentials } from './client-auth.js';
import { handleInteraction, handleLoginSubmit } from './interaction-routes.js';
import { errorPage } from './pages.js';
import {
  handleAppLogin,
  handleJwtRevocation,
  handleLogout,
  handleSdkConfiguration,
  handleUserinfo,
} from './wristband-routes.js';

const COUNTED: Record<string, CountedEndpoint> = {
  [PATHS.token]: 'token',
  [PATHS.userinfo]: 'userinfo',
  [PATHS.revoke]: 'revoke',
  [PATHS.jwks]: 'jwks',
  [PATHS.authorize]: 'authorize',
  [PATHS.logout]: 'logout',
};

export async function route(
  ctx: EmulatorContext,
  control: { calls: CallCounter; faults: FaultInjector },
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const started = Date.now();
  if (!ctx.settings.quiet) {
    res.on('finish', () =>
      log(
        ctx,
        `${req.method} ${req.headers.host ?? ''}${(req.url ?? '').split('?')[0]} -> ${res.statusCode} (${Date.now() - started} ms)`,
      ),
    );
  }
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const path = url.pathname;
  const method = (req.method ?? 'GET').toUpperCase();
  const endpoint: CountedEndpoint | undefined = Object.hasOwn(COUNTED, path)
    ? COUNTED[path]
    : undefined;

  let body: Buffer | undefined;
  let form: URLSearchParams | undefined;
  if (method === 'POST' && (endpoint === 'token' || endpoint === 'revoke')) {
    body = await readBody(req);
    form = new URLSearchParams(body.toString('utf8'));
  }
  const grantType = endpoint === 'token' ? (form?.get('grant_type') ?? undefined) : undefined;
  if (endpoint) control.calls.count(endpoint, grantType);
  if (
    endpoint === 'token' ||
    endpoint === 'userinfo' ||
    endpoint === 'revoke' ||
    endpoint === 'jwks'
  ) {
    if (await control.faults.apply(res, endpoint, grantType)) return;
  }

  // Wristband-specific endpoints served by the emulator.
  if (endpoint === 'jwks' && method === 'GET') {
    send(res, 200, ctx.keys.jwks(), { 'cache-control': 'public, max-age=300' });
    return;
  }
  if (endpoint === 'userinfo' && (method === 'GET' || method === 'POST')) {
    await handleUserinfo(ctx, req, res);
    return;
  }
  if (endpoint === 'logout' && method === 'GET') {
    handleLogout(ctx, req, res, url);
    return;
  }
  if (path === PATHS.login && method === 'GET') {
    handleAppLogin(ctx, res, url);
    return;
  }
  const sdk = /^\/api\/v1\/clients\/([^/]+)\/sdk-configuration$/.exec(path);
  if (sdk && method === 'GET') {
    handleSdkConfiguration(ctx, res, decodeURIComponent(sdk[1]));
    return;
  }
  const interaction = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(path);
  if (interaction && method === 'GET' && !interaction[2]) {
    await handleInteraction(ctx, req, res, interaction[1]);
    return;
  }
  if (interaction && method === 'POST' && interaction[2]) {
    await handleLoginSubmit(ctx, req, res, interaction[1]);
    return;
  }
  if (endpoint === 'revoke' && method === 'POST' && form && body) {
    const token = form.get('token') ?? '';
    if (token.split('.').length === 3) {
      handleJwtRevocation(ctx, req, res, token);
      return;
    }
  }

  // OAuth endpoints served by oidc-provider.
  if (endpoint === 'authorize' && method === 'GET') {
    const tenant = tenantLabel(req.headers.host);
    if (!tenant) {
      sendHtml(
        res,
        400,
        errorPage(
          'Wrong domain',
          'The authorize endpoint is served on tenant domains ({tenant}.localhost:PORT), not on the application vanity domain.',
        ),
      );
      return;
    }
    if (!ctx.directory.findTenant(tenant)) {
      sendHtml(res, 404, errorPage('Tenant not found', `No tenant named "${tenant}".`));
      return;
    }
    // Remembered on the authorization request, so the code it yields is known to be offline (1).
    url.searchParams.delete('wb_offline');
    if ((url.searchParams.get('scope') ?? '').split(' ').includes('offline_access'))
      url.searchParams.set('wb_offline', '1');
    req.url = `${url.pathname}${url.search}`;
    await ctx.serveOidc(req, res);
    return;
  }
  const isResume = path.startsWith(`${PATHS.authorize}/`) && method === 'GET';
  const isDiscovery = path === PATHS.discovery && method === 'GET';
  if (isResume || isDiscovery) {
    await ctx.serveOidc(req, res);
    return;
  }
  if ((endpoint === 'token' || endpoint === 'revoke') && method === 'POST' && body) {
    toProviderCredentials(ctx, req);
    await ctx.serveOidc(withReplayedBody(req, body), res);
    return;
  }
  if (endpoint) {
    const allow = endpoint === 'token' || endpoint === 'revoke' ? 'POST' : 'GET';
    send(
      res,
      405,
      { error: 'invalid_request', error_description: `method ${method} not allowed` },
      { allow },
    );
    return;
  }
  send(res, 404, { error: 'not_found', error_description: `no route for ${method} ${path}` });
}

/** A request that threw: a 4xx it asked for (body too large), otherwise 500 without details. */
export function fail(res: http.ServerResponse, err: unknown): void {
  const status = (err as { status?: number })?.status;
  if (status && status >= 400 && status < 500) {
    send(res, status, { error: 'invalid_request', error_description: (err as Error).message });
    return;
  }
  console.error('[wristband-emulator] internal error:', err);
  send(res, 500, { error: 'server_error', error_description: 'emulator internal error' });
}
