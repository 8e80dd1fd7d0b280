import { spawnSync } from 'node:child_process';

/** Runs the real entry point (through tsx) with a given environment and returns its exit and stderr. */
function start(env: Record<string, string>) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
    cwd: process.cwd(),
  });
  return { status: result.status, stderr: result.stderr };
}

describe('configuration errors stop the app at startup', () => {
  it('names every bad variable in one message, prints no secret, exits non-zero', () => {
    const { status, stderr } = start({
      PORT: 'http',
      WRISTBAND_CLIENT_SECRET: 'top-secret-client-secret-value',
      SESSION_SECRETS: 'too-short-secret',
      WRISTBAND_DANGEROUSLY_ALLOW_HTTP: 'true',
      NODE_ENV: 'production',
    });
    expect(status).toBe(1);
    for (const name of ['PORT', 'WRISTBAND_APPLICATION_VANITY_DOMAIN', 'WRISTBAND_CLIENT_ID', 'SESSION_SECRETS', 'WRISTBAND_DANGEROUSLY_ALLOW_HTTP']) {
      expect(stderr).toContain(name);
    }
    expect(stderr).not.toContain('top-secret-client-secret-value');
    expect(stderr).not.toContain('too-short-secret');
    expect(stderr.match(/Invalid environment configuration/g)).toHaveLength(1);
  }, 40_000);
});
