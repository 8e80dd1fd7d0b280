// `npx nestjs-wristband-emulator` (emulator-cli.ts), run from its sources through tsx as its own process; the
// consumer tests run the packed bin. The environment it prints is read back as a .env file and configures a
// real app that logs a user in.
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module, UseGuards, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import {
  CurrentUser,
  WristbandGuard,
  WristbandModule,
  wristbandOptionsFromEnv,
  type WristbandUser,
} from 'nestjs-wristband';
import { CookieJar, SEED, freePort, request } from 'nestjs-wristband/testing';
import { authorizeViaForm } from './emulator/browser-login.js';

const CLI = join(process.cwd(), 'packages/nestjs-wristband/src/testing/emulator-cli.ts');

interface CliProcess {
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** The CLI with exactly `env` (plus PATH and HOME): none of this process's EMULATOR_* leak in. */
function cli(env: Record<string, string>, args: string[] = []): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    kill: (signal) => child.kill(signal),
  };
}

async function runToEnd(env: Record<string, string>, args: string[] = []) {
  const p = cli(env, args);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** Starts the CLI and resolves once it printed its banner (it then listens); throws if it exits first. */
async function startCli(env: Record<string, string>): Promise<CliProcess> {
  const p = cli(env);
  const deadline = Date.now() + 15_000;
  let exitCode: number | null | undefined;
  void p.exited.then((c) => (exitCode = c));
  while (!p.stdout().includes('Ctrl+C to stop.')) {
    if (exitCode !== undefined || Date.now() > deadline) {
      p.kill('SIGKILL');
      throw new Error(`the CLI did not start (exit ${exitCode}):\n${p.stdout()}\n${p.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return p;
}

/** The block of environment lines the CLI prints, read as a .env file reads it. */
function printedEnv(stdout: string): Record<string, string> {
  const start = stdout.indexOf('# Environment for your app');
  const block = stdout.slice(start, stdout.indexOf('\n\n', start));
  expect(start).toBeGreaterThanOrEqual(0);
  return parseEnv(block) as Record<string, string>;
}

describe('nestjs-wristband-emulator --help and bad settings', () => {
  it('--help prints every variable it reads and exits 0', async () => {
    const { code, stdout } = await runToEnd({}, ['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: nestjs-wristband-emulator');
    for (const name of [
      'EMULATOR_PORT',
      'EMULATOR_ACCESS_TOKEN_TTL',
      'EMULATOR_CLIENT_ID',
      'EMULATOR_CLIENT_SECRET',
      'EMULATOR_REDIRECT_URI',
      'EMULATOR_LOGIN_URL',
      'EMULATOR_QUIET',
    ]) {
      expect(stdout).toMatch(new RegExp(`^ {2}${name} `, 'm'));
    }
  });

  it.each([
    ['EMULATOR_PORT', 'abc'],
    ['EMULATOR_PORT', '70000'],
    ['EMULATOR_PORT', '-1'],
    ['EMULATOR_ACCESS_TOKEN_TTL', '1'],
    ['EMULATOR_REDIRECT_URI', 'localhost:3001/auth/callback'],
    ['EMULATOR_LOGIN_URL', 'ftp://localhost/login'],
    ['EMULATOR_QUIET', 'maybe'],
    ['EMULATOR_CLIENT_SECRET', ' padded '],
  ])('%s=%j: names the variable on stderr and exits 2', async (name, value) => {
    const { code, stdout, stderr } = await runToEnd({ [name]: value });
    expect(code).toBe(2);
    expect(stderr).toContain(`nestjs-wristband-emulator: ${name} must`);
    expect(stderr).toContain('--help');
    expect(stdout).toBe('');
  });

  it('an unknown argument exits 2', async () => {
    const { code, stderr } = await runToEnd({}, ['--port', '9100']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown argument "--port"');
  });
});

@Controller('api')
class MeController {
  @Get('me')
  @UseGuards(WristbandGuard)
  me(@CurrentUser() user: WristbandUser) {
    return { email: user.email, tenantName: user.tenantName };
  }
}

describe('nestjs-wristband-emulator running', () => {
  let emulatorPort: number;
  let appUrl: string;
  let emulator: CliProcess | undefined;
  let app: INestApplication | undefined;

  beforeAll(async () => {
    emulatorPort = await freePort();
    const appPort = await freePort();
    appUrl = `http://localhost:${appPort}`;
    emulator = await startCli({
      EMULATOR_PORT: String(emulatorPort),
      // Only the callback: the login URL follows it (…/auth/login of the same app).
      EMULATOR_REDIRECT_URI: `${appUrl}/auth/callback`,
      EMULATOR_QUIET: '1',
    });
  });

  afterAll(async () => {
    await app?.close();
    emulator?.kill('SIGKILL');
  });

  it('prints the environment of an app at its redirect URI, with the secret in use', () => {
    expect(printedEnv(emulator!.stdout())).toEqual({
      WRISTBAND_APPLICATION_VANITY_DOMAIN: `localhost:${emulatorPort}`,
      WRISTBAND_CLIENT_ID: SEED.defaultClient.clientId,
      WRISTBAND_CLIENT_SECRET: SEED.defaultClient.clientSecret,
      WRISTBAND_CALLBACK_URL: `${appUrl}/auth/callback`,
      WRISTBAND_LOGIN_URL: `${appUrl}/auth/login`,
      WRISTBAND_IS_APPLICATION_CUSTOM_DOMAIN_ACTIVE: 'true',
      WRISTBAND_DANGEROUSLY_ALLOW_HTTP: 'true',
    });
    expect(emulator!.stdout()).toContain('printed on purpose');
  });

  it('its vanity domain answers OpenID discovery', async () => {
    const vanity = printedEnv(emulator!.stdout()).WRISTBAND_APPLICATION_VANITY_DOMAIN;
    const res = await fetch(`http://${vanity}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ issuer: `http://localhost:${emulatorPort}` });
  });

  it('an app configured by those lines alone (and SESSION_SECRETS) logs a user in', async () => {
    const env = { ...printedEnv(emulator!.stdout()), SESSION_SECRETS: 'x'.repeat(48) };
    @Module({
      imports: [WristbandModule.forRoot(wristbandOptionsFromEnv(env))],
      controllers: [MeController],
    })
    class AppModule {}
    app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(Number(new URL(appUrl).port), '127.0.0.1');

    const jar = new CookieJar();
    const start = await request(`${appUrl}/auth/login?tenant_name=acme`, { jar });
    expect(start.status).toBe(302);
    const callbackUrl = await authorizeViaForm(
      emulatorPort,
      start.location!,
      { username: 'alice@acme.test', password: SEED.password },
      jar,
    );
    expect(callbackUrl.startsWith(`${appUrl}/auth/callback?`)).toBe(true);
    expect((await request(callbackUrl, { jar })).status).toBe(302);
    const me = await request(`${appUrl}/api/me`, { jar });
    expect(me.status).toBe(200);
    expect(me.json()).toEqual({ email: 'alice@acme.test', tenantName: 'acme' });
  });

  it('a second emulator on the same port says so and exits 1', async () => {
    const { code, stderr } = await runToEnd({ EMULATOR_PORT: String(emulatorPort) });
    expect(code).toBe(1);
    expect(stderr).toContain(`port ${emulatorPort} is in use`);
  });

  it('SIGTERM stops it and exits 0', async () => {
    emulator!.kill('SIGTERM');
    expect(await emulator!.exited).toBe(0);
    expect(emulator!.stdout()).toContain('SIGTERM: stopping the emulator');
    await expect(
      fetch(`http://localhost:${emulatorPort}/.well-known/openid-configuration`),
    ).rejects.toThrow();
  });
});
