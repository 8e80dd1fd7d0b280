import { EnvValidationError, loadAppConfig } from './app.config.js';

const valid = {
  WRISTBAND_APPLICATION_VANITY_DOMAIN: 'invotastic-acme.us.wristband.dev',
  WRISTBAND_CLIENT_ID: 'client-id',
  WRISTBAND_CLIENT_SECRET: 'super-secret-value-that-must-not-leak',
  WRISTBAND_CALLBACK_URL: 'https://app.example.com/auth/callback',
  WRISTBAND_LOGIN_URL: 'https://app.example.com/auth/login',
  SESSION_SECRETS: 'x'.repeat(32),
};

function problemsOf(env: NodeJS.ProcessEnv): string {
  try {
    loadAppConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(EnvValidationError);
    return (err as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('loadAppConfig', () => {
  it('applies the documented defaults, which start without the dangerous flag (loopback http)', () => {
    const config = loadAppConfig({
      ...valid,
      WRISTBAND_CALLBACK_URL: undefined,
      WRISTBAND_LOGIN_URL: undefined,
    });
    expect(config.port).toBe(3001);
    expect(config.wristband.dangerouslyAllowHttp).toBe(false);
    expect(config.wristband.bearer).toBeUndefined();
    expect(config.wristband.callbackUrl).toBe('http://localhost:3001/auth/callback');
    expect(config.wristband.loginUrl).toBe('http://localhost:3001/auth/login');
    expect(config.wristband.scopes).toEqual([
      'openid',
      'offline_access',
      'email',
      'profile',
      'roles',
    ]);
    expect(config.wristband.isApplicationCustomDomainActive).toBe(false);
  });

  it('names every missing variable at once', () => {
    const message = problemsOf({});
    for (const name of [
      'WRISTBAND_APPLICATION_VANITY_DOMAIN',
      'WRISTBAND_CLIENT_ID',
      'WRISTBAND_CLIENT_SECRET',
      'SESSION_SECRETS',
    ]) {
      expect(message).toContain(name);
    }
  });

  it('rejects bad values without printing secrets', () => {
    const message = problemsOf({
      ...valid,
      PORT: 'eighty',
      SESSION_SECRETS: 'short-secret-value',
      WRISTBAND_APPLICATION_VANITY_DOMAIN: 'https://evil.example.com/path',
      WRISTBAND_DANGEROUSLY_ALLOW_HTTP: 'maybe',
    });
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/SESSION_SECRETS/);
    expect(message).toMatch(/WRISTBAND_APPLICATION_VANITY_DOMAIN/);
    expect(message).toMatch(/WRISTBAND_DANGEROUSLY_ALLOW_HTTP/);
    expect(message).not.toContain('short-secret-value');
    expect(message).not.toContain(valid.WRISTBAND_CLIENT_SECRET);
  });

  it('refuses the dangerous http flag in production', () => {
    expect(
      problemsOf({ ...valid, NODE_ENV: 'production', WRISTBAND_DANGEROUSLY_ALLOW_HTTP: 'true' }),
    ).toContain('WRISTBAND_DANGEROUSLY_ALLOW_HTTP is refused when NODE_ENV=production');
  });

  it('accepts http app URLs on loopback hosts without the flag', () => {
    for (const origin of ['http://localhost:3001', 'http://127.0.0.1:8080', 'http://[::1]:3001']) {
      const config = loadAppConfig({
        ...valid,
        WRISTBAND_CALLBACK_URL: `${origin}/auth/callback`,
        WRISTBAND_LOGIN_URL: `${origin}/auth/login`,
      });
      expect(config.wristband.callbackUrl).toBe(`${origin}/auth/callback`);
    }
  });

  it('requires https for other hosts unless the dangerous flag is on', () => {
    const message = problemsOf({
      ...valid,
      WRISTBAND_CALLBACK_URL: 'http://app.example.com/auth/callback',
      WRISTBAND_LOGIN_URL: 'http://localhost.example.com/auth/login',
    });
    expect(message).toContain(
      'WRISTBAND_CALLBACK_URL must use https (http only on a loopback host',
    );
    expect(message).toContain('WRISTBAND_LOGIN_URL must use https (http only on a loopback host');
    expect(
      loadAppConfig({
        ...valid,
        WRISTBAND_CALLBACK_URL: 'http://app.example.com/auth/callback',
        WRISTBAND_DANGEROUSLY_ALLOW_HTTP: 'true',
      }).wristband.callbackUrl,
    ).toBe('http://app.example.com/auth/callback');
  });

  it('refuses http app URLs in production, loopback and defaults included, naming each variable', () => {
    expect(
      problemsOf({
        ...valid,
        NODE_ENV: 'production',
        WRISTBAND_CALLBACK_URL: 'http://localhost:3001/auth/callback',
      }),
    ).toBe(
      'Invalid environment configuration:\n  - WRISTBAND_CALLBACK_URL must use https when NODE_ENV=production',
    );
    expect(
      problemsOf({
        ...valid,
        NODE_ENV: 'production',
        WRISTBAND_CALLBACK_URL: undefined,
        WRISTBAND_LOGIN_URL: undefined,
      }),
    ).toBe(
      'Invalid environment configuration:\n' +
        '  - WRISTBAND_CALLBACK_URL must use https when NODE_ENV=production\n' +
        '  - WRISTBAND_LOGIN_URL must use https when NODE_ENV=production',
    );
    expect(loadAppConfig({ ...valid, NODE_ENV: 'production' }).wristband.callbackUrl).toBe(
      valid.WRISTBAND_CALLBACK_URL,
    );
  });

  it('reads WRISTBAND_BEARER_ALLOWED_CLIENT_IDS as a comma list; unset or empty accepts every client, only commas or spaces is an error', () => {
    expect(
      loadAppConfig({
        ...valid,
        WRISTBAND_BEARER_ALLOWED_CLIENT_IDS: ' spa-client, mobile-client ,',
      }).wristband.bearer,
    ).toEqual({ allowedClientIds: ['spa-client', 'mobile-client'] });
    expect(
      loadAppConfig({ ...valid, WRISTBAND_BEARER_ALLOWED_CLIENT_IDS: '' }).wristband.bearer,
    ).toBeUndefined();
    // Set but listing nothing (a template that came out empty) is an error, not "any client".
    expect(problemsOf({ ...valid, WRISTBAND_BEARER_ALLOWED_CLIENT_IDS: ' , ' })).toBe(
      'Invalid environment configuration:\n  - WRISTBAND_BEARER_ALLOWED_CLIENT_IDS must list at least one client id (leave it unset to accept every client)',
    );
    expect(problemsOf({ ...valid, WRISTBAND_BEARER_ALLOWED_CLIENT_IDS: 'spa client' })).toBe(
      'Invalid environment configuration:\n  - WRISTBAND_BEARER_ALLOWED_CLIENT_IDS must be client ids without spaces or commas',
    );
  });

  it('splits rotated secrets', () => {
    const config = loadAppConfig({
      ...valid,
      SESSION_SECRETS: `${'n'.repeat(32)}, ${'o'.repeat(40)}`,
    });
    expect(config.wristband.sessionSecrets).toEqual(['n'.repeat(32), 'o'.repeat(40)]);
  });
});
