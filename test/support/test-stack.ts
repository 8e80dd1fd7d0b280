import 'reflect-metadata';
import {
  Module,
  type DynamicModule,
  type INestApplication,
  type Provider,
  type Type,
} from '@nestjs/common';
import {
  CookieJar,
  freePort,
  request,
  startEmulator,
  type EmulatorClient,
  type EmulatorOptions,
  type HttpResponse,
  type WristbandEmulator,
} from 'nestjs-wristband/testing';
import { AppModule, type AppModuleOptions } from '../../src/app.module.js';
import { WristbandModule, type WristbandModuleOptions } from 'nestjs-wristband';
import { createTestHttpApp, HTTP_ADAPTER } from './http-adapter.js';

type ModuleImport = Type | DynamicModule;

export const CLIENT_ID = 'wb-e2e-client';
export const CLIENT_SECRET = 'wb-e2e-secret-0123456789-abcdefghij';
export const SESSION_SECRET = 'e2e-session-secret-0123456789-abcdefghijklmnop';
export const PASSWORD = 'Passw0rd!';

export interface TestApp {
  url: string;
  port: number;
  app: INestApplication;
  close(): Promise<void>;
}

export interface TestStack {
  emulator: WristbandEmulator;
  apps: TestApp[];
  /** The first app. */
  app: TestApp;
  /** Ports reserved with `reservePorts` (registered at the emulator, nothing listening yet). */
  reservedPorts: number[];
  /** Starts one more app instance on a pre-registered port (same configuration unless overridden). */
  startApp(index: number, overrides?: AppModuleOptions): Promise<TestApp>;
  close(): Promise<void>;
}

export interface StackOptions {
  instances?: number;
  /** Extra loopback ports registered as redirect URIs, for apps a test builds itself. */
  reservePorts?: number;
  emulator?: EmulatorOptions;
  /** More OAuth clients of the same application at the emulator (e.g. an SPA's), after the app's own. */
  extraClients?: EmulatorClient[];
  env?: NodeJS.ProcessEnv;
  wristband?: AppModuleOptions['wristband'];
  /** Callback paths registered at the emulator for every port (e.g. an `authRoutePrefix`'s). Default `['/auth/callback']`. */
  callbackPaths?: string[];
}

export { freePort };
export { HTTP_ADAPTER, onFastify } from './http-adapter.js';

export function appEnv(
  emulator: WristbandEmulator,
  port: number,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  return {
    PORT: String(port),
    WRISTBAND_APPLICATION_VANITY_DOMAIN: emulator.vanityDomain,
    WRISTBAND_CLIENT_ID: CLIENT_ID,
    WRISTBAND_CLIENT_SECRET: CLIENT_SECRET,
    WRISTBAND_CALLBACK_URL: `http://localhost:${port}/auth/callback`,
    WRISTBAND_LOGIN_URL: `http://localhost:${port}/auth/login`,
    WRISTBAND_IS_APPLICATION_CUSTOM_DOMAIN_ACTIVE: 'true',
    WRISTBAND_DANGEROUSLY_ALLOW_HTTP: 'true',
    SESSION_SECRETS: SESSION_SECRET,
    // The e2e project's adapter (jest.config.js): read by app processes (`main.ts`) and `startTestApp`.
    HTTP_ADAPTER,
    ...extra,
  };
}

export async function startTestApp(port: number, options: AppModuleOptions): Promise<TestApp> {
  const app = await createTestHttpApp(AppModule.forRoot(options), { env: options.env });
  await app.listen(port, '127.0.0.1');
  return { app, port, url: `http://localhost:${port}`, close: () => app.close() };
}

/** `WristbandModule` options for an app at `url` wired to the stack's emulator (http: the emulator's own scheme). */
export function moduleOptions(stack: Pick<TestStack, 'emulator'>, url: string) {
  return {
    applicationVanityDomain: stack.emulator.vanityDomain,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    callbackUrl: `${url}/auth/callback`,
    loginUrl: `${url}/auth/login`,
    isApplicationCustomDomainActive: true,
    dangerouslyAllowHttp: true,
    sessionSecrets: [SESSION_SECRET],
  } satisfies WristbandModuleOptions;
}

/**
 * An app a test builds itself: `WristbandModule` wired to the stack's emulator plus the test's own
 * controllers, on a port reserved with `reservePorts`.
 */
