/**
 * The OpenID Provider behind the OAuth endpoints (authorize, token, revoke, discovery): oidc-provider 9.x
 * configured to behave like Wristband. Every setting here answers a trap of
 * /work/shared/design/EMULATOR.md; the numbers in comments refer to it.
 */
import { MapStore, mapAdapter } from './map-adapter.js';
import { errorPage } from './pages.js';
import { shapeAccessToken, userClaims, withOfflineAccess, PROFILE_CLAIMS } from './claims.js';
import { OIDC_SCOPES, PATHS, type EmulatorContext, type OidcProvider } from './context.js';
import { tenantLabel } from './http.js';
import { WristbandEmulatorError } from './emulator.error.js';

/** oidc-provider ships no type declarations: its Koa contexts and models are typed loosely here. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- oidc-provider is untyped (see above)
type Loose = any;

export interface OidcModule {
  Provider: new (issuer: string, configuration: Record<string, unknown>) => Loose;
  errors: { InvalidTarget: new () => Error };
}

let loading: Promise<OidcModule> | undefined;

/**
 * oidc-provider, loaded on first use only: it is an optional peer dependency of the package, needed by
 * the emulator alone (12: it is ESM-only, hence `import()`). It prints an "unsupported runtime" warning
 * on Node 20 at import, which is silenced.
 */
export function loadOidcProvider(): Promise<OidcModule> {
  if (!loading) {
    const spec = 'oidc-provider';
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (
        typeof args[0] === 'string' &&
        args[0].includes('oidc-provider WARNING: Unsupported runtime')
      )
        return;
      warn(...args);
    };
    loading = (import(spec) as Promise<OidcModule>)
      .catch((err: unknown) => {
        loading = undefined;
        const code = (err as { code?: unknown }).code;
        if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err;
        throw new WristbandEmulatorError(
          'missing_peer_dependency',
          'The Wristband emulator of nestjs-wristband/testing needs the optional peer dependency "oidc-provider": run `npm install -D oidc-provider@~9.13`',
        );
      })
      .finally(() => {
        console.warn = warn;
      });
  }
  return loading;
}

