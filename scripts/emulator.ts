/**
 * Standalone local Wristband: `npm run emulator`. The package's own CLI (`npx nestjs-wristband-emulator` in an
 * app that installed it), run from its sources: packages/nestjs-wristband/src/testing/emulator-cli.ts.
 *
 * Env: EMULATOR_PORT (default 9100), EMULATOR_ACCESS_TOKEN_TTL (seconds, default 1800),
 * EMULATOR_CLIENT_ID / EMULATOR_CLIENT_SECRET / EMULATOR_REDIRECT_URI / EMULATOR_LOGIN_URL
 * (defaults: the seed's demo client), EMULATOR_QUIET=1 to silence request logs; `npm run emulator -- --help`.
 */
import { main } from '../packages/nestjs-wristband/src/testing/emulator-cli.js';

await main(process.argv.slice(2), process.env);
