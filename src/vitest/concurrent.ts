import { AsyncLocalStorage } from 'node:async_hooks';
import type { RunnerTestFile, RunnerTestSuite } from 'vitest';
import type { HangGuard } from '../guard/api.js';
import { followCurrentGuard } from '../guard/runtime.js';

/** The guard of the concurrent test whose code runs now: each such test runs in its own context. */
const running = new AsyncLocalStorage<{ guard?: HangGuard }>();
let following = false;

type AroundHook = (runTest: () => unknown) => unknown;

/**
 * Concurrent tests are armed side by side, so "the guard armed last" does not say whose code
 * created a socket: each test of a suite with concurrent tests runs in its own async context (an
 * outermost `aroundEach`, Vitest 4.1+), and its resources belong to its own guard. Returns false
 * where there is nothing to do, or no `aroundEach` (Vitest 3.2, 4.0: the guard armed last is used).
 * Costs an async context per concurrent test (on Node 20, Node's async hooks once it is used).
 */
export function runConcurrentTestsApart(suite: RunnerTestSuite | RunnerTestFile, hooks: object): boolean {
  const around = (hooks as { aroundEach?: AroundHook[] }).aroundEach;
  if (!Array.isArray(around) || !suite.tasks.some((task) => task.type === 'test' && task.concurrent)) {
    return false;
  }
  if (!following) {
    following = true;
    followCurrentGuard(() => running.getStore()?.guard);
  }
  around.unshift(function inItsOwnContext(runTest) {
    return running.run({}, runTest);
  });
  return true;
}

/** The guard of the test running in this context (set when it is armed, cleared when disarmed). */
export function setRunningGuard(guard: HangGuard | undefined): void {
  const context = running.getStore();
  if (context) context.guard = guard;
}