/** A new Provider over the context's storage, keys and clients (8: rebuilt whenever those change). */
export function buildProvider(
  ctx: EmulatorContext,
  oidc: OidcModule,
  store: MapStore,
  cookieKeys: string[],
): OidcProvider {
  const { settings, directory } = ctx;
  const provider = new oidc.Provider(ctx.issuer, {
    adapter: mapAdapter(store), // 6
    clients: ctx.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: ctx.providerClientSecret, // the caller's secret is checked in client-auth.ts
      redirect_uris: c.redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic', // 10
      id_token_signed_response_alg: 'RS256',
    })),
    clientAuthMethods: ['client_secret_basic'],
    jwks: { keys: [ctx.keys.current.privateJwk] },
    cookies: { keys: cookieKeys },
    claims: {
      openid: ['sub', 'tnt_id', 'app_id', 'idp_name', 'tnt_name', 'app_name'],
      email: ['email', 'email_verified'],
      profile: PROFILE_CLAIMS,
      phone: ['phone_number', 'phone_number_verified'],
      roles: ['roles'],
      acr: null,
      sid: null,
      auth_time: null,
      iss: null,
    },
    scopes: OIDC_SCOPES,
    conformIdTokenClaims: false,
    extraParams: ['wb_offline'],
    allowOmittingSingleRegisteredRedirectUri: false,
    responseTypes: ['code'],
    pkce: { required: () => true },
    async findAccount(_ctx: Loose, sub: string) {
      const u = directory.findUser(sub);
      if (!u || u.id !== sub) return undefined;
      return {
        accountId: u.id,
        claims: async (use: string) => userClaims(ctx, u, new Set(OIDC_SCOPES), use),
      };
    },
    features: {
      devInteractions: { enabled: false }, // 7
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      introspection: { enabled: false },
      userinfo: { enabled: true }, // advertised in discovery; the route itself is served by the emulator (4)
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx: Loose, client: Loose, token: Loose) =>
          token.clientId === client.clientId,
      },
      resourceIndicators: {
        // 3: the only way to JWT access tokens
        enabled: true,
        defaultResource: async () => ctx.resource,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: Loose, resource: string) => {
          if (resource !== ctx.resource) throw new oidc.errors.InvalidTarget();
          return {
            scope: OIDC_SCOPES.join(' '),
            audience: ctx.resource,
            accessTokenFormat: 'jwt',
            accessTokenTTL: settings.accessTokenTtl,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    formats: {
      customizers: {
        jwt: async (koa: Loose, token: Loose, jwt: Loose) =>
          shapeAccessToken(
            ctx,
            {
              accountId: token.accountId,
              grantId: token.grantId,
              source: koa?.oidc?.entities?.RefreshToken ?? koa?.oidc?.entities?.AuthorizationCode,
            },
            jwt,
          ),
      },
    },
    // 1: Wristband issues refresh tokens for offline_access without prompt=consent.
    issueRefreshToken: async (_ctx: Loose, client: Loose, code: Loose) => {
      if (!client.grantTypeAllowed('refresh_token')) return false;
      if (code.kind === 'AuthorizationCode') return ctx.ledger.offlineCodes.delete(code.jti);
      return code.scopes?.has('offline_access') ?? false;
    },
    expiresWithSession: async () => false, // 2
    // Consent is implicit in Wristband: a signed-in session always has a full grant (even after
    // its previous grant was revoked), so no consent prompt ever shows up (7).
    loadExistingGrant: async (koa: Loose) => {
      const accountId: string | undefined = koa.oidc.session?.accountId;
      const clientId: string = koa.oidc.client.clientId;
      const grantId = koa.oidc.result?.consent?.grantId || koa.oidc.session?.grantIdFor(clientId);
      let grant = grantId ? await koa.oidc.provider.Grant.find(grantId) : undefined;
      if (grant && accountId && grant.accountId !== accountId) grant = undefined;
      if (!grant) {
        if (!accountId) return undefined;
        grant = new koa.oidc.provider.Grant({ accountId, clientId });
      }
      grant.addOIDCScope(OIDC_SCOPES.join(' '));
      grant.addResourceScope(ctx.resource, OIDC_SCOPES.join(' '));
      await grant.save();
      return grant;
    },
    rotateRefreshToken: () => settings.rotateRefreshTokens && !settings.omitRefreshOnRefresh, // 11
    interactions: {
      url: async (_ctx: Loose, interaction: Loose) => `/interaction/${interaction.uid}`,
    },
    renderError: async (koa: Loose, out: Loose) => {
      koa.type = 'html';
      koa.body = errorPage('Authorization error', out.error_description ?? out.error, {
        error: out.error,
        state: out.state,
      });
    },
    routes: {
      authorization: PATHS.authorize,
      token: PATHS.token,
      revocation: PATHS.revoke,
      jwks: PATHS.jwks,
      userinfo: PATHS.userinfo,
      end_session: '/api/v1/oauth2/end_session_disabled',
    },
    ttl: {
      AccessToken: () => settings.accessTokenTtl,
      AuthorizationCode: () => 60,
      IdToken: () => 3600,
      RefreshToken: () => settings.refreshTokenTtlSeconds,
      Grant: () => settings.refreshTokenTtlSeconds,
      Session: () => 24 * 3600,
      Interaction: () => 3600,
      ClientCredentials: () => 600,
      DeviceCode: () => 600,
      BackchannelAuthenticationRequest: () => 600,
      PreAuthorizedCode: () => 600,
    },
  });
  provider.proxy = false;

  provider.on('server_error', (_koa: Loose, err: Error) => {
    console.error('[wristband-emulator] provider server_error:', err);
  });
  provider.on('error', (err: Error) => {
    if (!settings.quiet) console.error('[wristband-emulator] provider error:', err.message);
  });

  // Post-processing of provider responses.
  provider.use(async (koa: Loose, next: () => Promise<void>) => {
    await next();
    const path: string = koa.path;
    if (
      (path === PATHS.authorize || path.startsWith(`${PATHS.authorize}/`)) &&
      koa.status >= 300 &&
      koa.status < 400
    ) {
      rewriteAuthorizeRedirect(ctx, koa);
    } else if (
      path === PATHS.token &&
      koa.status === 200 &&
      koa.body &&
      typeof koa.body === 'object'
    ) {
      const refreshGrant = koa.oidc?.params?.grant_type === 'refresh_token';
      // oidc-provider leaves offline_access out of the granted scope (no prompt=consent); Wristband lists
      // it whenever the grant is offline: a code exchange that issued a refresh token, or any refresh.
      if (refreshGrant || koa.body.refresh_token)
        koa.body.scope = withOfflineAccess(koa.body.scope);
      if (settings.omitRefreshOnRefresh && refreshGrant) delete koa.body.refresh_token;
    }
  });
  return provider as OidcProvider;
}

/** Adds tenant_name to successful redirects back to the client (9), drops the RFC 9207 `iss`
 *  (Wristband does not send it), remembers codes whose request asked for offline_access. */
function rewriteAuthorizeRedirect(ctx: EmulatorContext, koa: Loose): void {
  const location: string | undefined = koa.response.get('Location');
  if (!location || location.startsWith('/')) return;
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return;
  }
  if (!url.searchParams.has('code') && !url.searchParams.has('error')) return;
  url.searchParams.delete('iss');
  const code = url.searchParams.get('code');
  if (code) {
    const tenant = tenantLabel(koa.get('host'));
    if (tenant) url.searchParams.set('tenant_name', tenant);
    let offline = false;
    try {
      offline = koa.oidc?.params?.wb_offline === '1';
    } catch {
      /* no oidc context */
    }
    if (offline) ctx.ledger.offlineCodes.add(code);
  }
  koa.set('Location', url.href);
}
