/**
 * `startWristbandEmulator()`: a local Wristband for a team's own e2e tests, with the app's environment
 * and logged-in sessions and tokens in one call each.
 */
import { randomBytes } from 'node:crypto';
import { WRISTBAND_ENV_VARIABLES as ENV } from '../wristband-options.from-env.js';
import { startEmulator, type WristbandEmulator } from './emulator/wristband-emulator.js';
import type { Fault } from './emulator/faults.js';
import type { SeedTenant, SeedUser } from './emulator/seed.js';
import {
  appBaseUrl,
  authRouteUrl,
  loginSession,
  userAccessToken,
  type LoginSession,
  type LoginSessionOptions,
} from './kit-logins.js';
import { testDirectory, type TestDirectoryOptions } from './test-directory.js';

export interface StartWristbandEmulatorOptions extends TestDirectoryOptions {
  /**
   * Base URLs of the apps under test (`http://localhost:3456`). Each one's `/auth/callback` becomes a
   * redirect URI of the client, the first one's `/auth/login` its Login URL. Apps whose port is known
   * later, or with another `authRoutePrefix`: `registerApp(appUrl)`, or `env(appUrl)`, which registers too.
   */
  appUrls?: string[];
  /** Access token lifetime in seconds (default 1800; at least 2). */
  accessTokenTtlSeconds?: number;
  /** Put `roles` into access tokens too (default false, like Wristband: roles come from userinfo). */
  accessTokenRoles?: boolean;
  /** Faults injected before the first request; later ones with `emulator.injectFault()`. */
  faults?: Fault[];
  /** The OAuth client id the app uses (default `wb-test-client`). */
  clientId?: string;
  /** Its secret (default: random, 32 characters). */
  clientSecret?: string;
  /** Port of the emulator (default 0: a free loopback port). */
  port?: number;
  /** Log every request to the console (default false). */
  logRequests?: boolean;
}

export interface AppRoutesOptions {
  /** The app's `authRoutePrefix` option, when it is not the default `auth` (`''`: routes at the root). */
  authRoutePrefix?: string;
}

/** The environment `wristbandOptionsFromEnv` reads, for an app talking to the emulator. */
export type WristbandEmulatorEnv = Record<
  | (typeof ENV)['applicationVanityDomain']
  | (typeof ENV)['clientId']
  | (typeof ENV)['clientSecret']
  | (typeof ENV)['callbackUrl']
  | (typeof ENV)['loginUrl']
  | (typeof ENV)['isApplicationCustomDomainActive']
  | (typeof ENV)['dangerouslyAllowHttp']
  | (typeof ENV)['sessionSecrets'],
  string
>;

export interface WristbandTestEmulator {
  /** `localhost:PORT`: `WRISTBAND_APPLICATION_VANITY_DOMAIN`. Tenant domains are `{tenant}.localhost:PORT`. */
  readonly vanityDomain: string;
  /** `http://localhost:PORT`: the `iss` of its tokens. */
  readonly issuer: string;
  readonly clientId: string;
  /** The client's secret: the first of `setClientSecrets`' list once it was called. */
  readonly clientSecret: string;
  /**
   * The secrets the client authenticates with from now on, each valid, to test a rotation: `[old, new]`,
   * then `[new]` (the old one deleted, as in Wristband's dashboard); any other gets `401 invalid_client`.
   */
  setClientSecrets(secrets: string[]): void;
  /** Every user (seed and `users` option), with ids, passwords and roles. */
  readonly users: readonly SeedUser[];
  readonly tenants: readonly SeedTenant[];
  /**
   * The environment for an app at `appUrl` (`http://localhost:PORT`): `WRISTBAND_*` and a random 48-character
   * `SESSION_SECRETS`, so `wristbandOptionsFromEnv(wb.env(appUrl))` configures the module. Registers the app.
   */
  env(appUrl: string, options?: AppRoutesOptions): WristbandEmulatorEnv;
  /** Registers `${appUrl}/auth/callback` as a redirect URI (and `/auth/login` as Login URL if none yet). */
  registerApp(appUrl: string, options?: AppRoutesOptions): void;
  /** Logs `email` in to the app at `appUrl` through the real flow; the app must be listening. */
  loginSession(appUrl: string, options: LoginSessionOptions): Promise<LoginSession>;
  /** A real access token of a user (authorization code flow with PKCE), to send as `Authorization: Bearer`. */
  accessToken(options: { email: string; password?: string }): Promise<string>;
  /**
   * A machine-to-machine access token (`sub_kind: client`, of this client, for `tenant` or the first tenant),
   * signed with the emulator's key: the emulator has no client-credentials grant.
   */
  clientAccessToken(options?: { tenant?: string }): Promise<string>;
  /** Stops the emulator and frees its port. */
  stop(): Promise<void>;
  /** The full emulator, for faults (`injectFault`), call counts (`calls`), key rotation, lifetimes… */
  readonly emulator: WristbandEmulator;
}

