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
export default {
  // e2e tests wait on real servers and real token lifetimes, with every suite running at once in CI.
  testTimeout: 20_000,
  // unit: no server, no browser, no child process. e2e (`*.e2e-spec.ts`): the emulator, redis-server or Chromium.
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
      displayName: 'e2e',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts', '<rootDir>/packages/*/src/**/*.e2e-spec.ts'],
    },
  ],
};
