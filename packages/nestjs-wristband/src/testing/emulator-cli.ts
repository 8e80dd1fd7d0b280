#!/usr/bin/env node
/**
 * `npx nestjs-wristband-emulator`: the local Wristband emulator as a standalone process, for running an app
 * against it during development (the package's `bin`; `npm run emulator` in this repository runs the same
 * `main`). Settings come from `EMULATOR_*` variables (see `USAGE`); once started it prints the seed users and
 * the `WRISTBAND_*` lines an app needs to use it, and runs until SIGINT or SIGTERM.
 *
 * Exit codes: 0 after `--help` or a signal, 1 when the emulator cannot start (port taken, `oidc-provider`
 * missing), 2 for an unknown argument or a bad variable.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WRISTBAND_ENV_VARIABLES as WB } from '../wristband-options.from-env.js';
import { WristbandEmulatorError } from './emulator/emulator.error.js';
import { SEED, type EmulatorClient } from './emulator/seed.js';
import { startEmulator, type WristbandEmulator } from './emulator/wristband-emulator.js';

const NAME = 'nestjs-wristband-emulator';
const DEFAULT_PORT = 9100;
const DEFAULT_TTL = 1800;

const USAGE = `Usage: ${NAME} [--help]

Runs a local Wristband (the emulator of nestjs-wristband/testing) on http://localhost:PORT until Ctrl+C or
SIGTERM, and prints the WRISTBAND_* environment your app needs to use it. Needs the peer dependency
oidc-provider: npm install -D oidc-provider@~9.13

Environment variables (all optional; an empty value is the default):
  EMULATOR_PORT              Port (default ${DEFAULT_PORT}; 0: any free port)
  EMULATOR_ACCESS_TOKEN_TTL  Access token lifetime in seconds, at least 2 (default ${DEFAULT_TTL}; 0: the default)
  EMULATOR_CLIENT_ID         The OAuth client's id (default ${SEED.defaultClient.clientId})
  EMULATOR_CLIENT_SECRET     Its secret (default: the seed's test secret; printed at startup)
  EMULATOR_REDIRECT_URI      Its redirect URIs, comma-separated: your app's callback URL
                             (default ${SEED.defaultClient.redirectUris[0]})
  EMULATOR_LOGIN_URL         The application's Login URL: your app's login route (default: the first
                             redirect URI with /callback replaced by /login, else ${SEED.defaultClient.loginUrl})
  EMULATOR_QUIET             1 or true: no request log (default: every request is logged)

Seed users (password ${SEED.password}): ${SEED.users.map((u) => u.email).join(', ')}.

Exit codes: 0 after --help or SIGINT/SIGTERM, 1 when the emulator cannot start, 2 for a bad argument or
variable.`;

/** A bad argument or variable: printed with a pointer to `--help`, exit code 2. */
class UsageError extends Error {}

interface CliSettings {
  port: number;
  ttl: number;
  client: EmulatorClient & { loginUrl: string };
  quiet: boolean;
}

function setting(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

function integer(env: NodeJS.ProcessEnv, name: string, ok: (n: number) => boolean, rule: string) {
  const raw = setting(env, name);
  if (raw === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || !ok(n))
    throw new UsageError(`${name} must be ${rule} (got ${JSON.stringify(raw)})`);
  return n;
}

function httpUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${name} must be an absolute http(s) URL (got ${JSON.stringify(value)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`${name} must be an http or https URL (got ${JSON.stringify(value)})`);
  return value;
}

/** An id or secret the app reads back from its environment exactly as printed (it trims values). */
function credential(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = setting(env, name) ?? fallback;
  // eslint-disable-next-line no-control-regex
  if (value.trim() !== value || /[\u0000-\u001f\u007f]/.test(value))
    throw new UsageError(
      `${name} must not start or end with whitespace or contain control characters`,
    );
  return value;
}

function readSettings(env: NodeJS.ProcessEnv): CliSettings {
  const port =
    integer(env, 'EMULATOR_PORT', (n) => n <= 65535, 'a port number, 0 to 65535') ?? DEFAULT_PORT;
  const ttl =
    integer(
      env,
      'EMULATOR_ACCESS_TOKEN_TTL',
      (n) => n === 0 || n >= 2,
      'a whole number of seconds, at least 2 (0: the default)',
    ) || DEFAULT_TTL;
  const redirectSetting = setting(env, 'EMULATOR_REDIRECT_URI');
  const redirectUris = (redirectSetting ?? SEED.defaultClient.redirectUris[0])
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((u) => httpUrl('EMULATOR_REDIRECT_URI', u));
  if (redirectUris.length === 0)
    throw new UsageError('EMULATOR_REDIRECT_URI must list at least one URL');
  const loginSetting = setting(env, 'EMULATOR_LOGIN_URL');
  const loginUrl =
    loginSetting !== undefined
      ? httpUrl('EMULATOR_LOGIN_URL', loginSetting.trim())
      : (redirectSetting !== undefined && siblingLoginUrl(redirectUris[0])) ||
        SEED.defaultClient.loginUrl!;
  const quietSetting = setting(env, 'EMULATOR_QUIET')?.trim().toLowerCase();
  if (quietSetting !== undefined && !/^(1|0|true|false|yes|no)$/.test(quietSetting))
    throw new UsageError(
      `EMULATOR_QUIET must be 1, true, 0 or false (got ${JSON.stringify(env.EMULATOR_QUIET)})`,
    );
  return {
    port,
    ttl,
    client: {
      clientId: credential(env, 'EMULATOR_CLIENT_ID', SEED.defaultClient.clientId),
      clientSecret: credential(env, 'EMULATOR_CLIENT_SECRET', SEED.defaultClient.clientSecret),
      redirectUris,
      loginUrl,
    },
    quiet: quietSetting !== undefined && /^(1|true|yes)$/.test(quietSetting),
  };
}

/** `http://host/auth/callback` → `http://host/auth/login` (the module's routes); undefined otherwise. */
function siblingLoginUrl(callbackUrl: string): string | undefined {
  const url = new URL(callbackUrl);
  if (!/\/callback$/.test(url.pathname)) return undefined;
  url.pathname = url.pathname.replace(/callback$/, 'login');
  url.search = '';
  url.hash = '';
  return url.href;
}

/** `NAME=value` as a `.env` file and a POSIX shell both read it back. */
function envLine(name: string, value: string): string {
  if (/^[\w.,:/@%+=-]*$/.test(value)) return `${name}=${value}`;
  if (!value.includes("'")) return `${name}='${value}'`;
  return `${name}="${value.replace(/[\\"$`]/g, '\\$&')}"`;
}

