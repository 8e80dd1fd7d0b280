/**
 * `npm run demo`: the local Wristband emulator and the app (production build) wired together.
 * Env: PORT (app, default 3001), EMULATOR_PORT (default 9100), HTTP_ADAPTER (`express`, the default, or
 * `fastify`; passed on to the app, which validates it).
 */
import { spawn } from 'node:child_process';
import { SEED, startEmulator } from 'nestjs-wristband/testing';

const appPort = Number(process.env.PORT ?? 3001);
const emulatorPort = Number(process.env.EMULATOR_PORT ?? 9100);
const appUrl = `http://localhost:${appPort}`;

const emulator = await startEmulator({
  port: emulatorPort,
  clients: [
    {
      ...SEED.defaultClient,
      redirectUris: [`${appUrl}/auth/callback`],
      loginUrl: `${appUrl}/auth/login`,
    },
  ],
});

const app = spawn(process.execPath, ['dist/main.js'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    PORT: String(appPort),
    WRISTBAND_APPLICATION_VANITY_DOMAIN: emulator.vanityDomain,
    WRISTBAND_CLIENT_ID: SEED.defaultClient.clientId,
    WRISTBAND_CLIENT_SECRET: SEED.defaultClient.clientSecret,
    WRISTBAND_CALLBACK_URL: `${appUrl}/auth/callback`,
    WRISTBAND_LOGIN_URL: `${appUrl}/auth/login`,
    WRISTBAND_IS_APPLICATION_CUSTOM_DOMAIN_ACTIVE: 'true',
    WRISTBAND_DANGEROUSLY_ALLOW_HTTP: 'true',
    SESSION_SECRETS: process.env.SESSION_SECRETS ?? 'demo-only-session-secret-change-me-0123456789',
  },
});

async function waitForApp(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${appPort}/health`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the app did not start');
}

async function stop(code: number): Promise<never> {
  app.kill('SIGTERM');
  await emulator.close();
  process.exit(code);
}

app.on('exit', (code) => void stop(code ?? 1));
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

await waitForApp();
console.log(
  [
    '',
    `Demo ready (${process.env.HTTP_ADAPTER?.trim() || 'express'}): open ${appUrl}`,
    `  GraphQL: POST ${appUrl}/graphql  (e.g. {"query":"{ ping }"}; me, adminStats, projects after login)`,
    `  Wristband emulator: ${emulator.url}  (tenants: acme, globex, initech)`,
    `  Users (password ${SEED.password}):`,
    ...SEED.users.map((u) => `    ${u.email.padEnd(20)} tenant ${u.tenant}`),
    'Ctrl+C to stop.',
  ].join('\n'),
);
