/**
 * The setup file hangdump's Vitest plugin adds (also usable on its own:
 * `setupFiles: ['hangdump/vitest/setup']`). It runs in each worker before each test file and puts
 * every test and hook of the file under a guard.
 */
import { beforeAll, inject, type RunnerTestFile } from 'vitest';
import { preloadWaitingDumpWriter } from '../guard/lazy.js';
import { instrumentFile, type Timeouts } from './instrument.js';
import { PROVIDE_KEY, type WorkerOptions } from './options.js';
import { loadRunnerApi } from './runner-api.js';

type Provided = WorkerOptions & Timeouts;

/** Vitest's worker state, read only for the timeouts when the plugin did not provide them. */
interface WorkerState {
  config?: { testTimeout?: number; hookTimeout?: number };
}

function providedOptions(): Provided {
  const provided = (inject as (key: string) => Provided | undefined)(PROVIDE_KEY);
  if (provided) return provided;
  const config = (globalThis as { __vitest_worker__?: WorkerState }).__vitest_worker__?.config;
  return {
    dir: undefined,
    budgetMs: undefined,
    onBlocked: 'exit',
    runDeadlineAt: undefined,
    testTimeout: config?.testTimeout ?? 5000,
    hookTimeout: config?.hookTimeout ?? 10_000,
  };
}

const options = providedOptions();
const api = await loadRunnerApi();
// The vm pools load modules through Vitest's own loader, where the dump writer cannot be loaded
// synchronously at the moment of a timeout: load it now.
if (
  /^vm/.test(
    String(
      (globalThis as { __vitest_worker__?: { config?: { pool?: string } } }).__vitest_worker__?.config?.pool,
    ),
  )
) {
  await preloadWaitingDumpWriter();
}

// No parameter: Vitest reads a hook's first parameter as a fixture pattern (4.x); the file suite is
// among the arguments in every version.
beforeAll(function instrument() {
  // biome-ignore lint/complexity/noArguments: see above
  const file = [...arguments].find((arg) => arg && typeof arg === 'object' && 'filepath' in arg);
  if (file) instrumentFile(file as RunnerTestFile, { api, options, timeouts: options });
});
