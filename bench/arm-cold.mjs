// A runner's steps armed and disarmed in a fresh process, as a Vitest worker arms them (a test's
// hooks and body: the label in parts, a new test name every other step), counted by valgrind's
// callgrind between two markers so that the process's start does not count. The code comes from a V8
// code cache made by a first run, as a worker's does (see src/vitest/engine-loader.ts): what is
// counted is cold code running, not compiling. Deterministic to about 0.6%: the figure to compare a
// change of the arm's path by, where `npm run bench -- arm` (warm, in nanoseconds) cannot see it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { CALLGRIND, callgrindParts, median, STEADY_V8, table, valgrindAvailable } from './lib.mjs';

const ROOT = path.join(import.meta.dirname, '..');
const STEPS = 200;

/**
 * The steps, between two `process.getegid()` calls (callgrind's `--dump-before=getegid` cuts the
 * count there), in a process whose table a process watchdog of its own reads from memory, as Vitest's
 * main process reads a worker's: arming then writes no file.
 */
const ENTRY = `
import { armRunnerStep } from ${JSON.stringify(path.join(ROOT, 'src/guard/api.ts'))};
import { guardRuntime, watchFromProcess } from ${JSON.stringify(path.join(ROOT, 'src/guard/runtime.ts'))};
import { DEFAULTS } from ${JSON.stringify(path.join(ROOT, 'src/options.ts'))};
import { labelPart } from ${JSON.stringify(path.join(ROOT, 'src/watchdog/label-part.ts'))};
import { ProcessWatchdog } from ${JSON.stringify(path.join(ROOT, 'src/watchdog/process-watchdog.ts'))};
const watchdog = new ProcessWatchdog();
watchFromProcess(watchdog.dir);
guardRuntime();
// Time for the watchdog to find the table in this process's memory and answer.
setTimeout(() => {
  globalThis.gc();
  const names = Array.from({ length: ${STEPS / 2} }, (_, i) => 'case ' + i);
  process.getegid();
  const prefix = labelPart('suite.test.ts > file > ');
  const steps = [labelPart(''), labelPart(' [beforeEach]')];
  for (let i = 0; i < ${STEPS}; i++) {
    armRunnerStep(5000, DEFAULTS, prefix, names[i >> 1], steps[i & 1]).disarm();
  }
  process.getegid();
  watchdog.close();
  globalThis.__done();
}, 1500);
`;

/** Runs a CommonJS bundle through `vm.Script` with a code cache beside it, made by its first run. */
const RUNNER = `
const fs = require('node:fs');
const vm = require('node:vm');
const { pathToFileURL } = require('node:url');
const file = process.argv[2];
const cacheFile = file + '.cache';
const cachedData = fs.existsSync(cacheFile) ? fs.readFileSync(cacheFile) : undefined;
const script = new vm.Script('(function (require, __url) {' + fs.readFileSync(file, 'utf8') + '\\n})', { filename: file, cachedData });
globalThis.__done = () => {
  if (!cachedData || script.cachedDataRejected) fs.writeFileSync(cacheFile, script.createCachedData());
  process.reallyExit(0);
};
script.runInThisContext()(require, pathToFileURL(file).href);
`;

const NODE_FLAGS = [...STEADY_V8, '--expose-gc'];

function countSteps(dir, runner, bundle) {
  const out = path.join(dir, 'callgrind');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out);
  const run = spawnSync(
    'valgrind',
    [
      ...CALLGRIND,
      '--dump-before=getegid',
      `--callgrind-out-file=${out}/part`,
      process.execPath,
      ...NODE_FLAGS,
      runner,
      bundle,
    ],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`the counted run failed:\n${run.stderr}`);
  // The last part dumped before a getegid call is the loop's.
  return callgrindParts(out, 'part').marked.at(-1);
}

export function benchArmCold(rounds = 3) {
  if (process.platform !== 'linux' || !valgrindAvailable()) {
    console.log("\nA runner's steps armed cold, under callgrind: skipped (needs Linux and valgrind)");
    return;
  }
  const dir = path.join(import.meta.dirname, '.arm-cold');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir);
  try {
    const entry = path.join(dir, 'entry.ts');
    const bundle = path.join(dir, 'steps.cjs');
    const runner = path.join(dir, 'runner.cjs');
    fs.writeFileSync(entry, ENTRY);
    fs.writeFileSync(runner, RUNNER);
    buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      minify: true,
      define: { 'import.meta.url': '__url' },
      outfile: bundle,
      logLevel: 'error',
    });
    // Makes the code cache.
    const first = spawnSync(process.execPath, [...NODE_FLAGS, runner, bundle], { encoding: 'utf8' });
    if (first.status !== 0) throw new Error(`the first run failed:\n${first.stderr}`);
    const counts = Array.from({ length: rounds }, () => countSteps(dir, runner, bundle));
    table(
      `${STEPS} steps of a runner armed and disarmed in a fresh process, from a code cache, instructions under callgrind (${rounds} runs)`,
      ['instructions', 'range', 'per step'],
      [
        [
          `${(median(counts) / 1e6).toFixed(2)} M`,
          `${(Math.min(...counts) / 1e6).toFixed(2)}-${(Math.max(...counts) / 1e6).toFixed(2)} M`,
          `${(median(counts) / STEPS / 1000).toFixed(1)} K`,
        ],
      ],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
