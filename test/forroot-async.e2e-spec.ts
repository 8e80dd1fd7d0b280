import 'reflect-metadata';
import {
  Controller,
  Get,
  Injectable,
  Module,
  type DynamicModule,
  type INestApplication,
} from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import {
  Public,
  WristbandConfigurationError,
  WristbandModule,
  type WristbandModuleFactoryOptions,
  type WristbandModuleOptions,
} from 'nestjs-wristband';
import { request } from 'nestjs-wristband/testing';
import { CLIENT_ID, CLIENT_SECRET, SESSION_SECRET, freePort } from './support/test-stack.js';
import { createTestHttpApp } from './support/http-adapter.js';

/** What a config-driven app's factory returns. No Wristband call is made: these tests never log in. */
const factoryOptions = (url: string): WristbandModuleFactoryOptions => ({
  applicationVanityDomain: 'invotastic-acme.us.wristband.dev',
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  callbackUrl: `${url}/auth/callback`,
  loginUrl: `${url}/auth/login`,
  sessionSecrets: [SESSION_SECRET],
});

/** Routes with no guard of their own: only a global guard protects them. */
@Controller('plain')
class PlainController {
  @Get('open')
  open() {
    return { served: true };
  }

  @Public()
  @Get('public')
  public() {
    return { served: true };
  }
}

async function boot(
  wristband: (url: string) => DynamicModule,
): Promise<{ app: INestApplication; url: string }> {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  @Module({
    imports: [
      ConfigModule.forRoot({
        ignoreEnvFile: true,
        load: [() => ({ wristband: factoryOptions(url) })],
      }),
      wristband(url),
    ],
    controllers: [PlainController],
  })
  class AsyncConfiguredApp {}
  const app = await createTestHttpApp(AsyncConfiguredApp);
  await app.listen(port, '127.0.0.1');
  return { app, url };
}

/** The error that stopped startup; an app that started anyway is closed (and the test fails on `undefined`). */
async function startupError(wristband: (url: string) => DynamicModule): Promise<unknown> {
  try {
    const { app } = await boot(wristband);
    await app.close();
    return undefined;
  } catch (err) {
    return err;
  }
}

const fromConfig = {
  imports: [ConfigModule],
  inject: [ConfigService],
  useFactory: (c: ConfigService) => c.getOrThrow<WristbandModuleFactoryOptions>('wristband'),
};

describe('forRootAsync: the graph options (globalGuard, registerAuthRoutes) go next to useFactory', () => {
  it('globalGuard next to useFactory guards every route: an unguarded route answers 401, @Public() ones 200', async () => {
    const { app, url } = await boot(() =>
      WristbandModule.forRootAsync({ ...fromConfig, globalGuard: true }),
    );
    try {
      const open = await request(`${url}/plain/open`);
      expect(open.status).toBe(401);
      expect(open.json()).toMatchObject({ reason: 'session_required' });
      expect((await request(`${url}/plain/public`)).status).toBe(200);
      expect((await request(`${url}/auth/login?tenant_name=acme`)).status).toBe(302);
    } finally {
      await app.close();
    }
  });

  it('registerAuthRoutes: false next to useFactory leaves out /auth/*', async () => {
    const { app, url } = await boot(() =>
      WristbandModule.forRootAsync({ ...fromConfig, registerAuthRoutes: false }),
    );
    try {
      expect((await request(`${url}/auth/login?tenant_name=acme`)).status).toBe(404);
      expect((await request(`${url}/plain/open`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it.each([
    ['globalGuard', { globalGuard: true }],
    ['registerAuthRoutes', { registerAuthRoutes: false }],
  ])(
    '%s returned by the factory (JavaScript, a cast) stops the app at startup, naming the option',
    async (name, extra) => {
      const err = await startupError((url) =>
        WristbandModule.forRootAsync({
          // What a JavaScript app, or a cast, can still do.
          useFactory: async () =>
            ({ ...factoryOptions(url), ...extra }) as unknown as WristbandModuleFactoryOptions,
        }),
      );
      expect(err).toBeInstanceOf(WristbandConfigurationError);
      expect((err as WristbandConfigurationError).problems).toEqual([
        `${name} was returned by the forRootAsync factory, where it is ignored: put it next to useFactory, ` +
          `e.g. WristbandModule.forRootAsync({ useFactory, inject, ${name}: … })`,
      ]);
    },
  );

  it('the same check covers useClass factories', async () => {
    @Injectable()
    class WristbandConfig {
      create() {
        return {
          ...factoryOptions('http://localhost:3001'),
          globalGuard: true,
        } as unknown as WristbandModuleFactoryOptions;
      }
    }
    const err = await startupError(() =>
      WristbandModule.forRootAsync({ useClass: WristbandConfig }),
    );
    expect(err).toBeInstanceOf(WristbandConfigurationError);
    expect((err as Error).message).toContain(
      'globalGuard was returned by the forRootAsync factory',
    );
  });

  it('forRoot still takes the graph options among the others', async () => {
    const { app, url } = await boot((u) =>
      WristbandModule.forRoot({ ...factoryOptions(u), globalGuard: true }),
    );
    try {
      expect((await request(`${url}/plain/open`)).status).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('types: the factory result has no room for the graph options', () => {
    const options = factoryOptions('http://localhost:3001');
    const everything: WristbandModuleOptions = { ...options, globalGuard: true };
    const modules = [
      // @ts-expect-error globalGuard belongs next to useFactory
      WristbandModule.forRootAsync({ useFactory: () => ({ ...options, globalGuard: true }) }),
      WristbandModule.forRootAsync({
        // @ts-expect-error registerAuthRoutes belongs next to useFactory
        useFactory: async () => ({ ...options, registerAuthRoutes: false }),
      }),
      // @ts-expect-error a full WristbandModuleOptions (which may hold globalGuard) is no factory result
      WristbandModule.forRootAsync({ useFactory: () => everything }),
      WristbandModule.forRootAsync({
        useFactory: () => options,
        globalGuard: true,
        registerAuthRoutes: false,
      }),
    ];
    expect(modules).toHaveLength(4);
  });
});
