// One Vitest worker's instructions, counted by valgrind's callgrind, with and without the plugin: a
// figure that other load on the machine does not move, for machines where `perf` cannot count (a VM
// without a performance-monitoring unit, where the suite benchmarks have wall and CPU time only).
// One file of 100 tests, so that one worker process runs it all; each case counted a few times (the
// count of identical runs moves by about 0.2%: timers that fire, collections that fall elsewhere).
// Split by phase: the test file calls `process.getegid()` at its first line and in a last
// `afterAll`, and callgrind writes its counts so far before each call (`--dump-before=getegid`).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  CALLGRIND,
  callgrindParts,
  median,
  projectWithHangdump,
  STEADY_V8,
  smallTests,
  table,
  valgrindAvailable,
} from './lib.mjs';

const ROOT = path.join(import.meta.dirname, '..');

/**
 * The main process runs each worker under callgrind: a preload points `process.execPath` (which
 * Vitest forks) at a script that starts valgrind, and keeps Vitest from SIGKILLing a worker that
 * takes longer than 500 ms to end (callgrind writes its counts as the process exits). The worker
 * ends at Vitest's SIGTERM, through `process.reallyExit` so that callgrind sees an exit. V8 runs
 * single-threaded with fixed seeds: its background threads' work is counted the same every time.
 */
function writeHarness(dir, out) {
  const launcher = path.join(dir, 'callgrind-node.sh');
  const workerPreload = path.join(dir, 'worker-preload.cjs');
  fs.writeFileSync(workerPreload, "process.on('SIGTERM', () => process.reallyExit(0));\n");
  fs.writeFileSync(
    launcher,
    `#!/bin/sh\nexec valgrind ${CALLGRIND.join(' ')} --dump-before=getegid '--callgrind-out-file=${out}/callgrind.%p' '${process.execPath}' --require '${workerPreload}' ${STEADY_V8.join(' ')} "$@" 2>/dev/null\n`,
    { mode: 0o755 },
  );
  const mainPreload = path.join(dir, 'main-preload.mjs');
  fs.writeFileSync(
    mainPreload,
    `import { ChildProcess } from 'node:child_process';
process.execPath = ${JSON.stringify(launcher)};
const kill = ChildProcess.prototype.kill;
ChildProcess.prototype.kill = function (signal) {
  return signal === 'SIGKILL' ? true : kill.call(this, signal);
};
`,
  );
  return mainPreload;
}

/** How long the worker's last counts may take to be written once its run has ended. */
const FINAL_COUNTS_MS = 10_000;

/**
 * The instructions of the one worker of a run of `config`, in all and by phase: `before` its test
 * file's first line, `file` (the file's import and tests, to its last `afterAll`), and `after` (the
 * worker's end). Node calls `getegid` itself as it starts: every part before the last two markers is
 * `before`. Throws when the run fails.
 */
function countWorker(dir, config, mainPreload, out) {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out);
  const vitest = path.join(ROOT, 'node_modules/vitest/vitest.mjs');
  const run = spawnSync(process.execPath, ['--import', mainPreload, vitest, 'run', '--config', config], {
    cwd: dir,
    env: { ...process.env, CI: '1', FORCE_COLOR: '0' },
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`the run of ${config} failed:\n${run.stdout}\n${run.stderr}`);
  // The runner does not wait for its worker to exit: callgrind may still be writing its last part.
  const waitUntil = Date.now() + FINAL_COUNTS_MS;
  let files = fs.readdirSync(out);
  while (!files.some((file) => /^callgrind\.\d+$/.test(file)) && Date.now() < waitUntil) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    files = fs.readdirSync(out);
  }
  const workers = new Set(files.map((file) => file.split('.')[1]));
  if (workers.size !== 1) throw new Error(`expected one worker's counts, got ${files.join(', ')}`);
  const { marked, rest: after } = callgrindParts(out, `callgrind.${[...workers][0]}`);
  const parts = [...marked, after];
  if (parts.length < 3 || !parts.every((count) => count > 0))
    throw new Error(`expected the worker's counts in parts, got ${parts}`);
  const file = marked.at(-1);
  const before = marked.slice(0, -1).reduce((sum, count) => sum + count, 0);
  return { total: before + file + after, before, file, after };
}

export function benchVitestWorker(rounds = 3) {
  if (!valgrindAvailable()) {
    console.log('\nOne Vitest worker under callgrind: skipped (valgrind is not installed)');
    return;
  }
  const dir = path.join(import.meta.dirname, '.worker');
  projectWithHangdump(dir, ['vitest', '@vitest', '@jridgewell']);
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  fs.writeFileSync(
    path.join(dir, 'suite.test.ts'),
    `import { afterAll, beforeEach, describe, expect, test } from 'vitest';\n\nprocess.getegid();\n${smallTests('file', 100)}\nafterAll(() => {\n  process.getegid();\n});\n`,
  );
  const configs = {
    'without hangdump': 'plain.config.mjs',
    'with the plugin': 'hangdump.config.mjs',
  };
  const include = "test: { include: ['*.test.ts'] }";
  fs.writeFileSync(path.join(dir, configs['without hangdump']), `export default { ${include} };\n`);
  fs.writeFileSync(
    path.join(dir, configs['with the plugin']),
    `import { hangdump } from 'hangdump/vitest';\nexport default { plugins: [hangdump()], ${include} };\n`,
  );
  const out = path.join(dir, 'callgrind');
  const mainPreload = writeHarness(dir, out);
  try {
    const counts = Object.fromEntries(Object.keys(configs).map((name) => [name, []]));
    // A first run each, not counted: the plugin's first run writes the engine's code cache.
    for (const config of Object.values(configs)) countWorker(dir, config, mainPreload, out);
    for (let round = 0; round < rounds; round++) {
      for (const [name, config] of Object.entries(configs)) {
        counts[name].push(countWorker(dir, config, mainPreload, out));
      }
    }
    const medianOf = (name, phase) => median(counts[name].map((count) => count[phase]));
    const base = medianOf('without hangdump', 'total');
    const show = (count) => `${(count / 1e6).toFixed(1)} M`;
    // Each phase as the case's median, with what it adds to the run without hangdump.
    const phase = (name, key) => {
      const more = medianOf(name, key) - medianOf('without hangdump', key);
      return name === 'without hangdump'
        ? show(medianOf(name, key))
        : `${show(medianOf(name, key))} (+${show(more)})`;
    };
    table(
      `One Vitest 4 worker (a file of 100 tests), instructions under callgrind, median of ${rounds} runs; by phase: to the test file's first line, the file (its import and tests), the worker's end`,
      ['case', 'instructions', 'range', 'ratio', 'more per test', 'before the file', 'the file', 'after'],
      Object.keys(counts).map((name) => {
        const totals = counts[name].map((count) => count.total);
        return [
          name,
          show(medianOf(name, 'total')),
          `${show(Math.min(...totals))}-${show(Math.max(...totals))}`,
          `${(medianOf(name, 'total') / base).toFixed(4)}x`,
          `${((medianOf(name, 'total') - base) / 100 / 1000).toFixed(0)} K`,
          phase(name, 'before'),
          phase(name, 'file'),
          phase(name, 'after'),
        ];
      }),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
