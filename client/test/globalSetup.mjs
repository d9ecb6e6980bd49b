// Builds the client app and the test harness once before the browser tests, and finds the
// PostgreSQL server the end-to-end test runs the API against (same rules as the api tests).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export default async function globalSetup() {
  const { build } = await import('vite');
  // Jest sets NODE_ENV=test, which would make Vite bundle React's development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: path.join(here, '..', 'vite.config.ts'), root: path.join(here, '..'), logLevel: 'warn' });
    await build({ configFile: path.join(here, 'harness.vite.config.ts') });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  // When the api project runs in the same jest invocation its setup has already found (or
  // started) PostgreSQL; only when the client tests run alone do they do it themselves.
  if (process.env.TEST_DATABASE_URL === undefined) {
    const apiGlobalSetup = require('../../api/test/globalSetup.js');
    await apiGlobalSetup();
    globalThis.__MEDSPA_CLIENT_OWNS_PG__ = true;
  }
}
