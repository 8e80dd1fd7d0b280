/**
 * Local Wristband emulator: a real OpenID Provider (oidc-provider 9.x) over real HTTP, serving
 * Wristband's URL shapes and claims. See /work/shared/design/WRISTBAND-API.md and EMULATOR.md.
 *
 * Layout: one plain `node:http` handler per listener (127.0.0.1 and ::1, same port). It counts
 * calls, applies injected faults, serves the Wristband-specific endpoints itself (userinfo, JWKS,
 * logout, application login page, SDK configuration, login form) and hands the OAuth endpoints
 * (authorize, token, revoke, discovery) to the current oidc-provider instance. Rotating keys builds
 * a new Provider over the same storage and cookie keys.
 */
import * as http from 'node:http';
import * as crypto from 'node:crypto';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import type { Socket } from 'node:net';
import * as jose from 'jose';

import { MapStore, mapAdapter } from './map-adapter.js';
import { errorPage, loginPage, tenantDiscoveryPage } from './pages.js';
import {
  APPLICATION,
  DEFAULT_CLIENT,
  IDP_NAME,
  findTenant,
  findUser,
  type EmulatorClient,
  type SeedTenant,
  type SeedUser,
} from './seed.js';
import { CookieJar, request as httpRequest } from '../support/http-client.js';

export type { EmulatorClient } from './seed.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Access token lifetime in seconds (default 1800). */
  accessTokenTtlSeconds?: number;
  /** Refresh token (and grant) lifetime in seconds (default 30 days). */
  refreshTokenTtlSeconds?: number;
  /** Refresh token rotation (default true). */
  rotateRefreshTokens?: boolean;
  /** Add `roles` to access tokens (default false, like Wristband). */
  accessTokenRoles?: boolean;
  /** Registered OAuth clients (default: the seed's `wb-demo-client`). */
  clients?: EmulatorClient[];
  /** No request logging (default true). */
  quiet?: boolean;
}

export type CountedEndpoint = 'token' | 'userinfo' | 'revoke' | 'jwks' | 'authorize' | 'logout';
export type FaultEndpoint = 'token' | 'userinfo' | 'revoke' | 'jwks';
export type GrantType = 'authorization_code' | 'refresh_token';

export interface Fault {
  endpoint: FaultEndpoint;
  /** Token endpoint only: match this grant_type. */
  grantType?: string;
  /** Respond with this status (after `delayMs`). Without `status` (and without `hang`), the request
   *  is only delayed and then served normally. */
  status?: number;
  /** Response body: object → JSON, string → as is. Default for a status: a Wristband-like JSON error. */
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Never answer: the request stays open until the client gives up or `close()` is called. */
  hang?: boolean;
  /** How many matching requests this fault applies to (default 1; Infinity allowed). */
  times?: number;
}

export interface MintOptions {
  claims?: Record<string, unknown>;
  omit?: string[];
  alg?: 'RS256' | 'HS256' | 'none' | 'ES256';
  key?: 'current' | 'foreign' | 'public-key-as-hmac';
  kid?: string;
  expiresInSeconds?: number;
}

export type JWK = jose.JWK;

const P = {
  authorize: '/api/v1/oauth2/authorize',
  token: '/api/v1/oauth2/token',
  userinfo: '/api/v1/oauth2/userinfo',
  revoke: '/api/v1/oauth2/revoke',
  jwks: '/api/v1/oauth2/jwks',
  logout: '/api/v1/logout',
  login: '/login',
} as const;

const OIDC_SCOPES = ['openid', 'offline_access', 'email', 'profile', 'phone', 'roles'];
const PROFILE_CLAIMS = [
  'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username',
  'picture', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at',
];
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_BODY = 64 * 1024;
/** JSON.stringify drops a property whose toJSON returns undefined: oidc-provider insists on a truthy
 *  `aud` in JWT access tokens, Wristband access tokens have none. */
const NO_AUD = Object.freeze({ toJSON: () => undefined });

let oidcModule: Promise<Any> | undefined;
/** oidc-provider is ESM-only and prints an "unsupported runtime" warning on Node 20 at import. */
function loadOidcProvider(): Promise<Any> {
  if (!oidcModule) {
    const spec = 'oidc-provider';
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return;
      warn(...args);
    };
    oidcModule = (import(spec) as Promise<Any>).finally(() => {
      console.warn = warn;
    });
  }
  return oidcModule;
}

interface SigningKey {
  kid: string;
  privateKey: crypto.KeyObject;
  publicKey: crypto.KeyObject;
  privateJwk: JWK;
  publicJwk: JWK;
}

const generateKeyPair = promisify(crypto.generateKeyPair);

async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('rsa', { modulusLength: 2048 });
  const publicJwk = publicKey.export({ format: 'jwk' }) as JWK;
  const thumb = await jose.calculateJwkThumbprint(publicJwk);
  const kid = thumb.slice(0, 16);
  return {
    kid,
    privateKey,
    publicKey,
    privateJwk: { ...(privateKey.export({ format: 'jwk' }) as JWK), kid, alg: 'RS256', use: 'sig' },
    publicJwk: { ...publicJwk, kid, alg: 'RS256', use: 'sig' },
  };
}

function epoch(): number {
  return Math.floor(Date.now() / 1000);
}

function randomId(bytes = 16): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

