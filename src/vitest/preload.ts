/**
 * The plugin's start in the worker processes of Vitest's `forks` pool (4.1+), given to them with
 * `--import` in place of the setup file. Vitest's module runner takes a setup file through two round
 * trips to the main process (`resolve`, `fetch`) and evaluates it itself: without them a worker of a
 * 20-file suite lived about 5 ms less, of 340 (docs/performance.md). Of Vitest, this module imports
 * only the module of the worker's own that defines its `TestRunner` (not `vitest`'s index, which
 * delayed the worker's start and slowed its tests; see reexports.ts). Once Vitest's worker has loaded
 * its modules (the moment it listens for its first message), it has the runner start hangdump at
 * each test file's first import, while that import is fetched.
 *
 * A child process that a test forks inherits the flag (Node passes `process.execArgv` on): there, as
 * in any process that is not one of Vitest's forks workers, this module does nothing.
 */
import { writeStderr } from '../stderr.js';
import { loadEngine } from './engine-loader.js';
import { importRunnerExports, requireIndex, type WorkerExports, withIndex } from './reexports.js';
import { startWhileFetching } from './start-while-fetching.js';
import { testRunnerOf } from './test-runner.js';

// Node's modules by `process.getBuiltinModule`, as in the setup file (see setup.ts).
const path = process.getBuiltinModule('node:path');

/** The entry of Vitest's worker processes in its `forks` pool. */
const FORKS_WORKER = /[\\/]vitest[\\/]dist[\\/]workers[\\/]forks\.js$/;

const entry = process.argv[1];
if (entry !== undefined && FORKS_WORKER.test(entry) && typeof process.send === 'function') {
  const vitest = await workerExports(entry);
  process.on('newListener', function vitestListens(event) {
    if (event !== 'message') return;
    process.off('newListener', vitestListens);
    startInWorker(vitest);
  });
}

/**
 * The worker's own `vitest`, as much of it as hangdump uses: its runner's module, imported now, or
 * where Vitest's files are laid out otherwise, its index, taken once the worker has loaded its
 * modules. Importing the index now would delay the worker's start by as much as the preload saves.
 */
async function workerExports(entry: string): Promise<() => WorkerExports> {
  const index = path.join(path.dirname(entry), '..', 'index.js');
  try {
    const runner = await importRunnerExports(index);
    if (runner) {
      const exports = withIndex(runner, index);
      return () => exports;
    }
  } catch {
    // Another layout: the index, below.
  }
  return () => requireIndex(index);
}

function startInWorker(load: () => WorkerExports): void {
  try {
    const vitest = load();
    const runner = testRunnerOf(vitest, false);
    const start = () => loadEngine(vitest).setUpWorker();
    if (!runner || !startWhileFetching(runner.prototype, start, { eachFile: true })) {
      writeStderr('hangdump: this Vitest has no runner hangdump can extend: its tests run unguarded\n');
    }
  } catch (error) {
    writeStderr(
      `hangdump: could not start in this Vitest worker (its tests run unguarded): ${String(error)}\n`,
    );
  }
}
