import { describeValue, invalidOption } from './errors.js';

/** What hangdump does after it has written a BLOCKED dump. */
export type OnBlocked = 'exit' | 'continue';

/** Options of {@link armHangDump} and {@link dumpOnHang}. */
export interface HangDumpOptions {
  /** The budget, in seconds: a dump is written when the guarded block runs longer. */
  seconds: number;
  /**
   * Where the dump goes: a file (a path ending in `.txt`; its JSON twin goes beside it, `.json` in place
   * of `.txt`), or a directory in which collision-free names are generated. Relative paths resolve
   * against the working directory.
   * @default process.env.HANGDUMP_DIR, else '.hangdump'
   */
  path?: string;
  /**
   * What is being guarded, shown on the dump's first line and in its file name. The runner
   * integrations pass the test's full name.
   * @default the guarded function's name, else the file and line where it was guarded
   */
  label?: string;
  /**
   * After a BLOCKED dump (the event loop is not turning): `'exit'` ends the process with
   * {@link HangDumpOptions.exitCode}, so a CI job ends with the answer instead of its own timeout;
   * `'continue'` leaves the process running.
   * @default 'exit'
   */
  onBlocked?: OnBlocked;
  /**
   * The exit code used when `onBlocked` is `'exit'`. A thread blocked inside a native call
   * (`execSync`, a read on a FIFO) cannot run JavaScript, and is ended with SIGKILL instead.
   * @default 70 (EX_SOFTWARE)
   */
  exitCode?: number;
  /**
   * Track the promises the guarded code creates, so that a WAITING dump names the `await` it is
   * suspended at and lists its pending promises with where each was created. Costs a stack capture
   * (a few microseconds) for every promise created while the guard is armed: an await-heavy block
   * runs many times slower (see the README's "Performance").
   * @default false
   */
  promises?: boolean;
}

/** Options after validation, with defaults applied where they do not depend on the dump's moment. */
export interface ResolvedOptions {
  budgetMs: number;
  path: string | undefined;
  label: string | undefined;
  onBlocked: OnBlocked;
  exitCode: number;
  promises: boolean;
}

/** The default exit code: EX_SOFTWARE from sysexits.h, "internal software error". */
export const DEFAULT_EXIT_CODE = 70;
/** The directory used when neither `path` nor `HANGDUMP_DIR` names one. */
export const DEFAULT_DIR = '.hangdump';
/** Budgets are kept in int32 milliseconds (and given to `setTimeout`, which takes no more): about 23 days. */
export const MAX_SECONDS = 2_000_000;
/** Longest `path`, in UTF-8 bytes: Linux's PATH_MAX. */
export const MAX_PATH_BYTES = 4096;

/**
 * A test runner's timeout, in milliseconds, as a budget; undefined when it means "no timeout" (0,
 * Infinity) or is too long to be a deadline (over about 23 days): hangdump never fails a run on its
 * own account.
 */
export function budgetOfTimeout(ms: number): number | undefined {
  return ms > 0 && ms <= MAX_SECONDS * 1000 ? Math.max(1, Math.round(ms)) : undefined;
}

const KNOWN = new Set(['seconds', 'path', 'label', 'onBlocked', 'exitCode', 'promises']);

/**
 * Validates `armHangDump`/`dumpOnHang` input, throwing a `TypeError` or `RangeError` that names the
 * option and repeats the bad value.
 */
