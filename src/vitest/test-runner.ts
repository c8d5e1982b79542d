import type { RunnerTestCase } from 'vitest';
import type { getHooks } from 'vitest/suite';

/** What hangdump reads of Vitest's `TestRunner` class itself. */
export interface TestRunnerStatics {
  getSuiteHooks?: typeof getHooks;
  getTestFn?: (test: RunnerTestCase) => (() => unknown) | undefined;
}

/** Vitest's `TestRunner` class as hangdump extends it: its statics, and its prototype's methods. */
export type TestRunnerClass = TestRunnerStatics & {
  getTestFn: NonNullable<TestRunnerStatics['getTestFn']>;
  prototype: Record<string | symbol, unknown>;
};

/**
 * Vitest's `TestRunner` among `vitest`'s `exports`, where hangdump can add to the runner's own steps
 * (4.1+, which exports it with `getTestFn`); undefined for Vitest 3.2 and 4.0, and for a project
 * that runs its tests with a runner of its own (`test.runner`). Apart from runner-api.ts, which
 * imports `vitest`: the preload (preload.ts) must not import it as it loads.
 */
export function testRunnerOf(exports: object, customRunner: boolean): TestRunnerClass | undefined {
  const TestRunner = (exports as { TestRunner?: TestRunnerClass }).TestRunner;
  return !customRunner && typeof TestRunner?.getTestFn === 'function' ? TestRunner : undefined;
}