function tenantLabel(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  let hostname: string;
  try {
    hostname = new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  const labels = hostname.split('.');
  if (labels.length >= 2 && labels[labels.length - 1] === 'localhost') return labels[0];
  return undefined;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(Object.assign(new Error('request entity too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Presents an already-read request body to oidc-provider as if the stream were untouched. */
function withReplayedBody(req: http.IncomingMessage, body: Buffer): http.IncomingMessage {
  const replay = Readable.from([body], { objectMode: false });
  return new Proxy(req, {
    get(target, prop) {
      if (prop === 'readable') return replay.readable;
      if (prop === 'readableEncoding') return null;
      if (prop === 'iterator') return replay.iterator.bind(replay);
      if (prop === Symbol.asyncIterator) return replay[Symbol.asyncIterator].bind(replay);
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
    set(target, prop, value) {
      return Reflect.set(target, prop, value, target);
    },
  });
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  let payload: string;
  const h: Record<string, string> = { 'cache-control': 'no-store', ...headers };
  if (body === undefined || body === null) {
    payload = '';
  } else if (typeof body === 'string' || Buffer.isBuffer(body)) {
    payload = body.toString();
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'text/plain; charset=utf-8';
  } else {
    payload = JSON.stringify(body);
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json; charset=utf-8';
  }
  res.writeHead(status, { ...h, 'content-length': String(Buffer.byteLength(payload)) });
  res.end(payload);
}

function sendHtml(res: http.ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  send(res, status, html, { 'content-type': 'text/html; charset=utf-8', ...headers });
}

function redirect(res: http.ServerResponse, location: string, status = 302, headers: Record<string, string | string[]> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { location, 'cache-control': 'no-store', 'content-length': '0', ...headers });
  res.end();
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

function parseBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const raw = Buffer.from(m[1], 'base64').toString('utf8');
  const i = raw.indexOf(':');
  if (i < 0) return undefined;
  const dec = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return { id: dec(raw.slice(0, i)), secret: dec(raw.slice(i + 1)) };
}

function safeEqual(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

function originsOf(client: EmulatorClient): Set<string> {
  const out = new Set<string>();
  for (const u of [...client.redirectUris, client.loginUrl]) {
    if (!u) continue;
    try {
      out.add(new URL(u).origin);
    } catch {
      /* ignore */
    }
  }
  return out;
}

export class WristbandEmulator {
  readonly port: number;
  readonly vanityDomain: string;
  readonly issuer: string;
  readonly url: string;

  private readonly opts: Required<Omit<EmulatorOptions, 'clients' | 'port'>>;
  private readonly clients: EmulatorClient[];
  private readonly store = new MapStore();
  private readonly cookieKeys = [randomId(32), randomId(32)];
  private readonly resource: string;
  private accessTokenTtl: number;
  private rotate: boolean;
  private omitRefreshOnRefresh = false;

  private keys: SigningKey[] = []; // [0] signs; all are served in JWKS
  private foreignKeys: { rsa?: SigningKey; ec?: crypto.KeyObject } = {};
  private provider: Any;
  private providerHandler!: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
  private ProviderClass: Any;

  /** jti → grant of every access token the provider issued. */
  private readonly issuedJtis = new Map<string, { grantId?: string; exp: number }>();
  private readonly mintedJtis = new Set<string>();
  private readonly revokedJtis = new Set<string>();
  /** Authorization codes whose authorization request asked for offline_access. */
  private readonly offlineCodes = new Set<string>();

  private counts = new Map<string, number>();
  private faults: Array<Fault & { remaining: number }> = [];

  private servers: http.Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private readonly hung = new Set<http.ServerResponse>();
  private closed = false;

  /** Use `startEmulator()`. */
  private constructor(port: number, opts: EmulatorOptions) {
    this.port = port;
    this.vanityDomain = `localhost:${port}`;
    this.issuer = `http://${this.vanityDomain}`;
    this.url = this.issuer;
    this.resource = `${this.issuer}/api`;
    this.opts = {
      accessTokenTtlSeconds: opts.accessTokenTtlSeconds ?? 1800,
      refreshTokenTtlSeconds: opts.refreshTokenTtlSeconds ?? 30 * 24 * 3600,
      rotateRefreshTokens: opts.rotateRefreshTokens ?? true,
      accessTokenRoles: opts.accessTokenRoles ?? false,
      quiet: opts.quiet ?? true,
    };
    this.accessTokenTtl = checkedAccessTokenTtl(this.opts.accessTokenTtlSeconds);
    this.rotate = this.opts.rotateRefreshTokens;
    this.clients = (opts.clients?.length ? opts.clients : [DEFAULT_CLIENT]).map((c) => ({
      ...c,
      redirectUris: [...c.redirectUris],
    }));
  }

  /** @internal */
  static async start(opts: EmulatorOptions = {}): Promise<WristbandEmulator> {
    const mod = await loadOidcProvider();
    const handlerRef: { emu?: WristbandEmulator } = {};
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      const emu = handlerRef.emu;
      if (!emu) {
        send(res, 503, { error: 'temporarily_unavailable', error_description: 'emulator starting' });
        return;
      }
      emu.handle(req, res).catch((err: unknown) => emu.fail(res, err));
    };
    const sockets = new Set<Socket>();
    const { servers, port } = await listenLoopback(handler, opts.port ?? 0, sockets);
    const emu = new WristbandEmulator(port, opts);
    emu.servers = servers;
    for (const s of sockets) emu.sockets.add(s);
    for (const server of servers) {
      server.on('connection', (s: Socket) => {
        emu.sockets.add(s);
        s.on('close', () => emu.sockets.delete(s));
      });
    }
    emu.ProviderClass = mod.Provider;
    emu.keys = [await newSigningKey()];
    emu.buildProvider();
    handlerRef.emu = emu;
    return emu;
  }

  tenantUrl(tenant: string): string {
    return `http://${tenant}.${this.vanityDomain}`;
  }

  user(email: string): SeedUser {
    const u = findUser(email);
    if (!u) throw new Error(`emulator: no seed user ${email}`);
    return u;
  }

  tenant(name: string): SeedTenant {
    const t = findTenant(name);
    if (!t) throw new Error(`emulator: no seed tenant ${name}`);
    return t;
  }

  client(clientId?: string): EmulatorClient {
    const c = clientId ? this.clients.find((x) => x.clientId === clientId) : this.clients[0];
    if (!c) throw new Error(`emulator: no client ${clientId}`);
    return c;
  }

  // ---------------------------------------------------------------- counting and faults

  calls(endpoint: CountedEndpoint, grantType?: GrantType): number {
    return this.counts.get(grantType ? `${endpoint}:${grantType}` : endpoint) ?? 0;
  }

  resetCalls(): void {
    this.counts = new Map();
  }

  injectFault(f: Fault): void {
    const times = f.times ?? 1;
    if (!(times > 0)) throw new Error('emulator: fault times must be > 0');
    this.faults.push({ ...f, remaining: times });
  }

  clearFaults(): void {
    this.faults = [];
  }

  private count(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  private takeFault(endpoint: string, grantType?: string): Fault | undefined {
    const i = this.faults.findIndex(
      (f) => f.endpoint === endpoint && (f.grantType === undefined || f.grantType === grantType),
    );
    if (i < 0) return undefined;
    const f = this.faults[i];
    f.remaining -= 1;
    if (f.remaining <= 0) this.faults.splice(i, 1);
    return f;
  }

  // ---------------------------------------------------------------- runtime state

  setAccessTokenTtl(seconds: number): void {
    this.accessTokenTtl = checkedAccessTokenTtl(seconds);
  }

  setRefreshTokenRotation(on: boolean): void {
    this.rotate = on;
  }

  /** Strip `refresh_token` from refresh responses (like a Wristband that keeps the old refresh
   *  token valid). While on, refresh tokens are not rotated either (the old one stays valid). */
  setOmitRefreshTokenOnRefresh(on: boolean): void {
    this.omitRefreshOnRefresh = on;
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
    const key = await newSigningKey();
    this.keys = opts.keepOld === false ? [key] : [key, ...this.keys];
    this.buildProvider();
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => ({ ...k.publicJwk })) };
  }

  /** Current signing key id. */
  get currentKid(): string {
    return this.keys[0].kid;
  }

  // ---------------------------------------------------------------- tokens

  async mintAccessToken(o: MintOptions = {}): Promise<string> {
    const now = epoch();
    const client = this.clients[0];
    const alice = this.user('alice@acme.test');
    const tenant = this.tenant(alice.tenant);
    const jti = randomId();
    const isClient = o.claims?.sub_kind === 'client';
    const base: Record<string, unknown> = isClient
      ? {
          iss: this.issuer,
          sub: client.clientId,
          sub_kind: 'client',
          client_id: client.clientId,
          tnt_id: tenant.id,
          app_id: APPLICATION.id,
          van_dom: this.vanityDomain,
          scope: '',
          iat: now,
          exp: now + (o.expiresInSeconds ?? this.accessTokenTtl),
          jti,
        }
      : {
          iss: this.issuer,
          sub: alice.id,
          sub_kind: 'user',
          client_id: client.clientId,
          tnt_id: tenant.id,
          app_id: APPLICATION.id,
          idp_name: IDP_NAME,
          van_dom: this.vanityDomain,
          scope: 'openid offline_access email profile roles',
          amr: ['pwd'],
          auth_time: now,
          iat: now,
          exp: now + (o.expiresInSeconds ?? this.accessTokenTtl),
          jti,
        };
    if (!isClient && this.opts.accessTokenRoles) base.roles = alice.roles;
    const payload: Record<string, unknown> = { ...base, ...(o.claims ?? {}) };
    for (const k of o.omit ?? []) delete payload[k];
    if (typeof payload.jti === 'string') this.mintedJtis.add(payload.jti);

    const alg = o.alg ?? 'RS256';
    const keyMode = o.key ?? 'current';
    const body = Buffer.from(JSON.stringify(payload));
    if (alg === 'none') {
      const header = { alg: 'none', typ: 'at+JWT', ...(o.kid ? { kid: o.kid } : {}) };
      return `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${body.toString('base64url')}.`;
    }
    const header = { alg, typ: 'at+JWT', kid: o.kid ?? this.currentKid };
    let key: crypto.KeyObject | Uint8Array;
    if (alg === 'RS256') {
      if (keyMode === 'current') key = this.keys[0].privateKey;
      else if (keyMode === 'foreign') key = (this.foreignKeys.rsa ??= await newSigningKey()).privateKey;
      else throw new Error('emulator: key "public-key-as-hmac" needs alg HS256');
    } else if (alg === 'HS256') {
      if (keyMode === 'public-key-as-hmac') {
        key = Buffer.from(this.keys[0].publicKey.export({ format: 'pem', type: 'spki' }) as string);
      } else if (keyMode === 'current') {
        key = Buffer.from(client.clientSecret);
      } else {
        key = crypto.randomBytes(32);
      }
    } else if (alg === 'ES256') {
      this.foreignKeys.ec ??= (await generateKeyPair('ec', { namedCurve: 'P-256' })).privateKey;
      key = this.foreignKeys.ec;
    } else {
      throw new Error(`emulator: unsupported alg ${String(alg)}`);
    }
    return new jose.CompactSign(body).setProtectedHeader(header).sign(key);
  }

  // ---------------------------------------------------------------- browser helper

  /**
   * Performs the browser steps over real HTTP: GET authorize on the tenant host, the login form,
   * POST the credentials, follow the provider's redirects. Returns the Location that points to
   * the client (its redirect_uri with code/state/tenant_name, or error/error_description/state).
   * Throws (message starts with "login refused") when the form is shown again with an error.
   */
  async authorizeViaForm(authorizeUrl: string, creds: { username: string; password: string }, jar = new CookieJar()): Promise<string> {
    let res = await httpRequest(authorizeUrl, { jar });
    let posted = false;
    for (let hop = 0; hop < 15; hop += 1) {
      if (res.status >= 300 && res.status < 400 && res.location) {
        if (!this.isOwnUrl(res.location)) return res.location;
        res = await httpRequest(res.location, { jar });
        continue;
      }
      if (res.status < 500 && /id="login-form"/.test(res.text)) {
        if (posted) {
          const msg = /id="login-error"[^>]*>([^<]*)</.exec(res.text)?.[1] ?? 'login form shown again';
          throw Object.assign(new Error(`login refused (HTTP ${res.status}): ${msg}`), { status: res.status });
        }
        const action = /<form[^>]*action="([^"]+)"/.exec(res.text)?.[1]?.replace(/&amp;/g, '&');
        if (!action) throw new Error('authorizeViaForm: login form without action');
        posted = true;
        res = await httpRequest(new URL(action, res.url).href, {
          method: 'POST',
          jar,
          body: new URLSearchParams({ username: creds.username, password: creds.password }),
        });
        continue;
      }
      throw Object.assign(
        new Error(`authorizeViaForm: unexpected HTTP ${res.status} at ${new URL(res.url).pathname}: ${res.text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 300)}`),
        { status: res.status },
      );
    }
    throw new Error('authorizeViaForm: too many redirects');
  }

  private isOwnUrl(u: string): boolean {
    try {
      const url = new URL(u);
      const h = url.hostname;
      return Number(url.port) === this.port && (h === 'localhost' || h.endsWith('.localhost') || h === '127.0.0.1' || h === '[::1]');
    } catch {
      return false;
    }
  }

  // ---------------------------------------------------------------- lifecycle

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.faults = [];
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.timers.clear();
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.store.clear();
  }

  // ---------------------------------------------------------------- provider

  private buildProvider(): void {
    const emu = this;
    const Provider = this.ProviderClass;
    const claimsFor = (u: SeedUser, use: string) => this.userClaims(u, new Set(OIDC_SCOPES), use);

    const provider = new Provider(this.issuer, {
      adapter: mapAdapter(this.store),
      clients: this.clients.map((c) => ({
        client_id: c.clientId,
        client_secret: c.clientSecret,
        redirect_uris: c.redirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'RS256',
      })),
      clientAuthMethods: ['client_secret_basic'],
      jwks: { keys: [this.keys[0].privateJwk] },
      cookies: { keys: this.cookieKeys },
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
      async findAccount(_ctx: Any, sub: string) {
        const u = findUser(sub);
        if (!u || u.id !== sub) return undefined;
        return { accountId: u.id, claims: async (use: string) => claimsFor(u, use) };
      },
      features: {
        devInteractions: { enabled: false },
        dPoP: { enabled: false },
        pushedAuthorizationRequests: { enabled: false },
        rpInitiatedLogout: { enabled: false },
        introspection: { enabled: false },
        userinfo: { enabled: true }, // advertised in discovery; the route itself is served by the emulator
        revocation: {
          enabled: true,
          allowedPolicy: async (_ctx: Any, client: Any, token: Any) => token.clientId === client.clientId,
        },
        resourceIndicators: {
          enabled: true,
          defaultResource: async () => emu.resource,
          useGrantedResource: async () => true,
          getResourceServerInfo: async (_ctx: Any, resource: string) => {
            if (resource !== emu.resource) throw new ErrorsRef.InvalidTarget();
            return {
              scope: OIDC_SCOPES.join(' '),
              audience: emu.resource,
              accessTokenFormat: 'jwt',
              accessTokenTTL: emu.accessTokenTtl,
              jwt: { sign: { alg: 'RS256' } },
            };
          },
        },
      },
      formats: {
        customizers: {
          jwt: async (ctx: Any, token: Any, jwt: Any) => emu.customizeAccessToken(ctx, token, jwt),
        },
      },
      issueRefreshToken: async (_ctx: Any, client: Any, code: Any) => {
        if (!client.grantTypeAllowed('refresh_token')) return false;
        if (code.kind === 'AuthorizationCode') return emu.offlineCodes.delete(code.jti);
        return code.scopes?.has('offline_access') ?? false;
      },
      expiresWithSession: async () => false,
      // Consent is implicit in Wristband: a signed-in session always has a full grant (even after
      // its previous grant was revoked), so no consent prompt ever shows up.
      loadExistingGrant: async (ctx: Any) => {
        const accountId: string | undefined = ctx.oidc.session?.accountId;
        const clientId: string = ctx.oidc.client.clientId;
        const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session?.grantIdFor(clientId);
        let grant = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
        if (grant && accountId && grant.accountId !== accountId) grant = undefined;
        if (!grant) {
          if (!accountId) return undefined;
          grant = new ctx.oidc.provider.Grant({ accountId, clientId });
        }
        grant.addOIDCScope(OIDC_SCOPES.join(' '));
        grant.addResourceScope(emu.resource, OIDC_SCOPES.join(' '));
        await grant.save();
        return grant;
      },
      rotateRefreshToken: () => emu.rotate && !emu.omitRefreshOnRefresh,
      interactions: { url: async (_ctx: Any, interaction: Any) => `/interaction/${interaction.uid}` },
      renderError: async (ctx: Any, out: Any) => {
        ctx.type = 'html';
        ctx.body = errorPage('Authorization error', out.error_description ?? out.error, { error: out.error, state: out.state });
      },
      routes: {
        authorization: P.authorize,
        token: P.token,
        revocation: P.revoke,
        jwks: P.jwks,
        userinfo: P.userinfo,
        end_session: '/api/v1/oauth2/end_session_disabled',
      },
      ttl: {
        AccessToken: () => emu.accessTokenTtl,
        AuthorizationCode: () => 60,
        IdToken: () => 3600,
        RefreshToken: () => emu.opts.refreshTokenTtlSeconds,
        Grant: () => emu.opts.refreshTokenTtlSeconds,
        Session: () => 24 * 3600,
        Interaction: () => 3600,
        ClientCredentials: () => 600,
        DeviceCode: () => 600,
        BackchannelAuthenticationRequest: () => 600,
        PreAuthorizedCode: () => 600,
      },
    });
    provider.proxy = false;

    provider.on('server_error', (_ctx: Any, err: Error) => {
      console.error('[wristband-emulator] provider server_error:', err);
    });
    provider.on('error', (err: Error) => {
      if (!emu.opts.quiet) console.error('[wristband-emulator] provider error:', err.message);
    });

    // Post-processing of provider responses.
    provider.use(async (ctx: Any, next: () => Promise<void>) => {
      await next();
      const path: string = ctx.path;
      if ((path === P.authorize || path.startsWith(`${P.authorize}/`)) && ctx.status >= 300 && ctx.status < 400) {
        emu.rewriteAuthorizeRedirect(ctx);
      } else if (path === P.token && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
        const refreshGrant = ctx.oidc?.params?.grant_type === 'refresh_token';
        // oidc-provider leaves offline_access out of the granted scope (no prompt=consent); Wristband lists
        // it whenever the grant is offline: a code exchange that issued a refresh token, or any refresh.
        if (refreshGrant || ctx.body.refresh_token) ctx.body.scope = withOfflineAccess(ctx.body.scope);
        if (emu.omitRefreshOnRefresh && refreshGrant) delete ctx.body.refresh_token;
      }
    });

    this.provider = provider;
    this.providerHandler = provider.callback();
  }

  /** Adds tenant_name to successful redirects back to the client, drops the RFC 9207 `iss`
   *  (Wristband does not send it), remembers codes whose request asked for offline_access. */
  private rewriteAuthorizeRedirect(ctx: Any): void {
    const location: string | undefined = ctx.response.get('Location');
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
      const tenant = tenantLabel(ctx.get('host'));
      if (tenant) url.searchParams.set('tenant_name', tenant);
      let offline = false;
      try {
        offline = ctx.oidc?.params?.wb_offline === '1';
      } catch {
        /* no oidc context */
      }
      if (offline) this.offlineCodes.add(code);
    }
    ctx.set('Location', url.href);
  }

  private customizeAccessToken(ctx: Any, token: Any, jwt: Any): void {
    const p = jwt.payload;
    const user = findUser(String(token.accountId ?? ''));
    const src = ctx?.oidc?.entities?.RefreshToken ?? ctx?.oidc?.entities?.AuthorizationCode;
    if (user && user.id === token.accountId) {
      const tenant = this.tenant(user.tenant);
      Object.assign(p, {
        sub_kind: 'user',
        tnt_id: tenant.id,
        app_id: APPLICATION.id,
        idp_name: IDP_NAME,
        van_dom: this.vanityDomain,
        amr: src?.amr ?? ['pwd'],
        auth_time: src?.authTime,
      });
      if (user.customClaims) p.custom_claims = { ...user.customClaims };
      if (this.opts.accessTokenRoles) p.roles = user.roles.map((r) => ({ ...r }));
    } else {
      Object.assign(p, { sub_kind: 'client', app_id: APPLICATION.id, van_dom: this.vanityDomain });
    }
    p.aud = NO_AUD;
    if (src?.kind === 'RefreshToken' || (src?.kind === 'AuthorizationCode' && this.offlineCodes.has(src.jti)))
      p.scope = withOfflineAccess(p.scope);
    delete p.authorization_details;
    jwt.header = { typ: 'at+JWT' };
    this.issuedJtis.set(p.jti, { grantId: token.grantId, exp: p.exp });
  }

  /** Wristband claims of a user for the given scopes ('userinfo' or 'id_token' use). */
  private userClaims(u: SeedUser, scopes: Set<string>, use: string): Record<string, unknown> {
    const tenant = this.tenant(u.tenant);
    const c: Record<string, unknown> = {
      sub: u.id,
      tnt_id: tenant.id,
      app_id: APPLICATION.id,
      idp_name: IDP_NAME,
    };
    if (use === 'id_token') {
      if (scopes.has('email')) Object.assign(c, { email: u.email, email_verified: u.emailVerified });
      return c;
    }
    Object.assign(c, { tnt_name: tenant.name, app_name: APPLICATION.name });
    if (scopes.has('profile')) {
      Object.assign(c, {
        name: u.name,
        given_name: u.givenName,
        family_name: u.familyName,
        middle_name: null,
        nickname: null,
        preferred_username: u.preferredUsername,
        picture: null,
        gender: null,
        birthdate: null,
        zoneinfo: u.zoneinfo,
        locale: u.locale,
        updated_at: u.updatedAt,
      });
    }
    if (scopes.has('email')) Object.assign(c, { email: u.email, email_verified: u.emailVerified });
    if (scopes.has('phone')) Object.assign(c, { phone_number: u.phoneNumber ?? null, phone_number_verified: u.phoneNumber ? true : null });
    if (scopes.has('roles')) c.roles = u.roles.map((r) => ({ ...r }));
    if (u.customClaims) c.custom_claims = { ...u.customClaims };
    return c;
  }

  // ---------------------------------------------------------------- HTTP

  private fail(res: http.ServerResponse, err: unknown): void {
    const status = (err as { status?: number })?.status;
    if (status && status >= 400 && status < 500) {
      send(res, status, { error: 'invalid_request', error_description: (err as Error).message });
      return;
    }
    console.error('[wristband-emulator] internal error:', err);
    send(res, 500, { error: 'server_error', error_description: 'emulator internal error' });
  }

  private log(msg: string): void {
    if (!this.opts.quiet) console.log(`[wristband-emulator] ${msg}`);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.timers.add(entry);
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (this.closed) {
      res.destroy();
      return;
    }
    const started = Date.now();
    if (!this.opts.quiet) {
      res.on('finish', () => this.log(`${req.method} ${req.headers.host ?? ''}${(req.url ?? '').split('?')[0]} -> ${res.statusCode} (${Date.now() - started} ms)`));
    }
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const path = url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();

    let endpoint: CountedEndpoint | undefined;
    if (path === P.token) endpoint = 'token';
    else if (path === P.userinfo) endpoint = 'userinfo';
    else if (path === P.revoke) endpoint = 'revoke';
    else if (path === P.jwks) endpoint = 'jwks';
    else if (path === P.authorize) endpoint = 'authorize';
    else if (path === P.logout) endpoint = 'logout';

    let body: Buffer | undefined;
    let form: URLSearchParams | undefined;
    if (method === 'POST' && (endpoint === 'token' || endpoint === 'revoke')) {
      body = await readBody(req);
      form = new URLSearchParams(body.toString('utf8'));
    }
    const grantType = endpoint === 'token' ? form?.get('grant_type') ?? undefined : undefined;
    if (endpoint) {
      this.count(endpoint);
      if (grantType) this.count(`${endpoint}:${grantType}`);
    }

    if (endpoint === 'token' || endpoint === 'userinfo' || endpoint === 'revoke' || endpoint === 'jwks') {
      const fault = this.takeFault(endpoint, grantType);
      if (fault) {
        if (fault.hang) {
          this.hung.add(res);
          res.on('close', () => this.hung.delete(res));
          return;
        }
        if (fault.delayMs) await this.sleep(fault.delayMs);
        if (this.closed) {
          res.destroy();
          return;
        }
        if (fault.status !== undefined) {
          const b =
            fault.body !== undefined
              ? fault.body
              : fault.status >= 500
                ? { error: 'server_error', error_description: 'emulator injected fault' }
                : { error: 'invalid_request', error_description: 'emulator injected fault' };
          send(res, fault.status, b, fault.headers ?? {});
          return;
        }
      }
    }

    // Wristband-specific endpoints served by the emulator.
    if (endpoint === 'jwks' && method === 'GET') {
      send(res, 200, this.jwks(), { 'cache-control': 'public, max-age=300' });
      return;
    }
    if (endpoint === 'userinfo' && (method === 'GET' || method === 'POST')) {
      await this.handleUserinfo(req, res);
      return;
    }
    if (endpoint === 'logout' && method === 'GET') {
      this.handleLogout(req, res, url);
      return;
    }
    if (path === P.login && method === 'GET') {
      this.handleAppLogin(res, url);
      return;
    }
    const sdk = /^\/api\/v1\/clients\/([^/]+)\/sdk-configuration$/.exec(path);
    if (sdk && method === 'GET') {
      this.handleSdkConfiguration(res, decodeURIComponent(sdk[1]));
      return;
    }
    const interaction = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(path);
    if (interaction) {
      if (method === 'GET' && !interaction[2]) {
        await this.handleInteraction(req, res, interaction[1]);
        return;
      }
      if (method === 'POST' && interaction[2]) {
        await this.handleLoginSubmit(req, res, interaction[1]);
        return;
      }
    }
    if (endpoint === 'revoke' && method === 'POST' && form && body) {
      const token = form.get('token') ?? '';
      if (token.split('.').length === 3) {
        this.handleJwtRevocation(req, res, token);
        return;
      }
    }

    // OAuth endpoints served by oidc-provider.
    if (endpoint === 'authorize' && method === 'GET') {
      const tenant = tenantLabel(req.headers.host);
      if (!tenant) {
        sendHtml(res, 400, errorPage('Wrong domain', 'The authorize endpoint is served on tenant domains ({tenant}.localhost:PORT), not on the application vanity domain.'));
        return;
      }
      if (!findTenant(tenant)) {
        sendHtml(res, 404, errorPage('Tenant not found', `No tenant named "${tenant}".`));
        return;
      }
      url.searchParams.delete('wb_offline');
      if ((url.searchParams.get('scope') ?? '').split(' ').includes('offline_access')) url.searchParams.set('wb_offline', '1');
      req.url = `${url.pathname}${url.search}`;
      await this.providerHandler(req, res);
      return;
    }
    const isResume = path.startsWith(`${P.authorize}/`) && method === 'GET';
    const isProviderPost = (endpoint === 'token' || endpoint === 'revoke') && method === 'POST';
    const isDiscovery = path === '/.well-known/openid-configuration' && method === 'GET';
    if (isResume || isDiscovery) {
      await this.providerHandler(req, res);
      return;
    }
    if (isProviderPost && body) {
      await this.providerHandler(withReplayedBody(req, body), res);
      return;
    }
    if (endpoint) {
      send(res, 405, { error: 'invalid_request', error_description: `method ${method} not allowed` }, { allow: endpoint === 'token' || endpoint === 'revoke' ? 'POST' : 'GET' });
      return;
    }
    send(res, 404, { error: 'not_found', error_description: `no route for ${method} ${path}` });
  }

  private async handleUserinfo(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const realm = `realm="${this.vanityDomain}"`;
    const unauthorized = (error: string, description: string, status = 401) =>
      send(res, status, { error, error_description: description }, {
        'www-authenticate': `Bearer ${realm}, error="${error}", error_description="${description.replace(/"/g, "'")}"`,
      });
    const m = /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)$/i.exec(req.headers.authorization ?? '');
    if (!m) {
      send(res, 401, { error: 'invalid_request', error_description: 'no access token provided' }, { 'www-authenticate': `Bearer ${realm}` });
      return;
    }
    let payload: jose.JWTPayload;
    try {
      ({ payload } = await jose.jwtVerify(m[1], jose.createLocalJWKSet(this.jwks()), {
        algorithms: ['RS256'],
        issuer: this.issuer,
        typ: 'at+jwt',
        requiredClaims: ['exp', 'iat', 'sub', 'jti'],
      }));
    } catch (e) {
      unauthorized('invalid_token', e instanceof jose.errors.JWTExpired ? 'access token expired' : 'invalid access token');
      return;
    }
    const jti = String(payload.jti);
    if (this.revokedJtis.has(jti)) {
      unauthorized('invalid_token', 'access token revoked');
      return;
    }
    if (!this.mintedJtis.has(jti)) {
      const issued = this.issuedJtis.get(jti);
      if (!issued) {
        unauthorized('invalid_token', 'unknown access token');
        return;
      }
      if (!issued.grantId || !this.store.get(this.store.key('Grant', issued.grantId))) {
        unauthorized('invalid_token', 'grant revoked');
        return;
      }
    }
    const user = payload.sub_kind === 'client' ? undefined : findUser(String(payload.sub));
    if (!user || user.id !== payload.sub) {
      unauthorized('invalid_token', 'access token has no end-user');
      return;
    }
    const scopes = new Set(String(payload.scope ?? '').split(' ').filter(Boolean));
    send(res, 200, this.userClaims(user, scopes, 'userinfo'));
  }

  private handleJwtRevocation(req: http.IncomingMessage, res: http.ServerResponse, token: string): void {
    const creds = parseBasic(req.headers.authorization);
    const client = creds && this.clients.find((c) => c.clientId === creds.id);
    if (!creds || !client || !safeEqual(creds.secret, client.clientSecret)) {
      send(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' }, { 'www-authenticate': `Basic realm="${this.vanityDomain}"` });
      return;
    }
    jose
      .jwtVerify(token, jose.createLocalJWKSet(this.jwks()), { algorithms: ['RS256'], issuer: this.issuer })
      .then(({ payload }) => {
        if (payload.client_id === client.clientId && typeof payload.jti === 'string') this.revokedJtis.add(payload.jti);
      })
      .catch(() => undefined)
      .finally(() => send(res, 200, ''));
  }

  private handleLogout(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    const clientId = url.searchParams.get('client_id');
    const client = clientId ? this.clients.find((c) => c.clientId === clientId) : undefined;
    if (!client) {
      sendHtml(res, 400, errorPage('Logout failed', clientId ? 'Unknown client_id.' : 'Missing client_id.'));
      return;
    }
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
        ok = false;
      }
      if (!ok) {
        sendHtml(res, 400, errorPage('Logout failed', 'redirect_url is not allowed for this client.'));
        return;
      }
    }

    // End this host's session (cookies are host-only: each tenant domain has its own session).
    const sessionCookie = this.provider.cookieName('session');
    const sid = parseCookies(req.headers.cookie)[sessionCookie];
    if (sid) this.store.delete(this.store.key('Session', sid));
    const expired = 'path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; samesite=lax; httponly';
    const clear = [`${sessionCookie}=; ${expired}`, `${sessionCookie}.sig=; ${expired}`];

    const tenant = tenantLabel(req.headers.host);
    let target: URL;
    if (redirectUrl) {
      target = new URL(redirectUrl);
    } else if (client.loginUrl) {
      target = new URL(client.loginUrl);
      if (tenant && findTenant(tenant)) target.searchParams.set('tenant_name', tenant);
    } else {
      target = new URL(`${this.issuer}${P.login}`);
      target.searchParams.set('client_id', client.clientId);
    }
    if (state) target.searchParams.set('state', state);
    redirect(res, target.href, 302, { 'set-cookie': clear });
  }

  private handleAppLogin(res: http.ServerResponse, url: URL): void {
    const clientId = url.searchParams.get('client_id');
    const client = clientId ? this.clients.find((c) => c.clientId === clientId) : undefined;
    if (!client) {
      sendHtml(res, 400, errorPage('Application login', clientId ? 'Unknown client_id.' : 'Missing client_id.'));
      return;
    }
    const raw = url.searchParams.get('tenant_name');
    if (raw === null) {
      sendHtml(res, 200, tenantDiscoveryPage({ clientId: client.clientId, appDisplayName: APPLICATION.displayName }));
      return;
    }
    const name = raw.trim().toLowerCase();
    if (!DNS_LABEL.test(name) || !findTenant(name)) {
      sendHtml(res, 400, tenantDiscoveryPage({ clientId: client.clientId, appDisplayName: APPLICATION.displayName, tenantName: raw, error: `No tenant named "${raw}".` }));
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

  private handleSdkConfiguration(res: http.ServerResponse, clientId: string): void {
    const client = this.clients.find((c) => c.clientId === clientId);
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

  /** The login interaction `uid` and the tenant whose domain serves it; otherwise answers 400 and returns nothing. */
  private async openInteraction(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    uid: string,
  ): Promise<{ details: Any; tenant: NonNullable<ReturnType<typeof findTenant>> } | undefined> {
    const details = await this.provider.interactionDetails(req, res).catch(() => undefined);
    if (!details || details.uid !== uid) {
      sendHtml(res, 400, errorPage('Login expired', 'This login request was not found or has expired. Start again from the application.'));
      return undefined;
    }
    const tenant = findTenant(tenantLabel(req.headers.host) ?? '');
    if (!tenant) {
      sendHtml(res, 400, errorPage('Wrong domain', 'Login is served on tenant domains only.'));
      return undefined;
    }
    return { details, tenant };
  }

  private async ensureGrant(details: Any, accountId: string): Promise<string> {
    let grant = details.grantId ? await this.provider.Grant.find(details.grantId) : undefined;
    if (!grant || grant.accountId !== accountId || grant.clientId !== details.params.client_id) {
      grant = new this.provider.Grant({ accountId, clientId: details.params.client_id });
    }
    grant.addOIDCScope(OIDC_SCOPES.join(' '));
    grant.addResourceScope(this.resource, OIDC_SCOPES.join(' '));
    return grant.save();
  }

  private async handleInteraction(req: http.IncomingMessage, res: http.ServerResponse, uid: string): Promise<void> {
    const interaction = await this.openInteraction(req, res, uid);
    if (!interaction) return;
    const { details, tenant } = interaction;
    if (details.prompt?.name === 'consent' && details.session?.accountId) {
      // Consent is implicit in Wristband: grant everything, no page.
      const grantId = await this.ensureGrant(details, details.session.accountId);
      const returnTo = await this.provider.interactionResult(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      redirect(res, returnTo, 303);
      return;
    }
    sendHtml(
      res,
      200,
      loginPage({
        action: `/interaction/${uid}/login`,
        tenantName: tenant.name,
        tenantDisplayName: tenant.displayName,
        appDisplayName: APPLICATION.displayName,
        username: details.params?.login_hint,
      }),
    );
  }

  private async handleLoginSubmit(req: http.IncomingMessage, res: http.ServerResponse, uid: string): Promise<void> {
    const form = new URLSearchParams((await readBody(req)).toString('utf8'));
    const interaction = await this.openInteraction(req, res, uid);
    if (!interaction) return;
    const { details, tenant } = interaction;
    const username = (form.get('username') ?? '').trim();
    const password = form.get('password') ?? '';
    const user = username ? findUser(username) : undefined;
    const passwordOk = safeEqual(password, user?.password ?? `\0${randomId()}`);
    if (!user || !passwordOk || user.tenant !== tenant.name) {
      sendHtml(
        res,
        401,
        loginPage({
          action: `/interaction/${uid}/login`,
          tenantName: tenant.name,
          tenantDisplayName: tenant.displayName,
          appDisplayName: APPLICATION.displayName,
          username,
          error: 'Invalid email or password.',
        }),
      );
      return;
    }
    const grantId = await this.ensureGrant(details, user.id);
    const returnTo = await this.provider.interactionResult(
      req,
      res,
      { login: { accountId: user.id, amr: ['pwd'], remember: true }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
    redirect(res, returnTo, 303);
  }
}

// oidc-provider's error classes, set once the module is loaded.
let ErrorsRef: Any = {};

async function listenLoopback(
  handler: http.RequestListener,
  port: number,
  sockets: Set<Socket>,
): Promise<{ servers: http.Server[]; port: number }> {
  const make = () => {
    const s = http.createServer(handler);
    s.keepAliveTimeout = 5000;
    s.on('connection', (sock: Socket) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
    });
    return s;
  };
  const listen = (s: http.Server, host: string, p: number) =>
    new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      s.once('error', onError);
      s.listen({ host, port: p, exclusive: true }, () => {
        s.off('error', onError);
        resolve();
      });
    });
  const closeQuietly = (s: http.Server) => new Promise<void>((r) => s.close(() => r()));

  for (let attempt = 0; attempt < 10; attempt += 1) {
    const v4 = make();
    await listen(v4, '127.0.0.1', port);
    const actual = (v4.address() as { port: number }).port;
    const v6 = make();
    try {
      await listen(v6, '::1', actual);
      return { servers: [v4, v6], port: actual };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') {
        await closeQuietly(v4);
        if (port === 0) continue;
        throw new Error(`emulator: port ${actual} is in use on ::1`);
      }
      // No IPv6 loopback here (EADDRNOTAVAIL, EAFNOSUPPORT...): IPv4 only.
      return { servers: [v4], port: actual };
    }
  }
  throw new Error('emulator: could not find a free port on both 127.0.0.1 and ::1');
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<WristbandEmulator> {
  await loadOidcProvider().then((m) => {
    ErrorsRef = m.errors;
  });
  return WristbandEmulator.start(opts);
}

/**
 * `exp` is whole seconds after the whole-second `iat`, so a 1 s token can expire milliseconds after it is
 * issued (and fail the login's userinfo call). 2 s is the shortest lifetime that always outlives a login.
 */
function checkedAccessTokenTtl(seconds: number): number {
  if (!(Number.isInteger(seconds) && seconds >= 2)) throw new Error('emulator: access token TTL must be an integer of at least 2 seconds');
  return seconds;
}

function withOfflineAccess(scope: unknown): string {
  const scopes = String(scope ?? '').split(' ').filter(Boolean);
  return scopes.includes('offline_access') ? scopes.join(' ') : [...scopes, 'offline_access'].join(' ');
}
