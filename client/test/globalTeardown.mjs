import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export default async function globalTeardown() {
  const apiGlobalTeardown = require('../../api/test/globalTeardown.js');
  await apiGlobalTeardown();
}
