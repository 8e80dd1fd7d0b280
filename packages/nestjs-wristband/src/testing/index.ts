// `nestjs-wristband/testing`: helpers for the e2e tests of apps that use the module. Not for production code.
// The emulator needs the optional peer dependency `oidc-provider`, loaded only when an emulator starts.
export {
  startWristbandEmulator,
  type StartWristbandEmulatorOptions,
  type WristbandTestEmulator,
  type WristbandEmulatorEnv,
  type AppRoutesOptions,
} from './start-wristband-emulator.js';
export type { LoginSession, LoginSessionOptions } from './kit-logins.js';
export type { TestTenant, TestUser } from './test-directory.js';
export * from './emulator/index.js';
export {
  CookieJar,
  request,
  followRedirects,
  basicAuth,
  type StoredCookie,
  type RequestOptions,
  type HttpResponse,
  type FollowOptions,
  type FollowResult,
} from './http-client.js';
export { freePort } from './free-port.js';
export { RedisTestServer } from './redis-test-server.js';
export {
  RedisTestCluster,
  type RedisTestClusterNode,
  type RedisTestClusterOptions,
} from './redis-test-cluster.js';
// To forge or inspect the module's sealed cookies in tests (a tampered, foreign or expired session).
export { CookieSealer, type SealPurpose } from '../session/cookie-sealer.js';
export type { TokenResponse } from '../wristband-api.client.js';
