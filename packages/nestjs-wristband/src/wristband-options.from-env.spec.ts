import { WristbandConfigurationError } from './errors/wristband-configuration.error.js';
import { wristbandOptionsFromEnv } from './wristband-options.from-env.js';
import { resolveWristbandOptions } from './wristband-options.validator.js';

const valid = {
  WRISTBAND_APPLICATION_VANITY_DOMAIN: 'invotastic-acme.us.wristband.dev',
  WRISTBAND_CLIENT_ID: 'client-1',
  WRISTBAND_CLIENT_SECRET: 'top-secret-client-secret-value',
  SESSION_SECRETS: `${'n'.repeat(40)}, ${'o'.repeat(40)}`,
};

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
