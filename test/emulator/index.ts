export {
  startEmulator,
  WristbandEmulator,
  type EmulatorOptions,
  type EmulatorClient,
  type CountedEndpoint,
  type FaultEndpoint,
  type Fault,
  type GrantType,
  type MintOptions,
  type JWK,
} from './wristband-emulator.js';
export * from './seed.js';
export { CookieJar, request, followRedirects, basicAuth } from '../support/http-client.js';
