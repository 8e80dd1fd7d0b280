// The emulator's public surface, re-exported by `nestjs-wristband/testing`.
export { startEmulator, WristbandEmulator, type EmulatorOptions } from './wristband-emulator.js';
export type { CountedEndpoint, Fault, FaultEndpoint, GrantType } from './faults.js';
export type { MintOptions } from './tokens.js';
export type { JWK } from './keys.js';
export { WristbandEmulatorError, type WristbandEmulatorErrorCode } from './emulator.error.js';
export {
  SEED,
  type EmulatorClient,
  type SeedApplication,
  type SeedRole,
  type SeedTenant,
  type SeedUser,
} from './seed.js';
