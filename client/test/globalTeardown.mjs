import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export default async function globalTeardown() {
  // Stop only a throwaway PostgreSQL this project started (see globalSetup.mjs).
  if (globalThis.__MEDSPA_CLIENT_OWNS_PG__ === true) {
    const apiGlobalTeardown = require('../../api/test/globalTeardown.js');
    await apiGlobalTeardown();
  }
}
