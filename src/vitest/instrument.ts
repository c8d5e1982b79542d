import type { RunnerTestCase, RunnerTestFile, RunnerTestSuite } from 'vitest';
import type { getHooks } from 'vitest/suite';
import { armForRunner, armRunnerStep, type HangGuard } from '../guard/api.js';
import { reportFinishedTests } from '../guard/runtime.js';
import { whenSettled } from '../guard/settle.js';
import { budgetOfTimeout, DEFAULTS, type RunnerOptions } from '../options.js';
import type { TestContext } from './annotate.js';
import { runConcurrentTestsApart, setRunningGuard } from './concurrent.js';
import type { AtFileEnd } from './file-turns.js';
import { finishedTestsOf } from './finished-tests.js';
import { type HookKind, namePart, prefixPart, stepPart } from './labels.js';
import { recordOpenAtEnd } from './open-at-end.js';
import { LEFTOVER_TESTS_META, LEFTOVERS_META, type WorkerOptions } from './options.js';
import { armFromRunner, type TestTurns } from './run-task.js';
import { attemptTimeout } from './timeout-message.js';
import { dumpOnTimeoutError, reportDump, watchTimeout } from './timeout-watch.js';

/** The runner's own timeouts (the default budgets) and hook order. */
export interface RunnerSettings {
  testTimeout: number;
  hookTimeout: number;
  /** Vitest's `sequence.hooks`: with `'stack'` (the default), `afterEach` hooks run last-registered first. */
  hookSequence: 'stack' | 'list' | 'parallel';
  /** The project runs its tests with a runner of its own (`test.runner`). */
  customRunner: boolean;
}

/** What instrumenting needs: the runner's hook lists, the options, the runner's settings. */
export interface InstrumentContext {
  getHooks: typeof getHooks;
  options: WorkerOptions;
  settings: RunnerSettings;
  /** How to act once the file has ended (see file-turns.ts and `lastAfterAll`). */
  atEnd: AtFileEnd;
}

/** The context, and the options every guard of the file shares, resolved once: arming runs twice per test. */
interface FileContext extends InstrumentContext {
  runner: RunnerOptions;
}

/** Vitest keeps a hook's own timeout on the registered function (4.0+). */
const HOOK_TIMEOUT = Symbol.for('VITEST_CLEANUP_TIMEOUT');
const WRAPPED = Symbol.for('hangdump.wrapped');
const HOOK_KINDS = ['beforeAll', 'beforeEach', 'afterEach', 'afterAll'] as const;

type Fn = ((...args: unknown[]) => unknown) & { [key: symbol]: unknown };
type Suite = RunnerTestSuite | RunnerTestFile;
type Hooks = Record<(typeof HOOK_KINDS)[number], Fn[]>;

/**
 * Puts every test and hook of a collected file under a guard whose budget is its own timeout. Runs
 * from a `beforeAll` of the setup file, when the whole file has been collected and before any of its
 * own hooks ran. The suites' hook lists are edited in place (hooks are wrapped), and each test's
 * guard covers its body alone (see `guardTests`).
 */
export function instrumentFile(file: RunnerTestFile, instrument: InstrumentContext): void {
  const { options } = instrument;
  // Checked by the plugin in the main process already (`resolveVitestOptions`).
  const runner: RunnerOptions = {
    ...DEFAULTS,
    onBlocked: options.onBlocked,
    promises: options.promises,
    path: options.dir === undefined || process.env.HANGDUMP_DIR ? undefined : options.dir,
  };
  const context: FileContext = { ...instrument, runner };
  instrumentSuite(file, context);
  reportFinishedTests((sinceEpoch) => finishedTestsOf(file, sinceEpoch));
  guardRunDeadline(file, context);
  if (context.options.leftovers !== false) context.atEnd(file, () => recordOpenAtEnd(file));
}

/**
 * With a run deadline, the whole file is guarded until it: when the deadline passes, the file's
 * worker dumps what it is doing (its test in flight, its stack if blocked).
 */
