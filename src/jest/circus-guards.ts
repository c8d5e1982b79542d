import { armForRunner, type HangGuard } from '../guard/api.js';
import { budgetOfTimeout, DEFAULTS, type RunnerOptions } from '../options.js';
import { type CapturedStack, captureStack } from '../stack/capture.js';
import { writeStderr } from '../stderr.js';
import {
  type CircusEvent,
  type CircusState,
  type Hook,
  hookLabel,
  type TestEntry,
  type TestFile,
  testLabel,
  testsUnder,
  timeoutOf,
} from './circus.js';
import type { EarlierHangs } from './earlier-hangs.js';
import { explainTimeout, isJestTimeout } from './timeout-message.js';

type Block = TestEntry | Hook;

/** The block running now: circus runs one test function or hook at a time. */
interface Running {
  block: Block;
  guard: HangGuard | undefined;
  /** Its own function, while a stand-in runs in its place. */
  original?: Block['fn'];
}

/**
 * Turns circus's events into guards: each test function and each hook runs under a guard whose
 * budget is the timeout circus gives it. When Jest's own timeout fails a block, its WAITING dump is
 * taken at that moment (before `afterEach` cleans up) and named in the failure.
 */
export class CircusGuards {
  readonly #file: TestFile;
  readonly #earlier: EarlierHangs | undefined;
  /** Where each test and hook was defined, keyed by circus's own record of that place. */
  readonly #sites = new WeakMap<object, CapturedStack>();
  /** What every guard of the file shares. */
  readonly #runner: RunnerOptions;
  #running: Running | undefined;

  constructor(file: TestFile, earlier: EarlierHangs | undefined, { promises = false } = {}) {
    this.#file = file;
    this.#earlier = earlier;
    this.#runner = { ...DEFAULTS, promises };
  }

  /** Handles one circus event; never throws (hangdump must not fail the user's tests). */
  handle(event: CircusEvent, state: CircusState): void {
    try {
      this.#handle(event, state);
    } catch (error) {
      writeStderr(`hangdump: could not guard Jest's ${event.name} event: ${String(error)}\n`);
    }
  }

  #handle(event: CircusEvent, state: CircusState): void {
    switch (event.name) {
      case 'add_test':
      case 'add_hook': {
        // Dispatched synchronously from the user's `test()`/`beforeEach()` call: the stack holds its line.
        this.#sites.set(event.asyncError, captureStack(this.handle));
        return;
      }
      case 'test_fn_start':
        this.#start(event.test, testLabel(event.test, this.#file), state);
        return;
      case 'hook_start':
        this.#start(event.hook, hookLabel(event.hook, state.currentlyRunningTest, this.#file), state);
        return;
      case 'test_fn_failure':
        this.#end(event.error, () => [event.test.errors]);
        return;
      case 'hook_failure':
        this.#end(event.error, () => hookErrorLists(event, state));
        return;
      case 'test_fn_success':
      case 'hook_success':
      // A test whose hooks failed ends with no event of its own: the next of these ends its guard.
      case 'test_done':
      case 'run_finish':
      case 'teardown':
        this.end();
    }
  }

  /** Ends whatever block still runs (the file is done, or was torn down). */
  end(): void {
    this.#end(undefined, () => []);
  }

  #start(block: Block, label: string, state: CircusState): void {
    this.end();
    const running: Running = { block, guard: undefined };
    this.#running = running;
    const earlier = this.#earlier?.standIn(label);
    if (earlier) {
      // It ended an earlier attempt of this file: it fails at once instead of hanging again.
      running.original = block.fn;
      block.fn = earlier;
      return;
    }
    const site = this.#sites.get(block.asyncError) ?? {};
    const budgetMs = budgetOfTimeout(timeoutOf(block, state));
    if (budgetMs !== undefined) {
      running.guard = armForRunner(budgetMs, label, site, this.#runner);
    }
  }

  /** Ends the running block's guard; at Jest's timeout, takes its dump first and names it in the failure. */
  #end(error: unknown, errorLists: () => unknown[][]): void {
    const running = this.#running;
    if (!running) return;
    this.#running = undefined;
    if (running.original) running.block.fn = running.original;
    const { guard } = running;
    if (!guard) return;
    if (isJestTimeout(error)) {
      const dump = guard.dumpNow();
      if (dump) explainTimeout(errorLists(), error, dump);
    }
    guard.disarm();
  }
}

/** Where circus recorded a failed hook's error: on the test, on each test of the block, or the run. */
function hookErrorLists(
  event: Extract<CircusEvent, { name: 'hook_failure' }>,
  state: CircusState,
): unknown[][] {
  switch (event.hook.type) {
    case 'beforeAll':
      return event.describeBlock ? testsUnder(event.describeBlock).map((test) => test.errors) : [];
    case 'afterAll':
      return [state.unhandledErrors];
    default:
      return event.test ? [event.test.errors] : [];
  }
}
