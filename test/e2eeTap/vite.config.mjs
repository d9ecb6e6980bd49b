// Builds the E2EE tap test page (test/e2eeTap.test.ts); never part of the shipped app.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  logLevel: 'warn',
  build: {
    outDir: path.join(here, '..', 'dist', 'e2ee-tap-page'),
    emptyOutDir: true,
    target: 'es2022',
  },
  worker: { format: 'es' },
});
