/**
 * What the emulator's parts share: Wristband's fixed URL shapes and scopes, and one emulator's state
 * (the `WristbandEmulator` owns it; routes, provider configuration and token minting read it).
 */
import type * as http from 'node:http';
import type { Directory } from './directory.js';
import type { KeyRing } from './keys.js';
import type { MapStore } from './map-adapter.js';
import type { EmulatorClient } from './seed.js';

export const PATHS = {
  authorize: '/api/v1/oauth2/authorize',
  token: '/api/v1/oauth2/token',
  userinfo: '/api/v1/oauth2/userinfo',
  revoke: '/api/v1/oauth2/revoke',
  jwks: '/api/v1/oauth2/jwks',
  logout: '/api/v1/logout',
  login: '/login',
  discovery: '/.well-known/openid-configuration',
} as const;

export const OIDC_SCOPES = ['openid', 'offline_access', 'email', 'profile', 'phone', 'roles'];

/** What the emulator can change while it runs (control API). */
export interface EmulatorSettings {
  accessTokenTtl: number;
  refreshTokenTtlSeconds: number;
  rotateRefreshTokens: boolean;
  /** Refresh responses without `refresh_token` (and no rotation), like a Wristband keeping the old one valid. */
  omitRefreshOnRefresh: boolean;
  accessTokenRoles: boolean;
  quiet: boolean;
}

/** JWT access tokens are not stored by oidc-provider (EMULATOR.md trap 5): what userinfo and revocation need. */
export interface TokenLedger {
  /** jti → grant of every access token the provider issued. */
  readonly issued: Map<string, { grantId?: string; exp: number }>;
  readonly minted: Set<string>;
  readonly revoked: Set<string>;
  /** Authorization codes whose authorization request asked for offline_access. */
  readonly offlineCodes: Set<string>;
}

export interface OidcGrant {
  accountId?: string;
  clientId?: string;
  addOIDCScope(scope: string): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}

export interface OidcInteraction {
  uid: string;
  grantId?: string;
  prompt?: { name?: string };
  session?: { accountId?: string };
  params: { client_id?: string; login_hint?: string };
}

/** The part of an oidc-provider `Provider` the emulator uses (the package ships no type declarations). */
export interface OidcProvider {
  proxy: boolean;
  cookieName(kind: 'session'): string;
  interactionDetails(req: http.IncomingMessage, res: http.ServerResponse): Promise<OidcInteraction>;
  interactionResult(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    result: Record<string, unknown>,
    options: { mergeWithLastSubmission: boolean },
  ): Promise<string>;
  Grant: {
    new (init: { accountId: string; clientId?: string }): OidcGrant;
    find(id: string): Promise<OidcGrant | undefined>;
  };
  callback(): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
}

export interface EmulatorContext {
  readonly port: number;
  /** `localhost:PORT` */
  readonly vanityDomain: string;
  /** `http://localhost:PORT` */
  readonly issuer: string;
  /** The resource indicator every access token is issued for (EMULATOR.md trap 3). */
  readonly resource: string;
  readonly directory: Directory;
  readonly clients: EmulatorClient[];
  /** Client id → the secrets valid now (client-auth.ts); the first one is the client's `clientSecret`. */
  readonly clientSecrets: Map<string, readonly string[]>;
  /** The secret every client has inside oidc-provider, which keeps only one (client-auth.ts). */
  readonly providerClientSecret: string;
  readonly store: MapStore;
  readonly keys: KeyRing;
  readonly settings: EmulatorSettings;
  readonly ledger: TokenLedger;
  /** The current Provider and its request handler: rebuilt when keys rotate or clients change (trap 8). */
  provider: OidcProvider;
  serveOidc: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
}

export function findClient(
  ctx: EmulatorContext,
  clientId: string | null | undefined,
): EmulatorClient | undefined {
  return clientId ? ctx.clients.find((c) => c.clientId === clientId) : undefined;
}

/** The origins a client may be sent back to: those of its redirect URIs and its Login URL. */
export function originsOf(client: EmulatorClient): Set<string> {
  const out = new Set<string>();
  for (const u of [...client.redirectUris, client.loginUrl]) {
    if (!u) continue;
    try {
      out.add(new URL(u).origin);
    } catch {
      /* not a URL: no origin */
    }
  }
  return out;
}

export function log(ctx: EmulatorContext, message: string): void {
  if (!ctx.settings.quiet) console.log(`[wristband-emulator] ${message}`);
}