function guardRunDeadline(file: RunnerTestFile, context: FileContext): void {
  const { options } = context;
  const remainingMs = options.runDeadlineAt === undefined ? undefined : options.runDeadlineAt - Date.now();
  const budgetMs = remainingMs === undefined ? undefined : budgetOfTimeout(remainingMs);
  if (budgetMs === undefined) return;
  const guard = armForRunner(budgetMs, `${file.name} [run deadline]`, undefined, context.runner);
  context.atEnd(file, () => guard.disarm());
}

/**
 * Where the runner cannot end a file for hangdump: adds each callback as the last of the file's
 * `afterAll` hooks ('stack' runs them last-registered first).
 */
export function lastAfterAll({
  getHooks,
  settings,
}: Pick<InstrumentContext, 'getHooks' | 'settings'>): AtFileEnd {
  return (file, hook) => {
    const hooks = getHooks(file) as unknown as Hooks;
    if (settings.hookSequence === 'stack') hooks.afterAll.unshift(mark(hook));
    else hooks.afterAll.push(mark(hook));
  };
}

function instrumentSuite(suite: Suite, context: FileContext): void {
  const hooks = context.getHooks(suite) as unknown as Hooks | undefined;
  if (!hooks) return;
  for (const kind of HOOK_KINDS) wrapEach(kind, hooks[kind], suite, context);
  if (suite.tasks.some((task) => task.type === 'test')) guardTests(suite, hooks, context);
  for (const task of suite.tasks) if (task.type === 'suite') instrumentSuite(task, context);
}

/**
 * Arms each test of `suite` (not of its sub-suites) once its `beforeEach` hooks have run, and disarms
 * it before its `afterEach` hooks: from the runner where it can (see `armFromRunner`), else from a
 * `beforeEach` that runs after all others and an `afterEach` that runs before all others.
 */
function guardTests(suite: Suite, hooks: Hooks, context: FileContext): void {
  const { options, settings } = context;
  /** Guards of tests that ended, kept until their leftovers are looked at. */
  const finished = new WeakMap<RunnerTestCase, HangGuard>();
  const apart = runConcurrentTestsApart(suite, hooks);
  const turns: TestTurns = {
    arm(test) {
      const guard = armFor(
        test,
        undefined,
        options.budgetMs ?? test.timeout ?? settings.testTimeout,
        context,
      );
      if (guard && apart) setRunningGuard(guard);
      return guard;
    },
    disarm(test, testContext, guard, timeout) {
      // The test ends once its dump's attachment is sent (or five seconds have passed).
      const attachment = reportDump(guard, timeout, testContext);
      guard.disarm();
      if (apart) setRunningGuard(undefined);
      wrapFinishHandlers(test, context);
      if (options.leftovers === 'tests') finished.set(test, guard);
      return attachment;
    },
  };
  // 'stack' runs afterEach hooks last-registered first: to be first or last, ours go to either end.
  const [first, last] =
    settings.hookSequence === 'stack' ? (['push', 'unshift'] as const) : (['unshift', 'push'] as const);
  if (!armFromRunner(suite, turns, settings.customRunner)) {
    const running = new WeakMap<RunnerTestCase, { guard: HangGuard; stop: () => void }>();
    hooks.beforeEach.push(
      mark(function armTest(...args: unknown[]) {
        const testContext = args[0] as TestContext | undefined;
        const test = testContext?.task;
        if (test?.type !== 'test' || (test.suite ?? test.file) !== suite) return;
        const guard = turns.arm(test);
        if (guard) running.set(test, { guard, stop: watchTimeout(guard, testContext) });
      }),
    );
    hooks.afterEach[first](
      mark(function disarmTest(...args: unknown[]) {
        const testContext = args[0] as TestContext | undefined;
        const test = testContext?.task;
        const armed = test && running.get(test);
        if (!test || !armed) return undefined;
        running.delete(test);
        armed.stop();
        // Where the test's signal is not aborted at the timeout (Vitest 3.2), the first afterEach is
        // the moment: still before any cleanup of the user's.
        return turns.disarm(test, testContext, armed.guard, attemptTimeout(test));
      }),
    );
  }
  if (options.leftovers !== 'tests') return;
  // After every afterEach of the test's own: what a passing test still holds open is a leftover.
  hooks.afterEach[last](
    mark(function findLeftovers(...args: unknown[]) {
      const test = (args[0] as TestContext | undefined)?.task;
      const guard = test && finished.get(test);
      if (!test || !guard) return;
      finished.delete(test);
      const open = test.result?.state === 'fail' ? [] : guard.openResources();
      if (open.length === 0) return;
      (test.meta as Record<string, unknown>)[LEFTOVERS_META] = open;
      const fileMeta = test.file.meta as Record<string, unknown>;
      fileMeta[LEFTOVER_TESTS_META] = ((fileMeta[LEFTOVER_TESTS_META] as number | undefined) ?? 0) + 1;
    }),
  );
}

