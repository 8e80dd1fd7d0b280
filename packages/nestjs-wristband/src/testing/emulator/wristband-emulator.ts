// Over 300 lines on purpose: the emulator's whole control API (counts, faults, lifetimes, keys, clients) in
// one class that tests drive; the HTTP, provider and route code it controls lives in the files beside it.
/**
 * Local Wristband emulator: a real OpenID Provider (oidc-provider 9.x) over real HTTP, serving
 * Wristband's URL shapes and claims. See /work/shared/design/WRISTBAND-API.md and EMULATOR.md.
 *
 * This class is the emulator's control API (counts, faults, lifetimes, rotation switches, keys, clients)
 * and owns its state. The parts: server.ts (listeners), router.ts (one request's way), provider.ts (the
 * OpenID Provider configuration), wristband-routes.ts and interaction-routes.ts (what the emulator
 * serves itself), tokens.ts (minted tokens), keys.ts, faults.ts, claims.ts, directory.ts (who exists).
 */
import type * as http from 'node:http';
import { authorizeViaForm } from './browser-login.js';
import type { EmulatorContext, EmulatorSettings } from './context.js';
import { Directory } from './directory.js';
import { WristbandEmulatorError } from './emulator.error.js';
import {
  CallCounter,
  FaultInjector,
  type CountedEndpoint,
  type Fault,
  type GrantType,
} from './faults.js';
import { randomId, send } from './http.js';
import { KeyRing, type JWK } from './keys.js';
import { MapStore } from './map-adapter.js';
import { buildProvider, loadOidcProvider, type OidcModule } from './provider.js';
import { fail, route } from './router.js';
import {
  DEFAULT_CLIENT,
  type EmulatorClient,
  type SeedApplication,
  type SeedTenant,
  type SeedUser,
} from './seed.js';
import { LoopbackServers } from './server.js';
import { mintAccessToken, type MintOptions } from './tokens.js';
import type { CookieJar } from '../http-client.js';

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Access token lifetime in seconds (default 1800, at least 2). */
  accessTokenTtlSeconds?: number;
  /** Refresh token (and grant) lifetime in seconds (default 30 days). */
  refreshTokenTtlSeconds?: number;
  /** Refresh token rotation (default true). */
  rotateRefreshTokens?: boolean;
  /** Add `roles` to access tokens (default false, like Wristband). */
  accessTokenRoles?: boolean;
  /** Registered OAuth clients (default: the seed's `wb-demo-client`). */
  clients?: EmulatorClient[];
  /** The application (default: the seed's `invotastic`). */
  application?: SeedApplication;
  /** Every tenant of the application (default: the seed's acme, globex, initech). */
  tenants?: SeedTenant[];
  /** Every user (default: the seed's alice, bob, carol, dave); each belongs to one of `tenants`. */
  users?: SeedUser[];
  /** Faults injected before the first request (see `injectFault`). */
  faults?: Fault[];
  /** No request logging (default true). */
  quiet?: boolean;
}

export class WristbandEmulator {
  readonly port: number;
  /** `localhost:PORT`: the application vanity domain. Tenant domains are `{tenant}.localhost:PORT`. */
  readonly vanityDomain: string;
  /** `http://localhost:PORT` */
  readonly issuer: string;
  /** Same as `issuer`: the base URL of the vanity domain. */
  readonly url: string;

  private readonly ctx: EmulatorContext;
  private readonly store = new MapStore();
  private readonly cookieKeys = [randomId(32), randomId(32)];
  private readonly counter = new CallCounter();
  private readonly faults = new FaultInjector();
  private closed = false;

