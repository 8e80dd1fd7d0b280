// ESLint flat config: @eslint/js + typescript-eslint (type-checked) + eslint-config-prettier, which turns
// off the rules Prettier owns (formatting is checked by `npm run format:check`).
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      'bench-results/**',
      // Separate apps, built and linted by nothing here: they install the packed package (scripts/consumer-tests.ts).
      'test/consumers/**',
    ],
  },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          // Root config files are plain JS outside every tsconfig.
          allowDefaultProject: ['*.js'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    // The emulator drives oidc-provider, which ships no types: its objects are typed `Loose` (any) in
    // emulator/provider.ts, and its adapter and hook API wants async functions even where ours need no await.
    files: ['packages/nestjs-wristband/src/testing/emulator/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests read JSON bodies (`res.json()`, `JSON.parse`) and use Jest's asymmetric matchers (`expect.any`),
    // all typed `any`; their fakes implement async interfaces (SessionStore, useFactory, retried calls) with
    // bodies that need no await.
    files: [
      '**/*.spec.ts',
      '**/*.e2e-spec.ts',
      'test/**/*.ts',
      'packages/nestjs-wristband/test/**/*.ts',
    ],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  prettier,
);