export async function startModuleApp(
  stack: Pick<TestStack, 'emulator'>,
  port: number,
  options: {
    controllers: Type[];
    wristband?: Partial<WristbandModuleOptions>;
    /** More modules and providers of the app (e.g. another Passport strategy, an APP_FILTER). */
    imports?: ModuleImport[];
    providers?: Provider[];
    /** Runs on the app before it listens (e.g. `app.useGlobalFilters(...)`). */
    configure?: (app: INestApplication) => void;
  },
): Promise<TestApp> {
  const url = `http://localhost:${port}`;
  @Module({
    imports: [
      WristbandModule.forRoot({ ...moduleOptions(stack, url), ...options.wristband }),
      ...(options.imports ?? []),
    ],
    controllers: options.controllers,
    providers: options.providers ?? [],
  })
  class TestModuleApp {}
  const app = await createTestHttpApp(TestModuleApp);
  options.configure?.(app);
  await app.listen(port, '127.0.0.1');
  return { url, port, app, close: () => app.close() };
}

/** An emulator plus `instances` app instances wired to it, each on its own loopback port. */
export async function startStack(options: StackOptions = {}): Promise<TestStack> {
  const ports = await Promise.all(
    Array.from({ length: Math.max(options.instances ?? 1, 1) }, () => freePort()),
  );
  const reservedPorts = await Promise.all(
    Array.from({ length: options.reservePorts ?? 0 }, () => freePort()),
  );
  const emulator = await startEmulator({
    ...options.emulator,
    clients: [
      {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        redirectUris: [...ports, ...reservedPorts].flatMap((p) =>
          (options.callbackPaths ?? ['/auth/callback']).map(
            (path) => `http://localhost:${p}${path}`,
          ),
        ),
        loginUrl: `http://localhost:${ports[0]}/auth/login`,
      },
      ...(options.extraClients ?? []),
    ],
  });
  const apps: TestApp[] = [];
  const startApp = async (index: number, overrides: AppModuleOptions = {}) => {
    const port = ports[index];
    const app = await startTestApp(port, {
      env: overrides.env ?? appEnv(emulator, port, options.env),
      wristband: { ...options.wristband, ...overrides.wristband },
    });
    apps[index] = app;
    return app;
  };
  try {
    for (let i = 0; i < ports.length; i++) await startApp(i);
  } catch (err) {
    await Promise.all(apps.map((a) => a.close()));
    await emulator.close();
    throw err;
  }
  return {
    emulator,
    apps,
    reservedPorts,
    get app() {
      return apps[0];
    },
    startApp,
    async close() {
      await Promise.all(apps.map((a) => a?.close().catch(() => undefined)));
      await emulator.close();
    },
  };
}

export interface LoginResult {
  jar: CookieJar;
  /** The app's answer to the callback (302 to the return URL). */
  callback: HttpResponse;
}

/** Logs in through the real flow: app /auth/login → emulator authorize + login form → app /auth/callback. */
export async function login(
  stack: Pick<TestStack, 'emulator'>,
  app: Pick<TestApp, 'url'>,
  opts: {
    tenant?: string;
    username?: string;
    password?: string;
    returnUrl?: string;
    jar?: CookieJar;
    /** The app's `authRoutePrefix`. Default `auth`. */
    authRoutePrefix?: string;
  } = {},
): Promise<LoginResult> {
  const jar = opts.jar ?? new CookieJar();
  const query = new URLSearchParams({ tenant_name: opts.tenant ?? 'acme' });
  if (opts.returnUrl) query.set('return_url', opts.returnUrl);
  const start = await request(
    `${app.url}/${opts.authRoutePrefix ?? 'auth'}/login?${query.toString()}`,
    {
      jar,
    },
  );
  if (start.status !== 302 || !start.location)
    throw new Error(`login did not redirect: ${start.status} ${start.text}`);
  const callbackUrl = await stack.emulator.authorizeViaForm(
    start.location,
    { username: opts.username ?? 'alice@acme.test', password: opts.password ?? PASSWORD },
    jar,
  );
  const callback = await request(callbackUrl, { jar });
  return { jar, callback };
}

/** Session cookie value sent by a response (dangerous-http mode: no `__Host-` prefix). */
export function setCookieValue(res: HttpResponse, name: string): string | undefined {
  const line = res.headers['set-cookie']?.find((c) => c.startsWith(`${name}=`));
  return line?.slice(name.length + 1).split(';')[0];
}
