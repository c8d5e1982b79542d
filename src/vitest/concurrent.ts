import type { AsyncLocalStorage } from 'node:async_hooks';
import type { RunnerTestFile, RunnerTestSuite } from 'vitest';
import type { HangGuard } from '../guard/api.js';
import { followCurrentGuard } from '../guard/runtime.js';

/**
 * The guard of the concurrent test whose code runs now: each such test runs in its own context.
 * Made for the first suite with concurrent tests (`node:async_hooks` costs a worker ~0.7 ms to load).
 */
let running: AsyncLocalStorage<{ guard?: HangGuard }> | undefined;

type AroundHook = (runTest: () => unknown) => unknown;
/** Where Vitest reads an `aroundEach` hook's own timeout. */
const AROUND_TIMEOUT = Symbol.for('VITEST_AROUND_TIMEOUT');

/**
 * Concurrent tests are armed side by side, so "the guard armed last" does not say whose code
 * created a socket: each test of a suite with concurrent tests runs in its own async context (an
 * outermost `aroundEach`, Vitest 4.1+), and its resources belong to its own guard. Returns false
 * where there is nothing to do, or no `aroundEach` (Vitest 3.2, 4.0: the guard armed last is used).
 * Costs an async context per concurrent test; on Node 20 that turns on Node's promise hooks for the
 * worker (measured: +7% CPU on a file of 2,000 concurrent tests of 200 awaits each).
 */
export function runConcurrentTestsApart(suite: RunnerTestSuite | RunnerTestFile, hooks: object): boolean {
  const around = (hooks as { aroundEach?: AroundHook[] }).aroundEach;
  if (!Array.isArray(around) || !suite.tasks.some((task) => task.type === 'test' && task.concurrent)) {
    return false;
  }
  if (!running) {
    const contexts = new (process.getBuiltinModule('node:async_hooks').AsyncLocalStorage)<{
      guard?: HangGuard;
    }>();
    running = contexts;
    followCurrentGuard(() => contexts.getStore()?.guard);
  }
  const contexts = running;
  around.unshift(
    Object.assign((runTest: () => unknown) => contexts.run({}, runTest), {
      // No timeout: it only starts the test, so Vitest needs no timers to watch it.
      [AROUND_TIMEOUT]: 0,
    }),
  );
  return true;
}

/** The guard of the test running in this context (set when it is armed, cleared when disarmed). */
export function setRunningGuard(guard: HangGuard | undefined): void {
  const context = running?.getStore();
  if (context) context.guard = guard;
}
