// `nestjs-wristband/testing`: helpers for the e2e tests of apps that use the module. Not for production code.
export { freePort } from './free-port.js';
export { RedisTestServer } from './redis-test-server.js';
// To forge or inspect the module's sealed cookies in tests (a tampered, foreign or expired session).
export { CookieSealer, type SealPurpose } from '../session/cookie-sealer.js';
export type { TokenResponse } from '../wristband-api.client.js';
