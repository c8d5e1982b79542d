import * as vitest from 'vitest';
import type { getHooks } from 'vitest/suite';
import { type TestRunnerClass, type TestRunnerStatics, testRunnerOf } from './test-runner.js';

/**
 * Finds `getHooks`, the one runner function hangdump needs: a suite's hook lists, which it edits in
 * place. Vitest 4.1 made it a static method of `TestRunner` and deprecated `vitest/suite` (with a
 * warning per file); Vitest 5 removed `vitest/suite`; Vitest 3.2 and 4.0 have only `vitest/suite`.
 */
export async function loadGetHooks(): Promise<typeof getHooks> {
  const statics = (vitest as unknown as { TestRunner?: TestRunnerStatics }).TestRunner;
  if (statics?.getSuiteHooks) return statics.getSuiteHooks;
  return (await import('vitest/suite')).getHooks;
}

/** This copy of `vitest`'s `TestRunner`, where hangdump can extend it (see `testRunnerOf`). */
export function extensibleRunner(customRunner: boolean): TestRunnerClass | undefined {
  return testRunnerOf(vitest, customRunner);
}
