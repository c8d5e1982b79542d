import { type DumpResult, dumpLine } from '../dump/result.js';

/**
 * Jest's own timeout failure. circus rejects with this string (Jest 29 and 30), and prints it as
 * `thrown: "Exceeded timeout of 5000 ms for a test…"`.
 */
export function isJestTimeout(error: unknown): error is string {
  return typeof error === 'string' && error.startsWith('Exceeded timeout of ');
}

/**
 * Adds one line to Jest's timeout failure, naming the dump and the position it gives (what the block
 * waits on, or where it was defined). circus recorded the failure as a string (alone, or first in an
 * `[error, asyncError]` pair) in each of `lists`: strings cannot change, so the entry is replaced.
 */
export function explainTimeout(lists: unknown[][], error: string, dump: DumpResult): void {
  const explained = `${error}\n${dumpLine(dump)}`;
  for (const list of lists) {
    for (let i = list.length - 1; i >= 0; i--) {
      const entry = list[i];
      if (Array.isArray(entry) && entry[0] === error) entry[0] = explained;
      else if (entry === error) list[i] = explained;
      else continue;
      break;
    }
  }
}
