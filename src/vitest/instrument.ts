import type { RunnerTestCase, RunnerTestFile, RunnerTestSuite } from 'vitest';
import type { DumpResult } from '../dump/result.js';
import { armHangDump, type HangGuard } from '../guard/api.js';
import { disarmWhenSettled } from '../guard/settle.js';
import { type HookKind, hookLabel, testLabel } from './labels.js';
import type { WorkerOptions } from './options.js';
import type { RunnerApi } from './runner-api.js';
import { explainTimeout } from './timeout-message.js';

/** The runner's own timeouts, the default budgets. */
export interface Timeouts {
  testTimeout: number;
  hookTimeout: number;
}

/** Vitest keeps a hook's own timeout on the registered function (4.0+). */
const HOOK_TIMEOUT = Symbol.for('VITEST_CLEANUP_TIMEOUT');
const WRAPPED = Symbol.for('hangdump.wrapped');
const HOOK_KINDS = ['beforeAll', 'beforeEach', 'afterEach', 'afterAll'] as const;

type Fn = ((...args: unknown[]) => unknown) & { [key: symbol]: unknown };
type Suite = RunnerTestSuite | RunnerTestFile;

/**
 * Puts every test and hook of a collected file under a guard whose budget is its own timeout.
 * Runs from a `beforeAll` of the setup file, when the whole file has been collected and before any
 * of its own hooks ran.
 */
export function instrumentFile(file: RunnerTestFile, context: InstrumentContext): void {
  instrumentSuite(file, context);
}

/** What instrumenting needs: the runner's functions, the options, the runner's timeouts. */
export interface InstrumentContext {
  api: RunnerApi;
  options: WorkerOptions;
  timeouts: Timeouts;
}

function instrumentSuite(suite: Suite, context: InstrumentContext): void {
  const { options, timeouts } = context;
  const hooks = context.api.getHooks(suite) as unknown as Record<(typeof HOOK_KINDS)[number], Fn[]>;
  for (const kind of HOOK_KINDS) {
    const list = hooks[kind];
    for (let i = 0; i < list.length; i++) list[i] = wrapHook(kind, list[i] as Fn, suite, options, timeouts);
  }
  for (const task of suite.tasks) {
    if (task.type === 'test') wrapTest(task, context);
    else if (task.type === 'suite') instrumentSuite(task, context);
  }
}

function wrapTest(test: RunnerTestCase, { api, options, timeouts }: InstrumentContext): void {
  const original = api.getFn(test) as Fn | undefined;
  if (!original || original[WRAPPED]) return;
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    const budgetMs = options.budgetMs ?? (test.timeout || timeouts.testTimeout);
    const guard = arm(testLabel(test), budgetMs, options);
    const stopListening = dumpAtTimeout(guard, test.context?.signal);
    return disarmWhenSettled(
      guard,
      () => original.apply(this, args),
      () => {
        stopListening();
        wrapFinishHandlers(test, options, timeouts);
      },
    );
  };
  api.setFn(test, mark(wrapped, original) as Parameters<RunnerApi['setFn']>[1]);
}

/** `onTestFinished`/`onTestFailed` handlers are registered while the test runs: wrapped after it. */
function wrapFinishHandlers(test: RunnerTestCase, options: WorkerOptions, timeouts: Timeouts): void {
  // Vitest keeps these lists on the test (not in its public types).
  const { onFinished, onFailed } = test as unknown as { onFinished?: Fn[]; onFailed?: Fn[] };
  for (const [kind, list] of [
    ['onTestFinished', onFinished],
    ['onTestFailed', onFailed],
  ] as const) {
    if (!list) continue;
    for (let i = 0; i < list.length; i++) list[i] = wrapHook(kind, list[i] as Fn, test, options, timeouts);
  }
}

function wrapHook(
  kind: HookKind,
  hook: Fn,
  owner: Suite | RunnerTestCase,
  options: WorkerOptions,
  timeouts: Timeouts,
): Fn {
  if (typeof hook !== 'function' || hook[WRAPPED]) return hook;
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    // beforeEach/afterEach receive the test's context: name the test the hook runs for.
    const context = args[0] as { task?: RunnerTestCase; signal?: AbortSignal } | undefined;
    const forTest = context?.task?.type === 'test' ? context.task : undefined;
    const budgetMs = options.budgetMs ?? ((hook[HOOK_TIMEOUT] as number | undefined) || timeouts.hookTimeout);
    const guard = arm(hookLabel(kind, forTest ?? owner), budgetMs, options);
    const stopListening = dumpAtTimeout(guard, forTest ? context?.signal : undefined);
    return disarmWhenSettled(guard, () => hook.apply(this, args), stopListening);
  };
  return mark(wrapped, hook);
}

function arm(label: string, budgetMs: number, options: WorkerOptions): HangGuard {
  return armHangDump({
    seconds: budgetMs / 1000,
    label,
    onBlocked: options.onBlocked,
    ...(options.dir === undefined || process.env.HANGDUMP_DIR ? {} : { path: options.dir }),
  });
}

/**
 * Vitest aborts the test's signal at the moment it times out, before `afterEach` cleans up: the
 * WAITING dump is taken right then, and its place is added to Vitest's own timeout error.
 */
function dumpAtTimeout(guard: HangGuard, signal: AbortSignal | undefined): () => void {
  if (!signal || signal.aborted) return () => {};
  const onAbort = () => {
    const reason: unknown = signal.reason;
    if (!(reason instanceof Error) || !/timed out/i.test(reason.message)) return;
    const dump: DumpResult | undefined = guard.dumpNow();
    if (dump) explainTimeout(reason, dump);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/** The wrapper keeps what the runner reads from the original: name, length, its symbol-keyed marks. */
function mark(wrapped: (...args: unknown[]) => unknown, original: Fn): Fn {
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
