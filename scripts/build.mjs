// npm run build: bundles each entry of the package into dist/ (flat, so that every file can find the
// watchdog's entry beside it), then emits the type declarations into dist/types/. Bundling matters:
// a test runner loads hangdump once per worker process, and one module loads far faster than thirty.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Package entries: output name -> source. An entry whose source is absent is skipped. */
const ENTRIES = {
  index: 'src/index.ts',
  watchdog: 'src/watchdog/worker.ts',
  'dump-waiting': 'src/guard/waiting.ts',
  cli: 'src/cli/bin.ts',
  vitest: 'src/vitest/index.ts',
  'vitest-setup': 'src/vitest/setup.ts',
  'vitest-reporter': 'src/vitest/reporter.ts',
  'jest-environment': 'src/jest/environment.ts',
  'jest-setup': 'src/jest/setup.ts',
  'jest-reporter': 'src/jest/reporter.ts',
};

const root = new URL('..', import.meta.url);
process.chdir(fileURLToPath(root));
fs.rmSync('dist', { recursive: true, force: true });

await build({
  entryPoints: Object.fromEntries(Object.entries(ENTRIES).filter(([, source]) => fs.existsSync(source))),
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  sourcemap: true,
  chunkNames: 'chunk-[hash]',
  logLevel: 'warning',
});
if (fs.existsSync('dist/cli.js')) fs.chmodSync('dist/cli.js', 0o755);
// Jest runs setup files through its CommonJS registry, which cannot load ES modules: `hangdump/jest`
// is a CommonJS file (required as is) that loads the bundled jest-setup.js with Node's own loader.
if (fs.existsSync('src/jest/setup.cjs')) fs.copyFileSync('src/jest/setup.cjs', 'dist/jest-setup.cjs');

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
  stdio: 'inherit',
});
