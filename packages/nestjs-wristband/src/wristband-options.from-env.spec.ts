import 'reflect-metadata';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WristbandConfigurationError } from './errors/wristband-configuration.error.js';
import { wristbandOptionsFromEnv } from './wristband-options.from-env.js';
import { resolveWristbandOptions } from './wristband-options.validator.js';
import { WristbandModule } from './wristband.module.js';

const valid = {
  WRISTBAND_APPLICATION_VANITY_DOMAIN: 'invotastic-acme.us.wristband.dev',
  WRISTBAND_CLIENT_ID: 'client-1',
  WRISTBAND_CLIENT_SECRET: 'top-secret-client-secret-value',
  SESSION_SECRETS: `${'n'.repeat(40)}, ${'o'.repeat(40)}`,
};

/** The problems of the error `run` throws (synchronously or not); fails when it throws none. */
async function problemsOf(run: () => unknown): Promise<string[]> {
  try {
    await run();
  } catch (err) {
    if (err instanceof WristbandConfigurationError) return err.problems;
    throw err;
  }
  throw new Error('expected a WristbandConfigurationError');
}

/** Builds the module the way an app does (no HTTP server): the options provider validates at startup. */
async function boot(wristband: DynamicModule): Promise<void> {
  @Module({ imports: [wristband] })
  class App {}
  const app = await NestFactory.createApplicationContext(App, {
    logger: false,
    abortOnError: false,
  });
  await app.close();
}

const CALLBACK_MISMATCH =
  'must end with /auth/callback, the callback route (authRoutePrefix "auth")';

