/**
 * The plugin's start in the worker processes of Vitest's `forks` pool (4.1+), given to them with
 * `--import` in place of the setup file. Vitest's module runner takes a setup file through two round
 * trips to the main process (`resolve`, `fetch`) and evaluates it itself: without them a worker of a
 * 20-file suite lived about 5 ms less, of 340 (docs/performance.md). Nothing of Vitest is imported as
 * this module loads, which would delay the worker's start as much: it waits until Vitest's worker
 * has loaded its own modules (the moment it listens for its first message), takes `vitest` then, and
 * has the runner start hangdump at each test file's first import, while that import is fetched.
 *
 * A child process that a test forks inherits the flag (Node passes `process.execArgv` on): there, as
 * in any process that is not one of Vitest's forks workers, this module does nothing.
 */
import { writeStderr } from '../stderr.js';
import { loadEngine } from './engine-loader.js';
import { startWhileFetching } from './start-while-fetching.js';
import { testRunnerOf } from './test-runner.js';

// Node's modules by `process.getBuiltinModule`, as in the setup file (see setup.ts).
const { createRequire } = process.getBuiltinModule('node:module');

/** The entry of Vitest's worker processes in its `forks` pool. */
const FORKS_WORKER = /[\\/]vitest[\\/]dist[\\/]workers[\\/]forks\.js$/;

const entry = process.argv[1];
if (entry !== undefined && FORKS_WORKER.test(entry) && typeof process.send === 'function') {
  process.on('newListener', function vitestListens(event) {
    if (event !== 'message') return;
    process.off('newListener', vitestListens);
    startInWorker(entry);
  });
}

function startInWorker(entry: string): void {
  try {
    // The worker's own copy, loaded by now but for its index, which a test file imports anyway: a
    // `require` of an ES module (Node 20.19+), the same instance as an `import` of it.
    const vitest = createRequire(entry)('../index.js') as typeof import('vitest');
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
