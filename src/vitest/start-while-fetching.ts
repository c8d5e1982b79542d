import { setImmediate } from 'node:timers';

/** Where the wrapped `importFile` finds the start of the file being set up (one per worker). */
const PENDING_START = Symbol.for('hangdump.vitest.pendingStart');

type ImportFile = (this: unknown, filepath: string, source: string) => Promise<unknown>;

interface PendingStart {
  start: (() => Promise<void>) | undefined;
}

/**
 * Starts hangdump in a Vitest worker while the worker waits for its test file, rather than before it
 * asks for it. A setup file runs before Vitest imports the test file, and that import waits on the
 * main process (which transforms the file) for several milliseconds of a worker's life: hangdump's
 * start (loading the engine, the runtime) then costs the run's wall time nothing where it fits in
 * that wait. So the start is put after the current turn of the event loop (in which Vitest asks for
 * the file), and the runner's `importFile` is wrapped to start it before the file is collected in
 * any case: the file is always run under its guards.
 *
 * The file is evaluated when the main process answers, a later turn than the start's, so what its
 * import creates is tracked as before. `prototype` is Vitest's `TestRunner.prototype`; false where it
 * has no `importFile` to wrap: the caller starts at once.
 */
export function startWhileFetching(
  prototype: Record<string | symbol, unknown>,
  start: () => Promise<void>,
): boolean {
  if (typeof prototype.importFile !== 'function') return false;
  let started: Promise<void> | undefined;
  const once = (): Promise<void> => {
    // A start that throws (an engine that cannot load) rejects, rather than throwing in a timer.
    started ??= new Promise<void>((resolve) => resolve(start()));
    return started;
  };
  let pending = prototype[PENDING_START] as PendingStart | undefined;
  if (!pending) {
    pending = { start: undefined };
    Object.defineProperty(prototype, PENDING_START, { value: pending });
    wrapImportFile(prototype, pending);
  }
  // A later file of the same worker (`isolate: false`) runs its setup, and so its own start, again.
  pending.start = once;
  // A failed start is reported by the file's import, below, as a failed setup file would be.
  setImmediate(() => void once().catch(() => {}));
  return true;
}

/** Has the runner's `importFile` finish the pending start before the test file's collection goes on. */
function wrapImportFile(prototype: Record<string | symbol, unknown>, pending: PendingStart): void {
  const importFile = prototype.importFile as ImportFile;
  prototype.importFile = function importFileAfterStart(this: unknown, filepath: string, source: string) {
    const imported = importFile.call(this, filepath, source);
    const start = pending.start;
    if (source !== 'collect' || !start) return imported;
    pending.start = undefined;
    return Promise.resolve(imported).then(async (module) => {
      await start();
      return module;
    });
  };
}