describe('wristbandOptionsFromEnv', () => {
  it('turns the environment into options forRoot accepts', () => {
    const options = wristbandOptionsFromEnv({
      ...valid,
      REDIS_URL: 'redis://127.0.0.1:6379',
      WRISTBAND_BEARER_ALLOWED_CLIENT_IDS: 'spa, mobile',
      WRISTBAND_IS_APPLICATION_CUSTOM_DOMAIN_ACTIVE: 'true',
    });
    expect(options).toEqual({
      applicationVanityDomain: 'invotastic-acme.us.wristband.dev',
      clientId: 'client-1',
      clientSecret: 'top-secret-client-secret-value',
      callbackUrl: 'http://localhost:3001/auth/callback',
      loginUrl: 'http://localhost:3001/auth/login',
      scopes: ['openid', 'offline_access', 'email', 'profile', 'roles'],
      isApplicationCustomDomainActive: true,
      dangerouslyAllowHttp: false,
      sessionSecrets: ['n'.repeat(40), 'o'.repeat(40)],
      redisUrl: 'redis://127.0.0.1:6379',
      bearer: { allowedClientIds: ['spa', 'mobile'] },
    });
    expect(resolveWristbandOptions(options).wristbandBaseUrl).toBe(
      'https://invotastic-acme.us.wristband.dev',
    );
  });

  it('throws one WristbandConfigurationError naming every bad variable and no value', () => {
    let error: unknown;
    try {
      wristbandOptionsFromEnv({
        WRISTBAND_CLIENT_SECRET: 'top-secret-client-secret-value',
        SESSION_SECRETS: 'short-secret-value',
        WRISTBAND_DANGEROUSLY_ALLOW_HTTP: 'perhaps',
        REDIS_URL: 'http://not-redis',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(WristbandConfigurationError);
    const { problems, message } = error as WristbandConfigurationError;
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual([
      'REDIS_URL',
      'SESSION_SECRETS',
      'WRISTBAND_APPLICATION_VANITY_DOMAIN',
      'WRISTBAND_CLIENT_ID',
      'WRISTBAND_DANGEROUSLY_ALLOW_HTTP',
    ]);
    for (const secret of [
      'top-secret-client-secret-value',
      'short-secret-value',
      'perhaps',
      'not-redis',
    ]) {
      expect(message).not.toContain(secret);
    }
  });
});

describe('list variables: unset or empty is the default, set but listing nothing is an error', () => {
  it.each([',', ' , ', '  ', ',,'])(
    'WRISTBAND_BEARER_ALLOWED_CLIENT_IDS=%j is an error, not "any client"',
    async (listed) => {
      expect(
        await problemsOf(() =>
          wristbandOptionsFromEnv({ ...valid, WRISTBAND_BEARER_ALLOWED_CLIENT_IDS: listed }),
        ),
      ).toEqual([
        'WRISTBAND_BEARER_ALLOWED_CLIENT_IDS must list at least one client id (leave it unset to accept every client)',
      ]);
    },
  );

  it.each([
    [
      'SESSION_SECRETS',
      ' , ',
      'SESSION_SECRETS is required: one or more secrets of at least 32 characters',
    ],
    ['WRISTBAND_SCOPES', '   ', 'WRISTBAND_SCOPES must include "openid"'],
    ['REDIS_CLUSTER_NODES', '  ', 'REDIS_CLUSTER_NODES must list at least one node'],
  ])('%s=%j is an error naming it', async (name, listed, problem) => {
    const problems = await problemsOf(() => wristbandOptionsFromEnv({ ...valid, [name]: listed }));
    expect(problems).toEqual([expect.stringContaining(problem)]);
    expect(problems[0].startsWith(problem)).toBe(true);
  });

  it('unset or empty takes the default', () => {
    const empty = {
      WRISTBAND_BEARER_ALLOWED_CLIENT_IDS: '',
      WRISTBAND_SCOPES: '',
      REDIS_CLUSTER_NODES: '',
    };
    for (const env of [valid, { ...valid, ...empty }]) {
      const options = wristbandOptionsFromEnv(env);
      expect(options.bearer).toBeUndefined();
      expect(options.redis).toBeUndefined();
      expect(options.scopes).toEqual(['openid', 'offline_access', 'email', 'profile', 'roles']);
    }
    expect(
      wristbandOptionsFromEnv({ ...valid, WRISTBAND_SCOPES: ' openid  email ' }).scopes,
    ).toEqual(['openid', 'email']);
  });
});

describe('problems the module finds later name the variable the option came from', () => {
  const badCallback = { ...valid, WRISTBAND_CALLBACK_URL: 'http://localhost:3001/callback' };

  it('names WRISTBAND_CALLBACK_URL, the option in parentheses', async () => {
    expect(
      await problemsOf(() => resolveWristbandOptions(wristbandOptionsFromEnv(badCallback))),
    ).toEqual([`WRISTBAND_CALLBACK_URL (callbackUrl) ${CALLBACK_MISMATCH}`]);
  });

  it('through forRoot and a forRootAsync factory', async () => {
    const problem = `WRISTBAND_CALLBACK_URL (callbackUrl) ${CALLBACK_MISMATCH}`;
    expect(
      await problemsOf(() => boot(WristbandModule.forRoot(wristbandOptionsFromEnv(badCallback)))),
    ).toEqual([problem]);
    expect(
      await problemsOf(() =>
        boot(
          WristbandModule.forRootAsync({ useFactory: () => wristbandOptionsFromEnv(badCallback) }),
        ),
      ),
    ).toEqual([problem]);
    // The graph options next to the env's: the default callback URL names its variable too.
    expect(
      await problemsOf(() =>
        boot(
          WristbandModule.forRoot({
            ...wristbandOptionsFromEnv(valid),
            authRoutePrefix: 'account',
          }),
        ),
      ),
    ).toEqual([
      'WRISTBAND_CALLBACK_URL (callbackUrl) must end with /account/callback, the callback route (authRoutePrefix "account")',
    ]);
  });

  it('spread with an option set in code: the others keep their variable, the one set in code its option name', async () => {
    const fromEnv = wristbandOptionsFromEnv(badCallback);
    expect(
      await problemsOf(() =>
        resolveWristbandOptions({ ...fromEnv, loginUrl: 'http://localhost:3001/auth/login' }),
      ),
    ).toEqual([`WRISTBAND_CALLBACK_URL (callbackUrl) ${CALLBACK_MISMATCH}`]);
    expect(
      await problemsOf(() =>
        resolveWristbandOptions({
          ...fromEnv,
          callbackUrl: 'http://localhost:3001/oauth/callback',
        }),
      ),
    ).toEqual([`callbackUrl ${CALLBACK_MISMATCH}`]);
    // A problem between an option from the environment and one set in code names each by its source.
    expect(
      await problemsOf(() =>
        resolveWristbandOptions({
          ...wristbandOptionsFromEnv(valid),
          clientSecretFile: '/run/secrets/wristband',
        }),
      ),
    ).toEqual([
      'WRISTBAND_CLIENT_SECRET (clientSecret) and clientSecretFile are both set: set exactly one',
    ]);
    // Through a forRootAsync factory that spreads too.
    expect(
      await problemsOf(() =>
        boot(
          WristbandModule.forRootAsync({
            useFactory: () => ({ ...fromEnv, loginUrl: 'http://localhost:3001/auth/login' }),
          }),
        ),
      ),
    ).toEqual([`WRISTBAND_CALLBACK_URL (callbackUrl) ${CALLBACK_MISMATCH}`]);
  });

  it('never puts a value in the message', async () => {
    const secret = 'top-secret-client-secret-value';
    const problems = await problemsOf(() =>
      resolveWristbandOptions({
        ...wristbandOptionsFromEnv({ ...badCallback, WRISTBAND_CLIENT_SECRET: secret }),
        clientSecretFile: '/run/secrets/wristband',
      }),
    );
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).not.toMatch(/top-secret|localhost:3001\/callback/);
  });
});
