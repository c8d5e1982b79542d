import { describeValue, invalidOption } from '../errors.js';
import {
  booleanFrom,
  budgetFrom,
  MAX_SECONDS,
  type OnBlocked,
  onBlockedFrom,
  pathOption,
} from '../options.js';

/** Options of the Vitest plugin, `hangdump(options)`. */
export interface HangdumpVitestOptions {
  /**
   * Where dumps go. `HANGDUMP_DIR` in the environment wins, so a CI job can redirect every run.
   * @default '.hangdump'
   */
  dir?: string;
  /**
   * Each test's and hook's budget: `'timeout'` takes the runner's own (`testTimeout`, a per-test
   * timeout, `hookTimeout`), so the WAITING dump is taken at the moment Vitest fails the test; a
   * number of seconds sets one budget for all.
   * @default 'timeout'
   */
  budget?: 'timeout' | number;
  /**
   * After a BLOCKED dump: `'exit'` ends the blocked worker so that the run goes on and ends;
   * `'continue'` leaves it running.
   * @default 'exit'
   */
  onBlocked?: OnBlocked;
  /**
   * A deadline for the whole run (`'25m'`, `'90s'`, or milliseconds), for CI jobs with a hard limit:
   * when it passes, every worker dumps what it is running, and the run ends with a non-zero code.
   */
  runDeadline?: string | number;
  /**
   * What the reporter lists as left open (sockets, servers, child processes, workers, with where each
   * was created): `'files'`, what each test file still holds open after its last `afterAll` (a look
   * at the live handles once per file); `'tests'`, also what each passing test left open (a look
   * after every test); `false`, nothing.
   * @default 'files'
   */
  leftovers?: Leftovers;
  /**
   * Track the promises each test and hook creates, so that a WAITING dump (and the timeout failure)
   * names the `await` the test is suspended at, and lists its pending promises. Off by default: it
   * captures a stack for every promise created while a test runs (a few microseconds each).
   * @default false
   */
  promises?: boolean;
}

/** When to look for what was left open: see {@link HangdumpVitestOptions.leftovers}. */
export type Leftovers = 'files' | 'tests' | false;

/** The plugin's options as the workers receive them (serialisable). */
export interface WorkerOptions {
  dir: string | undefined;
  budgetMs: number | undefined;
  onBlocked: OnBlocked;
  /** Epoch milliseconds when the run must end, if a run deadline was set. */
  runDeadlineAt: number | undefined;
  leftovers: Leftovers;
  promises: boolean;
  /**
   * The directory through which the plugin's watchdog, in Vitest's main process, watches the worker
   * processes (instead of a watchdog thread in each).
   */
  watchedFrom?: string;
}

/** Where a test's leftovers travel to the reporter: its `meta`, which Vitest sends to the main process. */
export const LEFTOVERS_META = 'hangdumpLeftovers';

/**
 * How many of a file's tests left something open, in the file's `meta`: the reporter reads the tests
 * of those files alone (reading every test's `meta` cost a run of 4,000 tests 4-8 ms at its end).
 */
export const LEFTOVER_TESTS_META = 'hangdumpLeftoverTests';

/** Where a file's handles still open after its last hook travel to the reporter: the file's `meta`. */
export const OPEN_AT_END_META = 'hangdumpOpenAtEnd';

/** A handle left open, as it travels to the reporter. */
export interface OpenHandle {
  type: string;
  description: string;
  /** `file:line:column` where it was created (original source position), when known. */
  createdAt?: string;
}

/** The key under which the plugin provides the worker options (Vitest's provide/inject). */
export const PROVIDE_KEY = 'hangdump:options';

const KNOWN = new Set(['dir', 'budget', 'onBlocked', 'runDeadline', 'leftovers', 'promises']);

/** Validates the plugin options at config time, with errors that name the option. */
export function resolveVitestOptions(input: unknown, startedAt: number): WorkerOptions {
  if (input === undefined) input = {};
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw invalidOption(
      TypeError,
      `Expected hangdump's options to be an object, got ${describeValue(input)}.`,
    );
  }
  const options = input as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw invalidOption(
        TypeError,
        `Unknown hangdump option \`${key}\`: expected one of ${[...KNOWN].join(', ')}.`,
      );
    }
  }
  const { dir, budget, onBlocked, runDeadline, leftovers, promises } = options;
  if (budget !== undefined && budget !== 'timeout' && typeof budget !== 'number') {
    throw invalidOption(
      TypeError,
      `Expected \`budget\` to be 'timeout' or a number of seconds, got ${describeValue(budget)}.`,
    );
  }
  const whenBlocked = onBlockedFrom(onBlocked);
  if (leftovers !== undefined && leftovers !== 'files' && leftovers !== 'tests' && leftovers !== false) {
    throw invalidOption(
      TypeError,
      `Expected \`leftovers\` to be 'files', 'tests' or false, got ${describeValue(leftovers)}.`,
    );
  }
  const tracked = booleanFrom(promises, 'promises');
  const deadlineMs = runDeadline === undefined ? undefined : parseDuration(runDeadline, 'runDeadline');
  return {
    dir: pathOption(dir, 'dir'),
    budgetMs: typeof budget === 'number' ? budgetFrom(budget, 'budget') : undefined,
    onBlocked: whenBlocked,
    runDeadlineAt: deadlineMs === undefined ? undefined : startedAt + deadlineMs,
    leftovers: (leftovers as Leftovers | undefined) ?? 'files',
    promises: tracked,
  };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * `'25m'`, `'90s'`, `'1.5h'`, `'500ms'` or a number of milliseconds: more than 0, and at most what
 * `setTimeout` takes (a longer delay would fire at once).
 */
export function parseDuration(value: unknown, name: string): number {
  const match = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(value) : null;
  const ms =
    typeof value === 'number'
      ? value
      : match
        ? Number(match[1]) * (UNITS[match[2] as string] as number)
        : NaN;
  if (!(ms > 0 && ms <= MAX_SECONDS * 1000)) {
    throw invalidOption(
      RangeError,
      `Expected \`${name}\` to be a duration like '25m', '90s' or a number of milliseconds, more than 0 and at most ${(MAX_SECONDS / 3600 / 24) | 0} days, got ${describeValue(value)}.`,
    );
  }
  return ms;
}
