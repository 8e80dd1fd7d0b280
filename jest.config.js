// Nest 12 ships as pure ESM, so Jest runs in its native ESM mode (`--experimental-vm-modules`).
const tsJest = [
  'ts-jest',
  { useESM: true, tsconfig: '<rootDir>/tsconfig.json', diagnostics: { warnOnly: false, ignoreCodes: [151002] } },
];
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': tsJest },
};
export default {
  projects: [
    { ...common, displayName: 'unit', rootDir: '.', testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', rootDir: '.', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
