/**
 * The engine side of hangdump's Jest setup file (`setupFilesAfterEnv: ['hangdump/jest']`), the lighter
 * alternative to the environment: each test, with its `beforeEach` and `afterEach` hooks, runs under
 * one guard whose budget is the test's timeout. Jest runs the setup file (`jest-setup.cjs`) in each
 * test file's vm context; this module is loaded by Node itself, once per process, and reads circus's
 * state from the sandbox it is handed.
 * @packageDocumentation
 */
import { armForRunner, type HangGuard } from '../guard/api.js';
import { budgetOfTimeout } from '../options.js';
import { type TestEntry, testLabel, timeoutOf } from './circus.js';
import { EarlierHangs } from './earlier-hangs.js';
import { circusState, GUARDED_BY_ENVIRONMENT, type Sandbox } from './sandbox.js';
import { explainTimeout, isJestTimeout } from './timeout-message.js';

/** The Jest globals the setup file hands over (from `@jest/globals`, so `injectGlobals: false` works). */
export interface JestGlobals {
  beforeEach(fn: () => void): void;
  afterEach(fn: () => void): void;
  afterAll(fn: () => void): void;
  expect: { getState(): { testPath?: string } };
}

/**
 * Guards each test of the file that is starting in `sandbox` (the test file's global). Does nothing
 * when hangdump's environment guards the file already.
 */
export function installGuards(sandbox: Sandbox, jest: JestGlobals): void {
  if (sandbox[GUARDED_BY_ENVIRONMENT]) return;
  const state = circusState(sandbox);
  const testPath = jest.expect.getState().testPath;
  if (!state || !testPath) return;
  // Jest hands the vm no rootDir: labels are relative to the working directory, where Jest usually runs.
  const file = { path: testPath, rootDir: process.cwd() };
  const earlier = EarlierHangs.forFile(testPath);
  let running: { test: TestEntry; guard: HangGuard | undefined; original?: TestEntry['fn'] } | undefined;

  jest.beforeEach(() => {
    const test = state.currentlyRunningTest;
    if (!test) return;
    const label = testLabel(test, file);
    running = { test, guard: undefined };
    const standIn = earlier?.standIn(label);
    if (standIn) {
      // circus reads the test's function after the beforeEach hooks: it fails at once instead of hanging.
      running.original = test.fn;
      test.fn = standIn;
      return;
    }
    // No site: only the environment sees the test's definition. (circus's own `asyncError` must not
    // be read here: V8 keeps the first reading of a stack, and Jest formats it later.)
    const budgetMs = budgetOfTimeout(timeoutOf(test, state));
    if (budgetMs !== undefined) running.guard = armForRunner(budgetMs, label, {});
  });

  jest.afterEach(() => {
    if (!running) return;
    const { test, guard, original } = running;
    running = undefined;
    if (original) test.fn = original;
    if (!guard) return;
    // The guard started with the first beforeEach, so hangdump's deadline came before Jest's timeout.
    const timeout = test.errors.map((entry) => (Array.isArray(entry) ? entry[0] : entry)).find(isJestTimeout);
    const dump = timeout === undefined ? undefined : guard.dumpNow();
    if (timeout !== undefined && dump) explainTimeout([test.errors], timeout, dump);
    guard.disarm();
  });

  jest.afterAll(() => earlier?.release());
}