  private constructor(
    port: number,
    opts: EmulatorOptions,
    keys: KeyRing,
    private readonly oidc: OidcModule,
    private readonly servers: LoopbackServers,
  ) {
    this.port = port;
    this.vanityDomain = `localhost:${port}`;
    this.issuer = `http://${this.vanityDomain}`;
    this.url = this.issuer;
    const settings: EmulatorSettings = {
      accessTokenTtl: checkedAccessTokenTtl(opts.accessTokenTtlSeconds ?? 1800),
      refreshTokenTtlSeconds: opts.refreshTokenTtlSeconds ?? 30 * 24 * 3600,
      rotateRefreshTokens: opts.rotateRefreshTokens ?? true,
      omitRefreshOnRefresh: false,
      accessTokenRoles: opts.accessTokenRoles ?? false,
      quiet: opts.quiet ?? true,
    };
    const clients = (opts.clients?.length ? opts.clients : [DEFAULT_CLIENT]).map((c) => ({
      ...c,
      redirectUris: [...c.redirectUris],
    }));
    this.ctx = {
      port,
      vanityDomain: this.vanityDomain,
      issuer: this.issuer,
      resource: `${this.issuer}/api`,
      directory: new Directory(opts.application, opts.tenants, opts.users),
      clients,
      clientSecrets: new Map(clients.map((c) => [c.clientId, [c.clientSecret]])),
      providerClientSecret: randomId(32),
      store: this.store,
      keys,
      settings,
      ledger: { issued: new Map(), minted: new Set(), revoked: new Set(), offlineCodes: new Set() },
      // Set by rebuild() below, before the server hands this emulator any request.
      provider: undefined as never,
      serveOidc: undefined as never,
    };
    for (const f of opts.faults ?? []) this.faults.inject(f);
    this.rebuild();
  }

  /** Use `startEmulator()`. */
  static async start(opts: EmulatorOptions = {}): Promise<WristbandEmulator> {
    checkedAccessTokenTtl(opts.accessTokenTtlSeconds ?? 1800);
    const oidc = await loadOidcProvider();
    const keys = await KeyRing.create();
    const ref: { emu?: WristbandEmulator } = {};
    const { servers, port } = await LoopbackServers.listen((req, res) => {
      const emu = ref.emu;
      if (!emu)
        send(res, 503, {
          error: 'temporarily_unavailable',
          error_description: 'emulator starting',
        });
      else emu.handle(req, res);
    }, opts.port ?? 0);
    try {
      ref.emu = new WristbandEmulator(port, opts, keys, oidc, servers);
    } catch (err) {
      await servers.close();
      throw err;
    }
    return ref.emu;
  }

  tenantUrl(tenant: string): string {
    return `http://${tenant}.${this.vanityDomain}`;
  }

  /** A user by email or id; throws when there is none. */
  user(email: string): SeedUser {
    return this.ctx.directory.user(email);
  }

  tenant(name: string): SeedTenant {
    return this.ctx.directory.tenant(name);
  }

  get users(): readonly SeedUser[] {
    return this.ctx.directory.users;
  }

  get tenants(): readonly SeedTenant[] {
    return this.ctx.directory.tenants;
  }

  /** A registered client (default: the first one). */
  client(clientId?: string): EmulatorClient {
    const c = clientId
      ? this.ctx.clients.find((x) => x.clientId === clientId)
      : this.ctx.clients[0];
    if (!c) throw new WristbandEmulatorError('not_found', `emulator: no client ${clientId}`);
    return c;
  }

  /**
   * Registers more redirect URIs for a client (and its Login URL when it has none yet), for apps whose
   * port is known only after the emulator started. Effective for the next authorization request.
   */
  registerRedirectUris(clientId: string, redirectUris: string[], loginUrl?: string): void {
    const client = this.client(clientId);
    for (const uri of [...redirectUris, ...(loginUrl ? [loginUrl] : [])]) {
      if (!URL.canParse(uri))
        throw new WristbandEmulatorError('invalid_option', `emulator: not a URL: ${uri}`);
    }
    const added = redirectUris.filter((u) => !client.redirectUris.includes(u));
    client.redirectUris.push(...added);
    const newLoginUrl = !client.loginUrl && loginUrl !== undefined;
    if (newLoginUrl) client.loginUrl = loginUrl;
    if (added.length || newLoginUrl) this.rebuild();
  }

  /**
   * The secrets a client authenticates with from now on, each one valid: `[old, new]` while a rotation is
   * under way, then `[new]` once the old one is deleted, as in Wristband's dashboard. Effective for the
   * next request; any other secret gets `401 invalid_client`. The first becomes `client(id).clientSecret`.
   */
  setClientSecrets(clientId: string, secrets: string[]): void {
    const client = this.client(clientId);
    if (!secrets.length || secrets.some((s) => typeof s !== 'string' || s === ''))
      throw new WristbandEmulatorError(
        'invalid_option',
        'emulator: setClientSecrets needs one or more non-empty secrets',
      );
    this.ctx.clientSecrets.set(client.clientId, [...secrets]);
    client.clientSecret = secrets[0];
  }

