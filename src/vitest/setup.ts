/**
 * The setup file hangdump's Vitest plugin adds (also usable on its own:
 * `setupFiles: ['hangdump/vitest/setup']`). It runs in each worker before each test file and puts
 * every test and hook of the file under a guard.
 */
import * as vitest from 'vitest';
import { loadEngine } from './engine-loader.js';
import { extensibleRunner } from './runner-api.js';
import { startWhileFetching } from './start-while-fetching.js';

// Vitest runs a setup file through its module runner (it inlines setup files), which takes each of
// the module's imports through its own loader: in a fresh worker a fraction of a millisecond apiece,
// and a round trip to the main process for each of the package's own files, all before the test file
// is asked for. So this module is bundled whole, with no chunk (scripts/build.mjs), and imports
// `vitest` alone; Node's modules come from `process.getBuiltinModule`. Measured: the test file asked
// for about 3 ms sooner per worker than with seven imports and a chunk (Node 24).

const config = (globalThis as { __vitest_worker__?: { config?: { pool?: string; runner?: unknown } } })
  .__vitest_worker__?.config;
// The vm pools run each test file in a context of its own, and load modules through Vitest's loader:
// there the setup is the package's worker module (its own file, so that it shares the runtime with
// `hangdump` imported by a test). Elsewhere it comes from the engine script.
if (config?.pool?.startsWith('vm')) {
  const worker: typeof import('./worker.js') = await import(
    new URL('./vitest-worker.js', import.meta.url).href
  );
  await worker.setUpWorker();
} else {
  const start = () => loadEngine(vitest).setUpWorker();
  // Vitest 3.2 and 4.0, or a runner of the project's own: started now, before the file is asked for.
  const runner = extensibleRunner(typeof config?.runner === 'string');
  if (!runner || !startWhileFetching(runner.prototype, start)) await start();
}
