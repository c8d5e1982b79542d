import type { DumpResult } from '../dump/result.js';
import { describeValue, invalidOption } from '../errors.js';
import { DEFAULTS, type HangDumpOptions, type RunnerOptions, resolveOptions } from '../options.js';
import { mayHaveOpenCreations } from '../resources/tracker.js';
import { type CapturedStack, captureStack } from '../stack/capture.js';
import { type LabelPart, labelPart, NO_PART } from '../watchdog/label-part.js';
import { type Engine, registeredEngine } from './engine.js';
import { threadSnapshots } from './lazy.js';
import { type GuardRecord, guardRuntime } from './runtime.js';
import { disarmWhenSettled, isThenable } from './settle.js';

/** An armed deadline. Disarm it when the guarded block ends; `using` does that for you. */
export interface HangGuard extends Disposable {
  /** The dump written for this guard, once one has been written. */
  readonly dump: DumpResult | undefined;
  /** Stops watching. Safe to call more than once. */
  disarm(): void;
  /**
   * Writes a WAITING dump now, unless this guard already has one (then returns that): for code that
   * learns of a hang its own way, such as a test runner's timeout firing a moment before hangdump's.
   * Returns undefined when disarmed, or when the dump could not be written anywhere.
   */
  dumpNow(): DumpResult | undefined;
  /**
   * The sockets, servers, child processes and workers created while this guard was the current one
   * that are still open (also after `disarm()`): what a passing test left behind, the seed of the next
   * hang. Costs a look at the live handles; call it when you report it.
   */
  openResources(): { type: string; description: string }[];
}

class Guard implements HangGuard, GuardRecord {
  readonly site: CapturedStack | undefined;
  id = 0;
  /** The slot it is armed in; -1 once disarmed. */
  slot = -1;
  generation = 0;
  dump: DumpResult | undefined = undefined;

  /** The label in parts, as `DeadlineTable.arm` takes it. */
  constructor(
    budgetMs: number,
    options: RunnerOptions,
    site: CapturedStack | undefined,
    prefix: LabelPart,
    name: string,
    suffix: LabelPart,
  ) {
    this.site = site;
    guardRuntime().arm(budgetMs, options, this, prefix, name, suffix);
  }

  disarm(): void {
    if (this.slot < 0) return;
    guardRuntime().disarm(this);
    this.slot = -1;
  }

  openResources(): { type: string; description: string }[] {
    if (!mayHaveOpenCreations()) return [];
    return threadSnapshots.load()?.openResourcesOf(this.id) ?? [];
  }

  dumpNow(): DumpResult | undefined {
    return this.slot < 0 ? this.dump : guardRuntime().dumpNow(this);
  }

  [Symbol.dispose](): void {
    this.disarm();
  }
}

/**
 * Arms a hang guard: if it is not disarmed within `seconds`, a dump is written that says whether the
 * event loop was BLOCKED or WAITING, where, and on what. The block form of Python's
 * `faulthandler.dump_traceback_later`:
 *
 * ```ts
 * using guard = armHangDump({ seconds: 20, path: 'startup.hang.txt' });
 * await startServer();
 * ```
 *
 * Without a `label`, the call site names the guard (capturing it costs a few microseconds; pass a
 * label on hot paths).
 * @throws {TypeError | RangeError} for bad input, naming the option.
 */
export function armHangDump(secondsOrOptions: number | HangDumpOptions): HangGuard {
  const engine = otherEngine();
  if (engine) return engine.armHangDump(secondsOrOptions);
  const options = resolveOptions(secondsOrOptions);
  const site = options.label === undefined ? captureStack(armHangDump) : undefined;
  return new Guard(options.budgetMs, options, site, labelPart(options.label ?? ''), '', NO_PART);
}

/** The runtime this thread runs when it is another copy of this code (see engine.ts). */
function otherEngine(): Engine | undefined {
  const engine = registeredEngine();
  return engine?.armHangDump === armHangDump ? undefined : engine;
}

/**
 * For runner adapters, which resolve their options once: arms a guard from options already validated
 * (`budgetMs` from `budgetOfTimeout`), with its site captured elsewhere (where the test or hook was
 * defined), so that a WAITING dump points at the user's code.
 */
