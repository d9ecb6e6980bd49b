// Strict, type-aware lint for every TypeScript workspace (house style rule 9).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', 'client/test-artifacts/**', '.data/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    // Client code runs in the browser; the E2EE worker runs in a dedicated worker.
    files: ['client/src/**', 'client/test/harness/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['client/src/e2ee/worker/**'],
    languageOptions: { globals: { ...globals.worker } },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Plain CommonJS files (jest config and setup) load with require().
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Scripts and benchmarks are command-line programs: printing is their output.
    files: ['scripts/**', '**/bench/**', '**/cli/**'],
    rules: { 'no-console': 'off' },
  },
);
