import { describeValue, invalidOption } from '../errors.js';
import type { OnBlocked } from '../options.js';

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
   * After each passing test, list what it created and left open (sockets, servers, child processes,
   * workers): the reporter prints them per file. Off by default: it looks at the live handles after
   * every test.
   * @default false
   */
  leftovers?: boolean;
  /**
   * Track the promises each test and hook creates, so that a WAITING dump (and the timeout failure)
   * names the `await` the test is suspended at, and lists its pending promises. Off by default: it
   * captures a stack for every promise created while a test runs (a few microseconds each).
   * @default false
   */
  promises?: boolean;
}

/** The plugin's options as the workers receive them (serialisable). */
export interface WorkerOptions {
  dir: string | undefined;
  budgetMs: number | undefined;
  onBlocked: OnBlocked;
  /** Epoch milliseconds when the run must end, if a run deadline was set. */
  runDeadlineAt: number | undefined;
  leftovers: boolean;
  promises: boolean;
  /**
   * The directory through which the plugin's watchdog, in Vitest's main process, watches the worker
   * processes (instead of a watchdog thread in each).
   */
  watchedFrom?: string;
}

/** Where a test's leftovers travel to the reporter: its `meta`, which Vitest sends to the main process. */
export const LEFTOVERS_META = 'hangdumpLeftovers';

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
  if (dir !== undefined && (typeof dir !== 'string' || dir.trim() === '')) {
    throw invalidOption(TypeError, `Expected \`dir\` to be a non-empty string, got ${describeValue(dir)}.`);
  }
  if (
    budget !== undefined &&
    budget !== 'timeout' &&
    !(typeof budget === 'number' && budget > 0 && Number.isFinite(budget))
  ) {
    throw invalidOption(
      RangeError,
      `Expected \`budget\` to be 'timeout' or a number of seconds > 0, got ${describeValue(budget)}.`,
    );
  }
  if (onBlocked !== undefined && onBlocked !== 'exit' && onBlocked !== 'continue') {
    throw invalidOption(
      TypeError,
      `Expected \`onBlocked\` to be 'exit' or 'continue', got ${describeValue(onBlocked)}.`,
    );
  }
  for (const [name, value] of Object.entries({ leftovers, promises })) {
    if (value !== undefined && typeof value !== 'boolean') {
      throw invalidOption(TypeError, `Expected \`${name}\` to be a boolean, got ${describeValue(value)}.`);
    }
  }
  const deadlineMs = runDeadline === undefined ? undefined : parseDuration(runDeadline, 'runDeadline');
  return {
    dir: (dir as string | undefined) ?? undefined,
    budgetMs: typeof budget === 'number' ? Math.round(budget * 1000) : undefined,
    onBlocked: (onBlocked as OnBlocked | undefined) ?? 'exit',
    runDeadlineAt: deadlineMs === undefined ? undefined : startedAt + deadlineMs,
    leftovers: leftovers === true,
    promises: promises === true,
  };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `'25m'`, `'90s'`, `'1.5h'`, `'500ms'` or a number of milliseconds. */
export function parseDuration(value: unknown, name: string): number {
  if (typeof value === 'number' && value > 0 && Number.isFinite(value)) return value;
  const match = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(value) : null;
  if (!match) {
    throw invalidOption(
      RangeError,
      `Expected \`${name}\` to be a duration like '25m', '90s' or a number of milliseconds, got ${describeValue(value)}.`,
    );
  }
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}