  // ---------------------------------------------------------------- counting and faults

  calls(endpoint: CountedEndpoint, grantType?: GrantType): number {
    return this.counter.calls(endpoint, grantType);
  }

  resetCalls(): void {
    this.counter.reset();
  }

  injectFault(f: Fault): void {
    this.faults.inject(f);
  }

  /** Drops pending faults. Requests already held by a `hang` fault stay held. */
  clearFaults(): void {
    this.faults.clear();
  }

  // ---------------------------------------------------------------- runtime state

  setAccessTokenTtl(seconds: number): void {
    this.ctx.settings.accessTokenTtl = checkedAccessTokenTtl(seconds);
  }

  setRefreshTokenRotation(on: boolean): void {
    this.ctx.settings.rotateRefreshTokens = on;
  }

  /** Strip `refresh_token` from refresh responses (like a Wristband that keeps the old refresh
   *  token valid). While on, refresh tokens are not rotated either (the old one stays valid). */
  setOmitRefreshTokenOnRefresh(on: boolean): void {
    this.ctx.settings.omitRefreshOnRefresh = on;
  }

  /** Revokes every grant (refresh tokens, access tokens for userinfo) and session of a user. */
  async revokeUserGrants(userIdOrEmail: string): Promise<void> {
    const user = this.user(userIdOrEmail);
    for (const { id, payload } of this.store.list('Grant')) {
      if (payload.accountId === user.id) {
        this.store.revokeByGrantId(id);
        this.store.delete(this.store.key('Grant', id));
      }
    }
    for (const { id, payload } of this.store.list('Session')) {
      if (payload.accountId === user.id) this.store.delete(this.store.key('Session', id));
    }
  }

  /** New signing key (new kid). JWKS serves the new key, plus the old ones when keepOld (default). */
  async rotateKeys(opts: { keepOld?: boolean } = {}): Promise<void> {
    await this.ctx.keys.rotate(opts.keepOld !== false);
    this.rebuild();
  }

  jwks(): { keys: JWK[] } {
    return this.ctx.keys.jwks();
  }

  /** Current signing key id. */
  get currentKid(): string {
    return this.ctx.keys.current.kid;
  }

  // ---------------------------------------------------------------- tokens and logins

  /** An access token signed with the emulator's keys (see `MintOptions`), accepted by its userinfo. */
  mintAccessToken(o: MintOptions = {}): Promise<string> {
    return mintAccessToken(this.ctx, o);
  }

  /**
   * Performs the browser steps over real HTTP: GET authorize on the tenant host, the login form,
   * POST the credentials, follow the provider's redirects. Returns the Location that points to
   * the client (its redirect_uri with code/state/tenant_name, or error/error_description/state).
   * Throws (message starts with "login refused") when the form is shown again with an error.
   */
  authorizeViaForm(
    authorizeUrl: string,
    creds: { username: string; password: string },
    jar?: CookieJar,
  ): Promise<string> {
    return authorizeViaForm(this.port, authorizeUrl, creds, jar);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Stops listening, ends held requests and forgets every grant and session. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.faults.close();
    await this.servers.close();
    this.store.clear();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.closed) {
      res.destroy();
      return;
    }
    route(this.ctx, { calls: this.counter, faults: this.faults }, req, res).catch((err: unknown) =>
      fail(res, err),
    );
  }

  /** A new Provider over the same storage, cookie keys and ledger (EMULATOR.md trap 8). */
  private rebuild(): void {
    const provider = buildProvider(this.ctx, this.oidc, this.store, this.cookieKeys);
    this.ctx.provider = provider;
    this.ctx.serveOidc = provider.callback();
  }
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<WristbandEmulator> {
  return WristbandEmulator.start(opts);
}

/**
 * `exp` is whole seconds after the whole-second `iat`, so a 1 s token can expire milliseconds after it is
 * issued (and fail the login's userinfo call). 2 s is the shortest lifetime that always outlives a login.
 */
function checkedAccessTokenTtl(seconds: number): number {
  if (!(Number.isInteger(seconds) && seconds >= 2)) {
    throw new WristbandEmulatorError(
      'invalid_option',
      'emulator: access token TTL must be an integer of at least 2 seconds',
    );
  }
  return seconds;
}
