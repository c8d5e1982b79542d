import type { RunnerTestCase } from 'vitest';
import * as vitest from 'vitest';
import type { getHooks } from 'vitest/suite';

interface TestRunnerStatics {
  getSuiteHooks?: typeof getHooks;
  getTestFn?: (test: RunnerTestCase) => (() => unknown) | undefined;
}

/** Vitest's `TestRunner` class as hangdump extends it: its statics, and its prototype's methods. */
export type TestRunnerClass = TestRunnerStatics & {
  getTestFn: NonNullable<TestRunnerStatics['getTestFn']>;
  prototype: Record<string | symbol, unknown>;
};

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

/**
 * Vitest's `TestRunner`, where hangdump can add to the runner's own steps (4.1+, which exports it
 * with `getTestFn`); undefined for Vitest 3.2 and 4.0, and for a project that runs its tests with a
 * runner of its own (`test.runner`).
 */
export function extensibleRunner(customRunner: boolean): TestRunnerClass | undefined {
  const TestRunner = (vitest as unknown as { TestRunner?: TestRunnerClass }).TestRunner;
  return !customRunner && typeof TestRunner?.getTestFn === 'function' ? TestRunner : undefined;
}
