import { availableParallelism } from 'node:os';

// Nest 12 ships as pure ESM, so Jest runs in its native ESM mode (`--experimental-vm-modules`).
const tsJest = [
  'ts-jest',
  {
    useESM: true,
    tsconfig: '<rootDir>/tsconfig.json',
    diagnostics: { warnOnly: false, ignoreCodes: [151002] },
  },
];
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    // Tests run the package from its sources (the consumer tests install its packed build instead).
    '^nestjs-wristband$': '<rootDir>/packages/nestjs-wristband/src/index.ts',
    '^nestjs-wristband/testing$': '<rootDir>/packages/nestjs-wristband/src/testing/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: { '^.+\\.ts$': tsJest },
  // The consumer apps run their own Jest, against the packed package (scripts/consumer-tests.ts).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/consumers/'],
};
/** e2e specs of the example app and its tests (test/): they run once per HTTP adapter. */
const appE2e = ['<rootDir>/test/**/*.e2e-spec.ts'];
/** The package's own e2e specs (emulator, Redis store) use no HTTP adapter: they run once. */
const packageE2e = ['<rootDir>/packages/*/src/**/*.e2e-spec.ts'];
export default {
  // e2e tests wait on real servers and real token lifetimes, with every suite running at once in CI.
  testTimeout: 20_000,
  // Jest's default (cores - 1) is one worker on a 2-core CI machine: the e2e suites, twice over with two
  // adapters, mostly wait on sockets and token lifetimes, so two run side by side at least.
  maxWorkers: Math.max(2, availableParallelism() - 1),
  // unit: no server, no browser, no child process. e2e (`*.e2e-spec.ts`): the emulator, redis-server or Chromium.
  // `e2e` runs the app's e2e specs on Express and `e2e-fastify` the same specs on Fastify: the adapter
  // reaches test/support/http-adapter.ts through the project's `globals`, and Jest prints the project's
  // name before every suite (`FAIL e2e-fastify test/…`).
  projects: [
    {
      ...common,
      displayName: 'unit',
      rootDir: '.',
      testMatch: [
        '<rootDir>/src/**/*.spec.ts',
        '<rootDir>/test/**/*.spec.ts',
        '<rootDir>/packages/*/src/**/*.spec.ts',
      ],
    },
    {
      ...common,
      displayName: { name: 'e2e', color: 'blue' },
      rootDir: '.',
      globals: { E2E_HTTP_ADAPTER: 'express' },
      testMatch: [...appE2e, ...packageE2e],
    },
    {
      ...common,
      displayName: { name: 'e2e-fastify', color: 'magenta' },
      rootDir: '.',
      globals: { E2E_HTTP_ADAPTER: 'fastify' },
      testMatch: appE2e,
    },
  ],
};
