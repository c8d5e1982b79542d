import type { RunnerTestCase, RunnerTestFile, RunnerTestSuite } from 'vitest';
import type { HangGuard } from '../guard/api.js';
import type { TestContext } from './annotate.js';
import { extensibleRunner } from './runner-api.js';
import { isTimeout } from './timeout-message.js';

/** How the tests of one suite are put under a guard and taken out of it. */
export interface TestTurns {
  /** Arms the test's guard as its function starts (after its `beforeEach` hooks). */
  arm(test: RunnerTestCase): HangGuard | undefined;
  /**
   * Ends the guard once the function has settled, before any `afterEach` hook: `timeout` is Vitest's
   * timeout error when it timed out. The returned promise, if any, holds the test's end.
   */
  disarm(
    test: RunnerTestCase,
    context: TestContext | undefined,
    guard: HangGuard,
    timeout: Error | undefined,
  ): Promise<void> | undefined;
}

type Suite = RunnerTestSuite | RunnerTestFile;

/** Where hangdump keeps the suites' turns: on Vitest's `TestRunner.prototype`, beside its `runTask`. */
const TURNS = Symbol.for('hangdump.vitest.testTurns');

/**
 * Arms the tests of `suite` from the runner itself rather than from a `beforeEach`/`afterEach` pair:
 * Vitest 4.1+ runs a test's function through `runner.runTask(test)` when the runner has one, while
 * its machinery around each hook call (its events, sent to the main process) costs a worker more than
 * a guard does (measured: about 75 µs per hook and test in a worker that runs one file). False where
 * that cannot be done: Vitest 3.2 and 4.0, a custom runner, or a runner with a `runTask` of its own.
 */
export function armFromRunner(suite: Suite, turns: TestTurns, customRunner: boolean): boolean {
  const turnsOf = runnerTurns(customRunner);
  turnsOf?.set(suite, turns);
  return turnsOf !== undefined;
}

/**
 * The suites' turns that hangdump's `runTask` reads, installing it at the first call. Kept on the
 * prototype beside that `runTask`, not in this module: any copy of this module that meets the same
 * runner class (the setup file is evaluated once per test file) finds them there, rather than a
 * `runTask` it did not make. (In the vm pools each test file has a runner class of its own.)
 */
function runnerTurns(customRunner: boolean): WeakMap<Suite, TestTurns> | undefined {
  const TestRunner = extensibleRunner(customRunner);
  if (!TestRunner) return undefined;
  const { getTestFn, prototype } = TestRunner;
  if (prototype[TURNS]) return prototype[TURNS] as WeakMap<Suite, TestTurns>;
  if (prototype.runTask !== undefined) return undefined;
  const turnsOf = new WeakMap<Suite, TestTurns>();
  Object.defineProperty(prototype, TURNS, { value: turnsOf });
  // What Vitest itself does without a runTask (`await fn()`), inside a guard.
  prototype.runTask = function runTask(test: RunnerTestCase): unknown {
    const fn = getTestFn(test);
    if (typeof fn !== 'function') throw new Error('Test function is not found.');
    const turns = turnsOf.get(test.suite ?? test.file);
    const guard = turns?.arm(test);
    if (!turns || !guard) return fn();
    const context = (test as { context?: TestContext }).context;
    let result: unknown;
    try {
      result = fn();
    } catch (error) {
      turns.disarm(test, context, guard, undefined);
      throw error;
    }
    return Promise.resolve(result).then(
      () => turns.disarm(test, context, guard, undefined),
      async (error: unknown) => {
        // Vitest's timeout rejects the function at the moment it passes: the code is still waiting
        // where it hung, and the error, not yet recorded, gets the dump's line.
        await turns.disarm(
          test,
          context,
          guard,
          error instanceof Error && isTimeout(error) ? error : undefined,
        );
        throw error;
      },
    );
  };
  return turnsOf;
}
