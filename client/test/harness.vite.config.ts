import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Builds the browser-test harness pages (never part of the shipped app). */
export default defineConfig({
  root: path.join(here, 'harness'),
  logLevel: 'warn',
  build: {
    outDir: path.join(here, '..', 'dist', 'test-harness'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: { e2ee: path.join(here, 'harness', 'e2ee.html') } },
  },
  worker: { format: 'es' },
});
