// npm run build: bundles each entry of the package into dist/ (flat, so that every file can find the
// watchdog's entry beside it), then emits the type declarations into dist/types/. Bundling matters:
// a test runner loads hangdump once per worker process, and one module loads far faster than thirty.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Package entries, output name -> source, in groups that never share a module instance: the test's
 * own thread (the runtime, once, whichever entry loads it), Vitest's setup file (whole, with no
 * chunk: Vitest's module runner takes each import of a setup file through its own loader, a round
 * trip to the main process for each of the package's files; see src/vitest/setup.ts), the WAITING
 * dump writer (loaded at the first dump only, keeping no state of its own), the watchdog thread, the
 * runner's main process.
 * Each group is split into shared chunks on its own: fewer, larger chunks than one split of all
 * entries together, and every module a test worker loads counts (a worker loads them per file).
 * The groups loaded by test workers are minified: V8 scans and pre-parses every byte a worker loads,
 * once per test file (measured: importing the runtime's chunk costs a warm process 7.8 M instructions,
 * 6.4 M minified). The main process's groups stay readable; source maps cover all of them.
 */
const GROUPS = [
  {
    minify: true,
    entries: {
      index: 'src/index.ts',
      // The setup file's worker in the vm pools, which load it as a module (see src/vitest/setup.ts).
      'vitest-worker': 'src/vitest/worker.ts',
      'jest-environment': 'src/jest/environment.ts',
      'jest-setup': 'src/jest/setup.ts',
      // Loaded at a thread's first dump (see src/guard/lazy.ts), sharing the runtime's chunk.
      'thread-snapshot': 'src/guard/thread-snapshot.ts',
    },
  },
  { minify: true, entries: { 'vitest-setup': 'src/vitest/setup.ts' } },
  // The setup file's stand-in for the forks pool, given to its workers with `--import`: whole too.
  { minify: true, entries: { 'vitest-preload': 'src/vitest/preload.ts' } },
  { minify: true, entries: { 'dump-waiting': 'src/guard/waiting.ts' } },
  { minify: true, entries: { watchdog: 'src/watchdog/worker.ts' } },
  // The runner's main process, and the CLI: an entry each, so that each loads as few modules as it
  // can (itself, a chunk shared with its own dynamic imports, and those at a first dump), not six
  // that share chunks with the others. The gain was within the bench's noise (a few M instructions).
  { minify: false, entries: { vitest: 'src/vitest/index.ts' } },
  { minify: false, entries: { 'vitest-reporter': 'src/vitest/reporter.ts' } },
  { minify: false, entries: { 'jest-reporter': 'src/jest/reporter.ts' } },
  { minify: false, entries: { cli: 'src/cli/bin.ts' } },
];

const root = new URL('..', import.meta.url);
process.chdir(fileURLToPath(root));
fs.rmSync('dist', { recursive: true, force: true });

for (const [group, { minify, entries }] of GROUPS.entries()) {
  await build({
    entryPoints: Object.fromEntries(Object.entries(entries).filter(([, source]) => fs.existsSync(source))),
    outdir: 'dist',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    packages: 'external',
    minify,
    sourcemap: true,
    // Chunk names differ between groups, as their contents do.
    chunkNames: `chunk${group}-[hash]`,
    logLevel: 'warning',
  });
}
// A Vitest worker's whole share of hangdump as one script, which src/vitest/engine-loader.ts compiles
// with a V8 code cache: CommonJS, as a script's code cache needs a script; its `import.meta.url` and
// its `vitest` import are handed in by the loader, its dynamic imports become `require` (of ES modules).
// Its modules import Node's modules by name: for a default import, esbuild's CommonJS output copies
// the module's every export, at every load (`import fs from 'node:fs'` cost a worker ~2 M instructions).
// The file is the function expression the loader compiles, wrapper included, and ASCII alone: each
// worker reads it as latin1 straight into the source string, with no decoding and no concatenation
// (whose flattening copied the whole script once more; see docs/performance.md).
await build({
  entryPoints: { 'vitest-engine': 'src/vitest/engine.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  minify: true,
  sourcemap: true,
  charset: 'ascii',
  banner: { js: '(function (exports, require, module, __hangdump_url) {' },
  footer: { js: '})' },
  define: { 'import.meta.url': '__hangdump_url' },
  supported: { 'dynamic-import': false },
  logLevel: 'warning',
});
// The loader reads the engine as latin1: a byte beyond ASCII (a comment esbuild keeps) would be misread.
if (fs.readFileSync('dist/vitest-engine.cjs').some((byte) => byte > 0x7f)) {
  throw new Error('dist/vitest-engine.cjs is not ASCII: the loader reads it as latin1');
}
// The loader names its cache by a hash of the script: a cache is never used for another script.
const ENGINE_HASH = 'ENGINE_HASH_PLACEHOLDER';
const engineHash = createHash('sha256')
  .update(fs.readFileSync('dist/vitest-engine.cjs'))
  .digest('hex')
  .slice(0, ENGINE_HASH.length);
for (const file of fs.readdirSync('dist').filter((name) => name.endsWith('.js'))) {
  const source = fs.readFileSync(`dist/${file}`, 'utf8');
  if (source.includes(ENGINE_HASH))
    fs.writeFileSync(`dist/${file}`, source.replaceAll(ENGINE_HASH, engineHash));
}
if (fs.existsSync('dist/cli.js')) fs.chmodSync('dist/cli.js', 0o755);
// Jest runs setup files through its CommonJS registry, which cannot load ES modules: `hangdump/jest`
// is a CommonJS file (required as is) that loads the bundled jest-setup.js with Node's own loader.
if (fs.existsSync('src/jest/setup.cjs')) fs.copyFileSync('src/jest/setup.cjs', 'dist/jest-setup.cjs');

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
  stdio: 'inherit',
});