export function resolveOptions(input: unknown): ResolvedOptions {
  if (typeof input === 'number') return { ...DEFAULTS, budgetMs: budgetFrom(input, 'seconds') };
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw invalidOption(
      TypeError,
      `Expected a number of seconds or an options object, got ${describeValue(input)}.`,
    );
  }
  const options = input as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw invalidOption(
        TypeError,
        `Unknown option \`${key}\`: expected one of ${[...KNOWN].map((k) => `\`${k}\``).join(', ')}.`,
      );
    }
  }
  if (!('seconds' in options)) throw invalidOption(TypeError, 'The `seconds` option is required.');
  return {
    budgetMs: budgetFrom(options.seconds, 'seconds'),
    path: pathOption(options.path, 'path'),
    label: optionalString(options.label, 'label'),
    onBlocked: onBlockedFrom(options.onBlocked),
    exitCode: exitCodeFrom(options.exitCode),
    promises: booleanFrom(options.promises, 'promises'),
  };
}

/** What a runner adapter sets once for all its guards (the budget and label differ per guard). */
export type RunnerOptions = Pick<ResolvedOptions, 'path' | 'onBlocked' | 'exitCode' | 'promises'>;

/** The defaults of the options that have them. */
export const DEFAULTS: Omit<ResolvedOptions, 'budgetMs'> = {
  path: undefined,
  label: undefined,
  onBlocked: 'exit',
  exitCode: DEFAULT_EXIT_CODE,
  promises: false,
};

/** A number of seconds (the option `name`) as milliseconds, at least 1. */
export function budgetFrom(value: unknown, name: string): number {
  if (typeof value !== 'number') {
    throw invalidOption(TypeError, `Expected \`${name}\` to be a number, got ${describeValue(value)}.`);
  }
  if (!Number.isFinite(value) || value <= 0 || value > MAX_SECONDS) {
    throw invalidOption(
      RangeError,
      `Expected \`${name}\` to be a finite number of seconds greater than 0 and at most ${MAX_SECONDS}, got ${describeValue(value)}.`,
    );
  }
  return Math.max(1, Math.round(value * 1000));
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw invalidOption(TypeError, `Expected \`${name}\` to be a string, got ${describeValue(value)}.`);
  }
  if (value.trim() === '') throw invalidOption(RangeError, `Expected \`${name}\` to be a non-empty string.`);
  if (value.includes('\0'))
    throw invalidOption(RangeError, `Expected \`${name}\` to contain no NUL character.`);
  return value;
}

/**
 * A path (the option `name`) the file system can take as it is, or undefined. (A label, by
 * contrast, is truncated to fit, never refused.)
 */
export function pathOption(value: unknown, name: string): string | undefined {
  const chosen = optionalString(value, name);
  if (chosen === undefined) return undefined;
  // A lone surrogate has no UTF-8 form: the file system would get U+FFFD, another name than asked.
  if (!chosen.isWellFormed()) {
    throw invalidOption(
      RangeError,
      `Expected \`${name}\` to be well-formed Unicode (a lone surrogate cannot be part of a file name), got ${describeValue(chosen)}.`,
    );
  }
  if (Buffer.byteLength(chosen) > MAX_PATH_BYTES) {
    throw invalidOption(RangeError, `Expected \`${name}\` to be at most ${MAX_PATH_BYTES} bytes long.`);
  }
  return chosen;
}

/** The `onBlocked` option: `'exit'` when absent. */
export function onBlockedFrom(value: unknown): OnBlocked {
  if (value === undefined) return 'exit';
  if (value === 'exit' || value === 'continue') return value;
  throw invalidOption(
    TypeError,
    `Expected \`onBlocked\` to be 'exit' or 'continue', got ${describeValue(value)}.`,
  );
}

/** A boolean option (`name`): false when absent. */
export function booleanFrom(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  throw invalidOption(TypeError, `Expected \`${name}\` to be a boolean, got ${describeValue(value)}.`);
}

function exitCodeFrom(value: unknown): number {
  if (value === undefined) return DEFAULT_EXIT_CODE;
  if (typeof value !== 'number') {
    throw invalidOption(TypeError, `Expected \`exitCode\` to be a number, got ${describeValue(value)}.`);
  }
  if (!Number.isInteger(value) || value < 1 || value > 255) {
    throw invalidOption(
      RangeError,
      `Expected \`exitCode\` to be an integer from 1 to 255, got ${describeValue(value)}.`,
    );
  }
  return value;
}
