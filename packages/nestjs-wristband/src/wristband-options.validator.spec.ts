import type { WristbandModuleOptions } from './interfaces/wristband-module-options.interface.js';
import { findOptionProblems, isLoopbackHost, resolveWristbandOptions } from './wristband-options.validator.js';

const base: WristbandModuleOptions = {
  applicationVanityDomain: 'invotastic-acme.us.wristband.dev',
  clientId: 'client-id',
  clientSecret: 'client-secret',
  sessionSecrets: ['s'.repeat(32)],
};
const messages = (o: Partial<WristbandModuleOptions>, nodeEnv?: string) =>
  findOptionProblems(o, nodeEnv).map((p) => `${p.field} ${p.message}`);

describe('app URLs on loopback http', () => {
  it('starts with the defaults (http://localhost:3001) and no flag: Wristband stays https, cookies stay Secure', () => {
    const resolved = resolveWristbandOptions(base);
    expect(resolved).toMatchObject({
      callbackUrl: 'http://localhost:3001/auth/callback',
      loginUrl: 'http://localhost:3001/auth/login',
      appOrigin: 'http://localhost:3001',
      dangerouslyAllowHttp: false,
      wristbandBaseUrl: 'https://invotastic-acme.us.wristband.dev',
      issuer: 'https://invotastic-acme.us.wristband.dev',
      secureCookies: true,
    });
  });

  it.each(['http://localhost:3001', 'http://127.0.0.1:3001', 'http://127.8.9.10', 'http://[::1]:3001', 'http://LOCALHOST:3001'])(
    '%s is accepted for every app URL without the flag',
    (origin) => {
      expect(messages({ ...base, callbackUrl: `${origin}/auth/callback`, loginUrl: `${origin}/auth/login`, postLogoutRedirectUrl: `${origin}/` }, 'development'))
        .toEqual([]);
    },
  );

  it.each(['http://app.example.com', 'http://localhost.example.com', 'http://127.0.0.1.nip.io', 'http://10.0.0.5:3001', 'http://[::2]'])(
    '%s (not loopback) needs the flag',
    (origin) => {
      expect(messages({ ...base, callbackUrl: `${origin}/auth/callback` })).toEqual([
        'callbackUrl must use https (http only on a loopback host: localhost, 127.x.x.x or [::1]; elsewhere only with dangerouslyAllowHttp)',
      ]);
      expect(messages({ ...base, callbackUrl: `${origin}/auth/callback`, dangerouslyAllowHttp: true })).toEqual([]);
    },
  );

  it('the flag keeps its meaning: http Wristband URLs, cookies without Secure', () => {
    expect(resolveWristbandOptions({ ...base, dangerouslyAllowHttp: true })).toMatchObject({
      wristbandBaseUrl: 'http://invotastic-acme.us.wristband.dev',
      issuer: 'http://invotastic-acme.us.wristband.dev',
      secureCookies: false,
    });
  });

  it('production refuses http app URLs (loopback and defaults too) and the flag', () => {
    expect(messages({ ...base, callbackUrl: 'http://localhost:3001/auth/callback', loginUrl: 'https://app.example.com/auth/login' }, 'production'))
      .toEqual(['callbackUrl must use https when NODE_ENV=production']);
    expect(messages(base, 'production')).toEqual([
      'callbackUrl must use https when NODE_ENV=production (it defaults to http://localhost:3001/auth/callback: set it)',
      'loginUrl must use https when NODE_ENV=production (it defaults to http://localhost:3001/auth/login: set it)',
    ]);
    const https = { ...base, callbackUrl: 'https://app.example.com/auth/callback', loginUrl: 'https://app.example.com/auth/login' };
    expect(messages(https, 'production')).toEqual([]);
    expect(messages({ ...https, dangerouslyAllowHttp: true }, 'production')).toEqual(['dangerouslyAllowHttp is refused when NODE_ENV=production']);
    expect(messages({ ...https, postLogoutRedirectUrl: 'http://127.0.0.1/' }, 'production'))
      .toEqual(['postLogoutRedirectUrl must use https when NODE_ENV=production']);
  });

  it('other schemes and relative URLs are refused', () => {
    expect(messages({ ...base, callbackUrl: 'ftp://localhost/auth/callback', loginUrl: '/auth/login' })).toEqual([
      'callbackUrl must be an absolute https URL',
      'loginUrl must be an absolute https URL',
    ]);
  });

  it('isLoopbackHost takes URL hostnames', () => {
    expect(['localhost', '127.0.0.1', '127.255.0.1', '[::1]'].map(isLoopbackHost)).toEqual([true, true, true, true]);
    expect(['localhost.', 'example.localhost.com', '128.0.0.1', '::1', '0.0.0.0'].map(isLoopbackHost)).toEqual([false, false, false, false, false]);
  });
});

describe('bearer client pinning', () => {
  it('allowedClientIds is kept; the deprecated expectedClientId means the same as a list of one', () => {
    expect(resolveWristbandOptions({ ...base, bearer: { allowedClientIds: ['spa', 'mobile'] } }).bearer.allowedClientIds).toEqual(['spa', 'mobile']);
    expect(resolveWristbandOptions({ ...base, bearer: { expectedClientId: 'spa' } }).bearer.allowedClientIds).toEqual(['spa']);
    expect(resolveWristbandOptions(base).bearer.allowedClientIds).toBeUndefined();
  });

  it('refuses an empty list, bad ids, and both forms at once', () => {
    expect(messages({ ...base, bearer: { allowedClientIds: [] } })).toEqual([
      'bearer.allowedClientIds must list at least one client id (leave it unset to accept every client)',
    ]);
    expect(messages({ ...base, bearer: { allowedClientIds: ['a,b'] } })).toEqual(['bearer.allowedClientIds must be client ids without spaces or commas']);
    expect(messages({ ...base, bearer: { allowedClientIds: ['spa'], expectedClientId: 'spa' } })).toEqual([
      'bearer.allowedClientIds and bearer.expectedClientId (deprecated) cannot both be set: keep allowedClientIds',
    ]);
  });
});