/** `onTestFinished`/`onTestFailed` handlers are registered while the test runs: wrapped after it. */
function wrapFinishHandlers(test: RunnerTestCase, context: FileContext): void {
  // Vitest keeps these lists on the test (not in its public types).
  const { onFinished, onFailed } = test as unknown as { onFinished?: Fn[]; onFailed?: Fn[] };
  // Most tests register none: this runs once per test.
  if (onFinished?.length) wrapEach('onTestFinished', onFinished, test, context);
  if (onFailed?.length) wrapEach('onTestFailed', onFailed, test, context);
}

function wrapEach(kind: HookKind, list: Fn[], owner: Suite | RunnerTestCase, context: FileContext): void {
  for (let i = 0; i < list.length; i++) list[i] = wrapHook(kind, list[i] as Fn, owner, context);
}

function wrapHook(kind: HookKind, hook: Fn, owner: Suite | RunnerTestCase, context: FileContext): Fn {
  const { options, settings } = context;
  if (typeof hook !== 'function' || hook[WRAPPED]) return hook;
  // Read once: Vitest sets a hook's own timeout when the hook is registered, before any file runs.
  const budgetMs = options.budgetMs ?? (hook[HOOK_TIMEOUT] as number | undefined) ?? settings.hookTimeout;
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    // beforeEach/afterEach receive the test's context: name the test the hook runs for.
    const testContext = args[0] as TestContext | undefined;
    const forTest = testContext?.task?.type === 'test' ? testContext.task : undefined;
    const guard = armFor(forTest ?? owner, kind, budgetMs, context);
    if (!guard) return hook.apply(this, args);
    const forContext = forTest ? testContext : undefined;
    // Vitest rejects a hook's call at its timeout (3.2, 4, 5): the dump is taken at that rejection.
    // Watching the test's signal as well cost each fresh worker 6-9 M instructions more (a file of
    // 100 tests; see docs/performance.md).
    return whenSettled(
      () => hook.apply(this, args),
      (error) => {
        dumpOnTimeoutError(guard, error, forContext);
        guard.disarm();
      },
    );
  };
  return copyMarks(wrapped, hook);
}

/**
 * A guard for a test, or for a hook (`kind`) of a suite or of the test it runs for; none when its
 * timeout means "no timeout" (see `budgetOfTimeout`).
 */
function armFor(
  owner: RunnerTestCase | Suite,
  kind: HookKind | undefined,
  timeoutMs: number,
  { runner }: FileContext,
): HangGuard | undefined {
  const budgetMs = budgetOfTimeout(timeoutMs);
  if (budgetMs === undefined) return undefined;
  return armRunnerStep(budgetMs, runner, prefixPart(owner), namePart(owner), stepPart(kind));
}

/** Marks one of hangdump's own hooks, so that it is never wrapped itself. */
function mark(hook: (...args: unknown[]) => unknown): Fn {
  return Object.defineProperty(hook, WRAPPED, { value: true }) as Fn;
}

/** The wrapper keeps what the runner reads from the original: name, length, its symbol-keyed marks. */
function copyMarks(wrapped: (...args: unknown[]) => unknown, original: Fn): Fn {
  for (const key of Reflect.ownKeys(original)) {
    if (key === 'length' || key === 'name' || key === 'prototype') continue;
    const descriptor = Object.getOwnPropertyDescriptor(original, key);
    if (descriptor) Object.defineProperty(wrapped, key, descriptor);
  }
  Object.defineProperties(wrapped, {
    name: { value: original.name },
    length: { value: original.length },
    [WRAPPED]: { value: true },
  });
  return wrapped as Fn;
}