/** What the emulator prints once it listens: the seed, then the app's environment. */
function banner(emu: WristbandEmulator, { ttl, client }: CliSettings): string {
  const secretIsSeed = client.clientSecret === SEED.defaultClient.clientSecret;
  return [
    `Local Wristband emulator for application "${SEED.application.name}"`,
    `  vanity domain   ${emu.url}   (issuer ${emu.issuer})`,
    `  tenant domains  ${emu.tenantUrl('{tenant}')}`,
    `  app login page  ${emu.url}/login?client_id=${encodeURIComponent(client.clientId)}`,
    `  client id       ${client.clientId}   (secret: below)`,
    `  redirect URIs   ${client.redirectUris.join(', ')}`,
    `  login URL       ${client.loginUrl}`,
    `  access token    ${ttl} s`,
    `  users (password ${SEED.password}):`,
    ...SEED.users.map(
      (u) =>
        `    ${u.email.padEnd(20)} tenant ${u.tenant.padEnd(8)} roles ${u.roles.map((r) => r.name).join(', ') || '-'}`,
    ),
    '',
    '# Environment for your app (its .env), to use this emulator. The client secret is printed on purpose:',
    `# it is ${secretIsSeed ? "the emulator's built-in test secret" : 'EMULATOR_CLIENT_SECRET'}, for this local emulator only; never put a real Wristband secret here.`,
    envLine(WB.applicationVanityDomain, emu.vanityDomain),
    envLine(WB.clientId, client.clientId),
    envLine(WB.clientSecret, client.clientSecret),
    envLine(WB.callbackUrl, client.redirectUris[0]),
    envLine(WB.loginUrl, client.loginUrl),
    envLine(WB.isApplicationCustomDomainActive, 'true'),
    envLine(WB.dangerouslyAllowHttp, 'true'),
    `# Plus the app's own ${WB.sessionSecrets} (each at least 32 characters, e.g. \`openssl rand -base64 48\`).`,
    '',
    'Ctrl+C to stop.',
  ].join('\n');
}

/**
 * The CLI: `argv` without node and the script (`process.argv.slice(2)`). Returns once the emulator listens
 * (it then runs until SIGINT/SIGTERM, which exit the process) or, for `--help` and errors, after setting
 * `process.exitCode`.
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  let settings: CliSettings;
  try {
    if (argv.includes('--help') || argv.includes('-h')) {
      console.log(USAGE);
      process.exitCode = 0;
      return;
    }
    if (argv.length > 0)
      throw new UsageError(`unknown argument ${JSON.stringify(argv[0])}: settings are EMULATOR_*`);
    settings = readSettings(env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${NAME}: ${err.message}\nRun \`${NAME} --help\` for the variables it reads.`);
    process.exitCode = 2;
    return;
  }

  let emu: WristbandEmulator;
  try {
    emu = await startEmulator({
      port: settings.port,
      accessTokenTtlSeconds: settings.ttl,
      clients: [settings.client],
      quiet: settings.quiet,
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'EADDRINUSE' || code === 'port_in_use'
        ? `port ${settings.port} is in use: set EMULATOR_PORT to another port (0: any free port)`
        : err instanceof WristbandEmulatorError
          ? err.message
          : String((err as Error).stack ?? err);
    console.error(`${NAME}: cannot start: ${message}`);
    process.exitCode = err instanceof WristbandEmulatorError && code === 'invalid_option' ? 2 : 1;
    return;
  }

  console.log(banner(emu, settings));

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the emulator`);
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    await emu.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** True when this file is the process's entry point (`npx`, `node …/emulator-cli.js`), not an import. */
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    // npm's bin is a symlink (node_modules/.bin/…); Node runs the file it points to.
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) await main(process.argv.slice(2), process.env);
