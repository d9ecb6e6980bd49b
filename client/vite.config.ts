import { gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import type { Plugin } from 'vite';

/**
 * Modules whose chunks make up what a patient downloads to join a visit from the link in
 * their confirmation: the app entry plus the lazily loaded join flow and the E2EE worker.
 */
const PATIENT_JOIN_MODULES = ['/src/patient/PatientJoin.tsx'];
const PATIENT_JOIN_ASSETS = [/e2eeWorker-.*\.js$/, /\.css$/];
/** Budget from the issue: the patient join bundle should stay under 300 KB gzipped. */
const PATIENT_JOIN_BUDGET_BYTES = 300 * 1024;

interface ChunkLike {
  type: 'chunk';
  fileName: string;
  code: string;
  imports: string[];
  isEntry: boolean;
  facadeModuleId: string | null;
}
interface AssetLike {
  type: 'asset';
  fileName: string;
  source: string | Uint8Array;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Prints the gzip size of the patient join bundle after every production build. */
function patientJoinBundleReport(): Plugin {
  return {
    name: 'medspa-patient-join-bundle-report',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const outputs = Object.values(bundle) as (ChunkLike | AssetLike)[];
      const byName = new Map(outputs.map((output) => [output.fileName, output]));
      const picked = new Set<string>();
      // Static imports load with their importer, so each picked chunk drags them in.
      const pick = (fileName: string): void => {
        const output = byName.get(fileName);
        if (output === undefined || picked.has(fileName)) return;
        picked.add(fileName);
        if (output.type === 'chunk') output.imports.forEach(pick);
      };
      for (const output of outputs) {
        if (output.type === 'chunk') {
          const facade = output.facadeModuleId ?? '';
          if (output.isEntry || PATIENT_JOIN_MODULES.some((module) => facade.endsWith(module))) pick(output.fileName);
        } else if (PATIENT_JOIN_ASSETS.some((pattern) => pattern.test(output.fileName)) || output.fileName === 'index.html') {
          pick(output.fileName);
        }
      }
      let total = 0;
      const lines: string[] = [];
      for (const fileName of [...picked].sort()) {
        const output = byName.get(fileName);
        if (output === undefined) continue;
        const content = output.type === 'chunk' ? output.code : output.source;
        const gzipped = gzipSync(typeof content === 'string' ? Buffer.from(content) : content, { level: 9 }).length;
        total += gzipped;
        lines.push(`  ${fileName.padEnd(48)} ${kib(gzipped).padStart(10)} gzip`);
      }
      const verdict = total <= PATIENT_JOIN_BUDGET_BYTES ? 'within' : 'OVER';
      process.stdout.write(
        `\npatient join bundle (entry + join flow + E2EE worker + css):\n${lines.join('\n')}\n` +
          `  total ${kib(total)} gzip (${total} bytes), ${verdict} the ${kib(PATIENT_JOIN_BUDGET_BYTES)} budget\n\n`,
      );
    },
  };
}

export default defineConfig({
  plugins: [react(), patientJoinBundleReport()],
  build: {
    outDir: 'dist/web',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
  },
  worker: { format: 'es' },
});
