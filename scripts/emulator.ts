/**
 * Standalone local Wristband: `npm run emulator`.
 *
 * Env: EMULATOR_PORT (default 9100), EMULATOR_ACCESS_TOKEN_TTL (seconds, default 1800),
 * EMULATOR_CLIENT_ID / EMULATOR_CLIENT_SECRET / EMULATOR_REDIRECT_URI / EMULATOR_LOGIN_URL
 * (defaults: the seed's demo client), EMULATOR_QUIET=1 to silence request logs.
 */
import { SEED, startEmulator } from 'nestjs-wristband/testing';

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`${name} must be a non-negative integer (got "${raw}")`);
    process.exit(2);
  }
  return n;
}

const port = intEnv('EMULATOR_PORT', 9100);
const ttl = intEnv('EMULATOR_ACCESS_TOKEN_TTL', 1800);
const client = {
  clientId: process.env.EMULATOR_CLIENT_ID || SEED.defaultClient.clientId,
  clientSecret: process.env.EMULATOR_CLIENT_SECRET || SEED.defaultClient.clientSecret,
  redirectUris: (process.env.EMULATOR_REDIRECT_URI || SEED.defaultClient.redirectUris[0])
    .split(',')
    .map((s) => s.trim()),
  loginUrl: process.env.EMULATOR_LOGIN_URL || SEED.defaultClient.loginUrl,
};

const emu = await startEmulator({
  port,
  accessTokenTtlSeconds: ttl > 0 ? ttl : 1800,
  clients: [client],
  quiet: process.env.EMULATOR_QUIET === '1',
});

const lines = [
  `Local Wristband emulator for application "${SEED.application.name}"`,
  `  vanity domain   ${emu.url}   (issuer ${emu.issuer})`,
  `  tenant domains  ${emu.tenantUrl('{tenant}')}`,
  `  app login page  ${emu.url}/login?client_id=${encodeURIComponent(client.clientId)}`,
  `  client id       ${client.clientId}   (secret: see EMULATOR_CLIENT_SECRET or the seed of nestjs-wristband/testing)`,
  `  redirect URIs   ${client.redirectUris.join(', ')}`,
  `  login URL       ${client.loginUrl}`,
  `  access token    ${ttl > 0 ? ttl : 1800} s`,
  `  users (password ${SEED.password}):`,
  ...SEED.users.map(
    (u) =>
      `    ${u.email.padEnd(20)} tenant ${u.tenant.padEnd(8)} roles ${u.roles.map((r) => r.name).join(', ') || '-'}`,
  ),
  'Ctrl+C to stop.',
];
console.log(lines.join('\n'));

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the emulator`);
  const force = setTimeout(() => process.exit(1), 5000);
  force.unref();
  await emu.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
