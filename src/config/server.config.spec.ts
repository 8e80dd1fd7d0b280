import express from 'express';
import { EnvValidationError, loadAppConfig } from './app.config.js';
import { readServerConfig } from './server.config.js';

const TRUST_PROXY_PROBLEM =
  'TRUST_PROXY must be false, true, a hop count or a comma-separated list of IP addresses and CIDR ranges';

const problems = (env: NodeJS.ProcessEnv) => readServerConfig(env).problems;
const trustProxy = (text: string) => {
  const { config, problems } = readServerConfig({ TRUST_PROXY: text });
  expect(problems).toEqual([]);
  return config.trustProxy;
};

describe('readServerConfig', () => {
  it('defaults: loopback only, no proxy trusted, 10 s to shut down', () => {
    expect(readServerConfig({})).toEqual({
      config: {
        httpAdapter: 'express',
        host: '127.0.0.1',
        trustProxy: false,
        shutdownTimeoutMs: 10_000,
      },
      problems: [],
    });
    expect(
      readServerConfig({ HTTP_ADAPTER: '', HOST: ' ', TRUST_PROXY: '', SHUTDOWN_TIMEOUT_MS: '' })
        .config,
    ).toEqual({
      httpAdapter: 'express',
      host: '127.0.0.1',
      trustProxy: false,
      shutdownTimeoutMs: 10_000,
    });
  });

  it('HTTP_ADAPTER: express or fastify, in any case', () => {
    expect(readServerConfig({ HTTP_ADAPTER: 'express' }).config.httpAdapter).toBe('express');
    expect(readServerConfig({ HTTP_ADAPTER: 'fastify' }).config.httpAdapter).toBe('fastify');
    expect(readServerConfig({ HTTP_ADAPTER: ' Fastify ' }).config.httpAdapter).toBe('fastify');
    for (const text of ['koa', 'platform-fastify', 'express,fastify', 'hapi']) {
      expect(readServerConfig({ HTTP_ADAPTER: text })).toEqual({
        config: expect.objectContaining({ httpAdapter: 'express' }) as unknown,
        problems: ['HTTP_ADAPTER must be express or fastify'],
      });
    }
  });

  it('HOST: an IPv4 or IPv6 address or a host name', () => {
    for (const host of [
      '0.0.0.0',
      '::',
      '::1',
      '10.1.2.3',
      'localhost',
      'app-1.internal.example.com',
    ]) {
      expect(readServerConfig({ HOST: host })).toEqual({
        config: { httpAdapter: 'express', host, trustProxy: false, shutdownTimeoutMs: 10_000 },
        problems: [],
      });
    }
    for (const host of [
      'http://0.0.0.0',
      '[::]',
      '0.0.0.0:3001',
      'my host',
      '-bad.example.com',
      '10.0.0.256',
      '1.2.3',
    ]) {
      expect(problems({ HOST: host })).toEqual([
        'HOST must be an IP address (e.g. 0.0.0.0) or a host name',
      ]);
    }
  });

  it('TRUST_PROXY: false, true, a hop count', () => {
    expect(trustProxy('false')).toBe(false);
    expect(trustProxy('FALSE')).toBe(false);
    expect(trustProxy('true')).toBe(true);
    expect(trustProxy('True')).toBe(true);
    expect(trustProxy('0')).toBe(0);
    expect(trustProxy('1')).toBe(1);
    expect(trustProxy(' 2 ')).toBe(2);
  });

  it('TRUST_PROXY: a comma list of IPv4 / IPv6 addresses and CIDR ranges, trimmed', () => {
    expect(trustProxy('10.0.0.1')).toEqual(['10.0.0.1']);
    expect(trustProxy('10.0.0.0/8, 192.168.0.0/16,172.16.0.0/12 ,127.0.0.1/32')).toEqual([
      '10.0.0.0/8',
      '192.168.0.0/16',
      '172.16.0.0/12',
      '127.0.0.1/32',
    ]);
    expect(trustProxy('::1, fd00::/8, 2001:db8::/128, ::ffff:10.0.0.1, 10.0.0.0/1')).toEqual([
      '::1',
      'fd00::/8',
      '2001:db8::/128',
      '::ffff:10.0.0.1',
      '10.0.0.0/1',
    ]);
  });

  it('every TRUST_PROXY value it accepts is one Express accepts', () => {
    for (const text of [
      'false',
      'true',
      '0',
      '3',
      '10.0.0.1',
      '10.0.0.0/8, fd00::/8, ::1, ::ffff:10.0.0.1, 10.0.0.0/1, 2001:db8::/128',
    ]) {
      expect(() => express().set('trust proxy', trustProxy(text))).not.toThrow();
    }
  });

  it('refuses anything else, naming the variable but never the value', () => {
    for (const text of [
      'yes',
      'no',
      'on',
      'loopback',
      '-1',
      '1.5',
      '1e3',
      'example.com',
      '10.0.0.256',
      '10.0.0.1/33',
      '10.0.0.0/0',
      '::/0',
      '10.0.0.0/-1',
      'fd00::/129',
      '10.0.0.0/8/8',
      'fe80::1%eth0',
      '10.0.0.1/',
      '/8',
      '99999999999999999999',
    ]) {
      expect(problems({ TRUST_PROXY: text })).toEqual([TRUST_PROXY_PROBLEM]);
    }
    // In a list, the position of the bad entry (not its text).
    expect(problems({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.300' })).toEqual([
      `${TRUST_PROXY_PROBLEM} (entry 2 is neither)`,
    ]);
    expect(problems({ TRUST_PROXY: '10.0.0.0/8,,10.0.0.1' })).toEqual([
      `${TRUST_PROXY_PROBLEM} (entry 2 is neither)`,
    ]);
    expect(problems({ TRUST_PROXY: 'true,10.0.0.1' })).toEqual([
      `${TRUST_PROXY_PROBLEM} (entry 1 is neither)`,
    ]);
    expect(readServerConfig({ TRUST_PROXY: 'yes' }).config.trustProxy).toBe(false);
  });

  it('SHUTDOWN_TIMEOUT_MS: a positive whole number of milliseconds a Node timer can hold', () => {
    expect(readServerConfig({ SHUTDOWN_TIMEOUT_MS: '30000' }).config.shutdownTimeoutMs).toBe(
      30_000,
    );
    expect(readServerConfig({ SHUTDOWN_TIMEOUT_MS: '1' }).config.shutdownTimeoutMs).toBe(1);
    expect(readServerConfig({ SHUTDOWN_TIMEOUT_MS: '2147483647' }).config.shutdownTimeoutMs).toBe(
      2_147_483_647,
    );
    for (const text of ['0', '-5', '1.5', '10s', '1e4', '2147483648', 'ten']) {
      expect(problems({ SHUTDOWN_TIMEOUT_MS: text })).toEqual([
        'SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds from 1 to 2147483647',
      ]);
    }
  });

  it('names every bad variable at once', () => {
    expect(
      problems({
        HTTP_ADAPTER: 'koa',
        HOST: 'a b',
        TRUST_PROXY: 'maybe',
        SHUTDOWN_TIMEOUT_MS: 'soon',
      }),
    ).toEqual([
      'HTTP_ADAPTER must be express or fastify',
      'HOST must be an IP address (e.g. 0.0.0.0) or a host name',
      TRUST_PROXY_PROBLEM,
      'SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds from 1 to 2147483647',
    ]);
  });

  it('loadAppConfig reports them with the other variables in one EnvValidationError, and returns them', () => {
    let error: unknown;
    try {
      loadAppConfig({
        PORT: 'x',
        HTTP_ADAPTER: 'koa',
        HOST: 'a b',
        TRUST_PROXY: '10.0.0.0/99',
        SHUTDOWN_TIMEOUT_MS: '0',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EnvValidationError);
    const { problems } = error as EnvValidationError;
    expect(problems.slice(0, 5)).toEqual([
      'PORT must be a port number (1-65535)',
      'HTTP_ADAPTER must be express or fastify',
      'HOST must be an IP address (e.g. 0.0.0.0) or a host name',
      TRUST_PROXY_PROBLEM,
      'SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds from 1 to 2147483647',
    ]);
    expect(problems.slice(5).join('\n')).toContain('WRISTBAND_CLIENT_ID');
    expect((error as Error).message).not.toContain('10.0.0.0/99');

    const config = loadAppConfig({
      WRISTBAND_APPLICATION_VANITY_DOMAIN: 'invotastic-acme.us.wristband.dev',
      WRISTBAND_CLIENT_ID: 'client-id',
      WRISTBAND_CLIENT_SECRET: 'client-secret-value',
      SESSION_SECRETS: 'x'.repeat(32),
      HTTP_ADAPTER: 'fastify',
      HOST: '0.0.0.0',
      TRUST_PROXY: '10.0.0.0/8,fd00::/8',
      SHUTDOWN_TIMEOUT_MS: '25000',
    });
    expect(config.server).toEqual({
      httpAdapter: 'fastify',
      host: '0.0.0.0',
      trustProxy: ['10.0.0.0/8', 'fd00::/8'],
      shutdownTimeoutMs: 25_000,
    });
  });
});
