import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as vitest from 'vitest';
import type { getFn, getHooks, setFn } from 'vitest/suite';

/** The runner functions hangdump needs to wrap tests and hooks in place. */
export interface RunnerApi {
  getFn: typeof getFn;
  setFn: typeof setFn;
  getHooks: typeof getHooks;
}

interface TestRunnerStatics {
  getTestFn?: typeof getFn;
  setTestFn?: typeof setFn;
  getSuiteHooks?: typeof getHooks;
}

/**
 * Finds `getFn`/`setFn`/`getHooks`. Vitest 4.1 made them static methods of `TestRunner` and
 * deprecated `vitest/suite` (with a warning per file), but its `setTestFn` is `getFn` by mistake. So:
 * the statics when they work; else `@vitest/runner` as Vitest itself resolves it (the same module
 * instance, whose WeakMaps hold the functions); else `vitest/suite` (Vitest 3.2, 4.0).
 */
export async function loadRunnerApi(): Promise<RunnerApi> {
  const statics = (vitest as unknown as { TestRunner?: TestRunnerStatics }).TestRunner;
  if (
    statics?.getTestFn &&
    statics.setTestFn &&
    statics.getSuiteHooks &&
    statics.setTestFn !== statics.getTestFn
  ) {
    return { getFn: statics.getTestFn, setFn: statics.setTestFn, getHooks: statics.getSuiteHooks };
  }
  try {
    const require = createRequire(import.meta.url);
    const vitestDir = path.dirname(require.resolve('vitest/package.json'));
    const runner = createRequire(path.join(vitestDir, 'package.json')).resolve('@vitest/runner');
    const api = (await import(pathToFileURL(runner).href)) as RunnerApi;
    if (api.getFn && api.setFn && api.getHooks)
      return { getFn: api.getFn, setFn: api.setFn, getHooks: api.getHooks };
  } catch {
    // Not resolvable this way (an unusual layout): the public entry point below.
  }
  const suite = await import('vitest/suite');
  return { getFn: suite.getFn, setFn: suite.setFn, getHooks: suite.getHooks };
}
