import { type DumpResult, dumpLine } from '../dump/result.js';

/**
 * Adds one line to a runner's timeout error: where the test was stuck and where the dump is, so the
 * failure says what `Test timed out in 5000ms` never did.
 */
export function explainTimeout(error: { message: string; stack?: string }, dump: DumpResult): void {
  const line = dumpLine(dump);
  if (error.message.includes(line)) return;
  const before = error.message;
  error.message = `${before}\n${line}`;
  if (typeof error.stack === 'string' && error.stack.includes(before)) {
    error.stack = error.stack.replace(before, error.message);
  }
}
