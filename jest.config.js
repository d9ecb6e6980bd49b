/**
 * One jest run covers every workspace. Tests are transpiled only (isolatedModules);
 * `tsc -b` in `npm test` does the type checking once for all of them.
 * @type {import('jest').Config}
 */
const tsTransform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] };
// Sources import with .js suffixes (nodenext); jest resolves them to the .ts files.
const moduleNameMapper = {
  '^@medspa/shared-types$': '<rootDir>/../shared-types/src/index.ts',
  '^(\\.{1,2}/.*)\\.js$': '$1',
};

module.exports = {
  projects: [
    {
      displayName: 'shared-types',
      rootDir: 'shared-types',
      testEnvironment: 'node',
      transform: tsTransform,
      moduleNameMapper,
      testMatch: ['<rootDir>/src/**/*.test.ts'],
    },
    {
      displayName: 'api',
      rootDir: 'api',
      testEnvironment: 'node',
      transform: tsTransform,
      moduleNameMapper,
      testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
      globalSetup: '<rootDir>/test/globalSetup.js',
      globalTeardown: '<rootDir>/test/globalTeardown.js',
    },
    {
      // Real mediasoup workers; WebRTC peers run in child processes (see sfu/test/support/wrtcPeer.mjs).
      displayName: 'sfu',
      rootDir: 'sfu',
      testEnvironment: 'node',
      transform: tsTransform,
      moduleNameMapper,
      testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    },
    {
      // Cross-service tests: API (real PostgreSQL) and SFU (real mediasoup workers) together.
      displayName: 'e2e',
      rootDir: 'test',
      testEnvironment: 'node',
      transform: tsTransform,
      moduleNameMapper,
      testMatch: ['<rootDir>/**/*.test.ts'],
      globalSetup: '<rootDir>/../api/test/globalSetup.js',
      globalTeardown: '<rootDir>/../api/test/globalTeardown.js',
    },
    {
      // Browser tests: real Chromium (playwright-core) against the Vite-built client.
      displayName: 'client',
      rootDir: 'client',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.jest.json' }] },
      moduleNameMapper,
      testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/src/**/*.test.ts'],
      globalSetup: '<rootDir>/test/globalSetup.mjs',
      globalTeardown: '<rootDir>/test/globalTeardown.mjs',
    },
  ],
};
