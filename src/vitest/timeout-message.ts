import type { RunnerTestCase } from 'vitest';
import type { DumpResult } from '../dump/result.js';
import { dumpWriter } from '../guard/lazy.js';

/**
 * Adds one line to a runner's timeout error: where the test was stuck and where the dump is, so the
 * failure says what `Test timed out in 5000ms` never did.
 */
export function explainTimeout(error: { message: string; stack?: string }, dump: DumpResult): void {
  // Loaded with the dump: not by every test file.
  const line = dumpWriter.load()?.dumpLine(dump);
  if (line === undefined) return;
  if (error.message.includes(line)) return;
  const before = error.message;
  error.message = `${before}\n${line}`;
  if (typeof error.stack === 'string' && error.stack.includes(before)) {
    error.stack = error.stack.replace(before, error.message);
  }
}

/** Whether an error (or a test's serialized error) is Vitest's own timeout: "Test timed out in 5000ms". */
export function isTimeout(error: unknown): error is { message: string; stack?: string } {
  return /timed out/i.test(String((error as { message?: unknown } | undefined)?.message));
}

/**
 * Vitest's timeout error, when that is how the test's current attempt failed: its last recorded
 * error (Vitest keeps the errors of earlier attempts, retries and repeats, beside it).
 */
export function attemptTimeout(test: RunnerTestCase): Error | undefined {
  const { result } = test;
  const last = result?.state === 'fail' ? result.errors?.at(-1) : undefined;
  return isTimeout(last) ? (last as Error) : undefined;
}
