import type { RunnerTestFile } from 'vitest';
import { writeStderr } from '../stderr.js';
import { extensibleRunner } from './runner-api.js';

/** Runs `callback` once `file` has ended: after its last `afterAll` hook. */
export type AtFileEnd = (file: RunnerTestFile, callback: () => void) => void;

/** What hangdump does as a test file starts: instrument it, with a way to act at its end. */
export type FileStart = (file: RunnerTestFile, atEnd: AtFileEnd) => void;

/** Where hangdump keeps its file turns: on Vitest's `TestRunner.prototype`, as for `runTask`. */
const FILE_TURNS = Symbol.for('hangdump.vitest.fileTurns');

interface FileTurns {
  start: FileStart;
  ends: WeakMap<RunnerTestFile, (() => void)[]>;
}

/**
 * Has Vitest's runner call `start` as each test file starts, before its `beforeAll` hooks (the
 * runner's `onBeforeRunSuite`), and the callbacks handed to `atEnd` after its last `afterAll` hook
 * (`onAfterRunSuite`): rather than a `beforeAll` and an `afterAll` of hangdump's own, each of which
 * costs a worker Vitest's machinery around a hook (its events, sent to the main process: about 2.6 M
 * instructions per file, measured). False where the runner cannot be extended (see
 * `extensibleRunner`): hooks it is, then.
 */
export function startFilesFromRunner(start: FileStart, customRunner: boolean): boolean {
  const prototype = extensibleRunner(customRunner)?.prototype;
  if (!prototype) return false;
  const known = prototype[FILE_TURNS] as FileTurns | undefined;
  if (known) {
    // Set up again for a later file of the same worker: the latest setup's options.
    known.start = start;
    return true;
  }
  const turns: FileTurns = { start, ends: new WeakMap() };
  Object.defineProperty(prototype, FILE_TURNS, { value: turns });
  const atEnd: AtFileEnd = (file, callback) => {
    const callbacks = turns.ends.get(file);
    if (callbacks) callbacks.push(callback);
    else turns.ends.set(file, [callback]);
  };
  before(prototype, 'onBeforeRunSuite', (suite) => turns.start(suite, atEnd));
  before(prototype, 'onAfterRunSuite', (suite) => {
    const callbacks = turns.ends.get(suite) ?? [];
    turns.ends.delete(suite);
    for (const callback of callbacks) callback();
  });
  return true;
}

/** Runs `step` for each file suite before the runner's own method of that name. */
function before(
  prototype: Record<string | symbol, unknown>,
  method: 'onBeforeRunSuite' | 'onAfterRunSuite',
  step: (file: RunnerTestFile) => void,
): void {
  const original = prototype[method] as ((suite: object) => unknown) | undefined;
  prototype[method] = function (this: unknown, suite: object): unknown {
    if ('filepath' in suite) {
      try {
        step(suite as RunnerTestFile);
      } catch (error) {
        // hangdump's own trouble: the file runs on, without it.
        writeStderr(`hangdump: could not guard ${(suite as RunnerTestFile).name}: ${String(error)}\n`);
      }
    }
    return original?.call(this, suite);
  };
}