export function armForRunner(
  budgetMs: number,
  label: string,
  site: CapturedStack | undefined,
  options: RunnerOptions = DEFAULTS,
): HangGuard {
  return new Guard(budgetMs, options, site, labelPart(label), '', NO_PART);
}

/**
 * For a runner that arms each step of each test (its hooks, its body): the label comes in parts, the
 * path of the test's suite and the step encoded once (see `labelPart`), the test's name as it is,
 * which a slot writes only when it does not hold them already (see `DeadlineTable.arm`). No site: a
 * dump finds the test's own. Parts, not an object: an object per arm costs a worker's cold code more
 * than the rest of arming's bookkeeping.
 */
export function armRunnerStep(
  budgetMs: number,
  options: RunnerOptions,
  prefix: LabelPart,
  name: string,
  step: LabelPart,
): HangGuard {
  return new Guard(budgetMs, options, undefined, prefix, name, step);
}

/**
 * Wraps `fn` so that every call runs under a hang guard, disarmed when `fn` returns, throws, or its
 * promise settles (or, for a callback-style test that returns no promise, when its completion callback
 * is called). The wrapper keeps `fn`'s signature, `length` and source text, so runners that read
 * them (Jest's `done`, Vitest's fixtures) see no difference:
 *
 * ```ts
 * test('answers', dumpOnHang(5, async () => { await fetch(url) }));
 * ```
 * @throws {TypeError | RangeError} for bad input, naming the option.
 */
export function dumpOnHang<F extends (...args: never[]) => unknown>(
  secondsOrOptions: number | HangDumpOptions,
  fn: F,
): F {
  const engine = otherEngine();
  if (engine) return engine.dumpOnHang(secondsOrOptions, fn);
  const options = resolveOptions(secondsOrOptions);
  if (typeof fn !== 'function') {
    throw invalidOption(TypeError, `Expected a function to guard, got ${describeValue(fn)}.`);
  }
  const label = labelPart(options.label ?? fn.name);
  // Captured once, where the wrapper is made (usually the test's definition), not at every call.
  const site = captureStack(dumpOnHang);
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    const guard = new Guard(options.budgetMs, options, site, label, '', NO_PART);
    // A function that declares a callback parameter (Jest's `done`, node:test's second argument)
    // and returns no promise signals its completion by calling it.
    if (!args.some((arg, index) => typeof arg === 'function' && index < fn.length)) {
      return disarmWhenSettled(guard, () =>
        (fn as unknown as (...a: unknown[]) => unknown).apply(this, args),
      );
    }
    const completion: Completion = { returned: false, called: false };
    const callArgs = args.map((arg, index) =>
      typeof arg === 'function' && index < fn.length
        ? completionCallback(arg as (...a: unknown[]) => unknown, guard, completion)
        : arg,
    );
    let result: unknown;
    try {
      result = (fn as unknown as (...a: unknown[]) => unknown).apply(this, callArgs);
    } catch (error) {
      guard.disarm();
      throw error;
    }
    if (isThenable(result)) {
      result.then(
        () => guard.disarm(),
        () => guard.disarm(),
      );
    } else {
      completion.returned = true;
      if (completion.called) guard.disarm();
    }
    return result;
  };
  Object.defineProperties(wrapper, {
    name: { value: fn.name },
    length: { value: fn.length },
    toString: { value: () => fn.toString() },
  });
  return wrapper as unknown as F;
}

interface Completion {
  /** The function returned something other than a promise: a callback signals its completion. */
  returned: boolean;
  called: boolean;
}

/** A callback argument (`done`) that disarms the guard once called, when no promise signals completion. */
function completionCallback(
  callback: (...a: unknown[]) => unknown,
  guard: Guard,
  completion: Completion,
): (...a: unknown[]) => unknown {
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    completion.called = true;
    if (completion.returned) guard.disarm();
    return callback.apply(this, args);
  };
  Object.defineProperty(wrapped, 'length', { value: callback.length });
  return Object.assign(wrapped, callback);
}