/** Starts a local Wristband on a free loopback port (see `StartWristbandEmulatorOptions`). */
export async function startWristbandEmulator(
  options: StartWristbandEmulatorOptions = {},
): Promise<WristbandTestEmulator> {
  const clientId = options.clientId ?? 'wb-test-client';
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url');
  const sessionSecret = randomBytes(36).toString('base64url'); // 48 characters
  const apps = (options.appUrls ?? []).map(appBaseUrl);
  const emulator = await startEmulator({
    port: options.port ?? 0,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
    accessTokenRoles: options.accessTokenRoles,
    faults: options.faults,
    quiet: !options.logRequests,
    ...testDirectory(options),
    clients: [
      {
        clientId,
        clientSecret,
        redirectUris: apps.map((a) => authRouteUrl(a, undefined, 'callback')),
        loginUrl: apps[0] && authRouteUrl(apps[0], undefined, 'login'),
      },
    ],
  });
  const registerApp = (appUrl: string, o: AppRoutesOptions = {}) => {
    const base = appBaseUrl(appUrl);
    emulator.registerRedirectUris(
      clientId,
      [authRouteUrl(base, o.authRoutePrefix, 'callback')],
      authRouteUrl(base, o.authRoutePrefix, 'login'),
    );
  };
  return {
    vanityDomain: emulator.vanityDomain,
    issuer: emulator.issuer,
    clientId,
    get clientSecret() {
      return emulator.client(clientId).clientSecret;
    },
    setClientSecrets: (secrets) => emulator.setClientSecrets(clientId, secrets),
    users: emulator.users,
    tenants: emulator.tenants,
    emulator,
    registerApp,
    env(appUrl, o = {}) {
      registerApp(appUrl, o);
      const base = appBaseUrl(appUrl);
      return {
        [ENV.applicationVanityDomain]: emulator.vanityDomain,
        [ENV.clientId]: clientId,
        [ENV.clientSecret]: emulator.client(clientId).clientSecret,
        [ENV.callbackUrl]: authRouteUrl(base, o.authRoutePrefix, 'callback'),
        [ENV.loginUrl]: authRouteUrl(base, o.authRoutePrefix, 'login'),
        [ENV.isApplicationCustomDomainActive]: 'true',
        [ENV.dangerouslyAllowHttp]: 'true', // the emulator speaks http
        [ENV.sessionSecrets]: sessionSecret,
      };
    },
    loginSession: (appUrl, o) => loginSession(emulator, appUrl, o),
    accessToken: (o) => userAccessToken(emulator, o),
    clientAccessToken: (o = {}) => {
      const tenant = o.tenant ? emulator.tenant(o.tenant) : emulator.tenants[0];
      return emulator.mintAccessToken({ claims: { sub_kind: 'client', tnt_id: tenant.id } });
    },
    stop: () => emulator.close(),
  };
}
