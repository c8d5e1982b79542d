/**
 * What hangdump's Vitest setup file does in each worker, before each test file: starts the runtime
 * and puts every test and hook of the file under a guard. Compiled from the engine script with a
 * code cache (see engine-loader.ts), or, in the vm pools, imported as a module.
 */
import { beforeAll, inject, type RunnerTestFile } from 'vitest';
import { dumpWriter, threadSnapshots } from '../guard/lazy.js';
import { guardRuntime, watchFromProcess } from '../guard/runtime.js';
import { type FileStart, startFilesFromRunner } from './file-turns.js';
import { instrumentFile, lastAfterAll, type RunnerSettings } from './instrument.js';
import { PROVIDE_KEY, type WorkerOptions } from './options.js';
import { loadGetHooks } from './runner-api.js';

/** The part of Vitest's worker state (its resolved config) that hangdump reads. */
interface WorkerState {
  config?: {
    testTimeout?: number;
    hookTimeout?: number;
    pool?: string;
    runner?: string;
    sequence?: { hooks?: RunnerSettings['hookSequence'] };
  };
}

/** Starts hangdump for the test file about to run in this worker. */
export async function setUpWorker(): Promise<void> {
  const config = (globalThis as { __vitest_worker__?: WorkerState }).__vitest_worker__?.config ?? {};
  const settings: RunnerSettings = {
    testTimeout: config.testTimeout ?? 5000,
    hookTimeout: config.hookTimeout ?? 10_000,
    hookSequence: config.sequence?.hooks ?? 'stack',
    customRunner: typeof config.runner === 'string',
  };
  // Provided by the plugin; defaults when this file is used on its own.
  const options: WorkerOptions = (inject as (key: string) => WorkerOptions | undefined)(PROVIDE_KEY) ?? {
    dir: undefined,
    budgetMs: undefined,
    onBlocked: 'exit',
    runDeadlineAt: undefined,
    leftovers: 'files',
    promises: false,
  };
  if (options.watchedFrom !== undefined) watchFromProcess(options.watchedFrom);
  // Resources are tracked from now on: also those the test file creates while it is imported.
  guardRuntime();
  const getHooks = await loadGetHooks();
  // The vm pools load modules through Vitest's own loader, where the dump writer and the snapshot code
  // cannot be loaded synchronously at the moment of a timeout: load them now.
  if (config.pool?.startsWith('vm')) await Promise.all([dumpWriter.preload(), threadSnapshots.preload()]);

  const start: FileStart = (file, atEnd) => instrumentFile(file, { getHooks, options, settings, atEnd });
  if (startFilesFromRunner(start, settings.customRunner)) return;
  const atEnd = lastAfterAll({ getHooks, settings });
  // No parameter: Vitest reads a hook's first parameter as a fixture pattern (4.x); the file suite is
  // among the arguments in every version.
  beforeAll(function instrument() {
    // biome-ignore lint/complexity/noArguments: see above
    const file = [...arguments].find((arg) => arg && typeof arg === 'object' && 'filepath' in arg);
    if (file) start(file as RunnerTestFile, atEnd);
  });
}
