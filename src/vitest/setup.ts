/**
 * The setup file hangdump's Vitest plugin adds (also usable on its own:
 * `setupFiles: ['hangdump/vitest/setup']`). It runs in each worker before each test file and puts
 * every test and hook of the file under a guard.
 */
import * as vitest from 'vitest';
import { loadEngine } from './engine-loader.js';
import type { TestRunnerClass } from './runner-api.js';
import { startWhileFetching } from './start-while-fetching.js';

const config = (globalThis as { __vitest_worker__?: { config?: { pool?: string; runner?: unknown } } })
  .__vitest_worker__?.config;
// The vm pools run each test file in a context of its own, and load modules through Vitest's loader:
// there the setup is a module like any other. Elsewhere it comes from the engine script.
if (config?.pool?.startsWith('vm')) {
  const { setUpWorker } = await import('./worker.js');
  await setUpWorker();
} else {
  const start = () => loadEngine(vitest).setUpWorker();
  // The runner's class as `extensibleRunner` (runner-api.ts) finds it, tested here again: importing
  // that module would make it a chunk shared with the vm pools' import above, one more module for
  // each worker to load (1.1 M instructions, measured). Vitest 3.2 and 4.0, or a runner of the
  // project's own: started now, before the file is asked for.
  const { TestRunner } = vitest as unknown as { TestRunner?: TestRunnerClass };
  const runner =
    typeof config?.runner !== 'string' && typeof TestRunner?.getTestFn === 'function'
      ? TestRunner
      : undefined;
  if (!runner || !startWhileFetching(runner.prototype, start)) await start();
}
