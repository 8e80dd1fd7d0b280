import { WristbandConfigurationError } from '../errors/wristband-configuration.error.js';
import { wristbandOptionsFromEnv } from '../wristband-options.from-env.js';
import { resolveWristbandOptions } from '../wristband-options.validator.js';
import { parseRedisClusterNodes } from './redis-cluster-nodes.js';

const valid = {
  WRISTBAND_APPLICATION_VANITY_DOMAIN: 'invotastic-acme.us.wristband.dev',
  WRISTBAND_CLIENT_ID: 'client-1',
  WRISTBAND_CLIENT_SECRET: 'top-secret-client-secret-value',
  SESSION_SECRETS: 'n'.repeat(40),
};

function envProblems(env: Record<string, string>): string[] {
  try {
    wristbandOptionsFromEnv({ ...valid, ...env });
  } catch (err) {
    if (err instanceof WristbandConfigurationError) return err.problems;
    throw err;
  }
  return [];
}

describe('Redis Cluster nodes (redis.clusterNodes, REDIS_CLUSTER_NODES)', () => {
  it('REDIS_CLUSTER_NODES selects cluster mode: the nodes reach the resolved options', () => {
    const options = wristbandOptionsFromEnv({
      ...valid,
      REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, redis-b.internal:7001 ,[::1]:7002,',
    });
    const redis = resolveWristbandOptions(options).redis;
    expect(redis?.url).toBeUndefined();
    expect(redis?.cluster).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-b.internal', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      tls: false,
    });
    expect(redis?.keyPrefix).toBe('wristband:');
  });

  it('setting REDIS_URL and REDIS_CLUSTER_NODES is a startup error naming both', () => {
    expect(
      envProblems({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: '127.0.0.1:7000' }),
    ).toEqual(['REDIS_CLUSTER_NODES and REDIS_URL cannot both be set: keep one']);
  });

  it('a bad entry is a startup error naming the variable and the entry, never its text', () => {
    const problems = envProblems({
      REDIS_CLUSTER_NODES: '127.0.0.1:7000,redis://:hunter2-secret@node-b,http://node-c:7002',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^REDIS_CLUSTER_NODES entry 2 of 3 must be host:port/),
      expect.stringMatching(/^REDIS_CLUSTER_NODES entry 3 of 3 must be host:port/),
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
    // Set but listing nothing is not "no Redis".
    expect(envProblems({ REDIS_CLUSTER_NODES: ' , ' })).toEqual([
      expect.stringMatching(/^REDIS_CLUSTER_NODES must list at least one node/),
    ]);
  });

  it('the password and TLS of one entry apply to every node; entries that disagree are refused', () => {
    expect(parseRedisClusterNodes(['rediss://app:s3cret%21@a:7000', 'b:7001'])).toEqual({
      problems: [],
      target: {
        nodes: [
          { host: 'a', port: 7000 },
          { host: 'b', port: 7001 },
        ],
        tls: true,
        username: 'app',
        password: 's3cret!',
      },
    });
    const disagree = parseRedisClusterNodes([
      'redis://:one-pass@a:7000',
      'redis://:two-pass@b:7001',
    ]);
    expect(disagree.target).toBeUndefined();
    expect(disagree.problems).toEqual([expect.stringMatching(/entries disagree/)]);
    expect(disagree.problems.join()).not.toMatch(/one-pass|two-pass/);
    expect(parseRedisClusterNodes(['redis://a:7000', 'rediss://b:7001']).problems).toHaveLength(1);
  });

  it.each([
    ['no port', 'node-a'],
    ['a database other than 0', 'redis://node-a:7000/2'],
    ['a password without a scheme', ':pw@node-a:7000'],
    ['a query', 'redis://node-a:7000?db=1'],
  ])('refuses an entry with %s', (_, entry) => {
    expect(parseRedisClusterNodes([entry]).problems).toEqual([
      expect.stringMatching(/^entry 1 of 1 must be host:port/),
    ]);
  });

  it('forRoot: a cluster and a URL, or a key prefix with a hash tag, are refused', () => {
    const base = {
      applicationVanityDomain: 'acme.wristband.dev',
      clientId: 'c',
      clientSecret: 's',
      sessionSecrets: ['x'.repeat(32)],
    };
    expect(() =>
      resolveWristbandOptions({
        ...base,
        redis: { url: 'redis://127.0.0.1:6379', clusterNodes: ['127.0.0.1:7000'] },
      }),
    ).toThrow('redis.clusterNodes and redis.url cannot both be set');
    expect(() =>
      resolveWristbandOptions({
        ...base,
        redis: { clusterNodes: ['127.0.0.1:7000'], keyPrefix: '{app}:' },
      }),
    ).toThrow('keyPrefix must be 1-100 printable ASCII characters without spaces, { or }');
  });
});
