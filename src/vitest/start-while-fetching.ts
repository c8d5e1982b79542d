// Node's modules by `process.getBuiltinModule`, not imported: part of the setup file and of the
// preload (see setup.ts).
const { setImmediate } = process.getBuiltinModule('node:timers');

/** Where the wrapped `importFile` finds the start of the file being set up (one per worker). */
const PENDING_START = Symbol.for('hangdump.vitest.pendingStart');

type ImportFile = (this: unknown, filepath: string, source: string) => Promise<unknown>;
type Invoke = (this: unknown, name: unknown, ...rest: unknown[]) => unknown;

interface PendingStart {
  /** The start of the file being set up, run at the runner's next import (see `startWhileFetching`). */
  start: (() => Promise<void>) | undefined;
  /** The start run at the first import of each test file (the preload's: `eachFile`). */
  eachFile: (() => Promise<void>) | undefined;
  /** Whether the current file's first import has been made (its test file's import ends the file's turn). */
  fileBegun: boolean;
}

/**
 * Starts hangdump in a Vitest worker while the worker waits for a module it asked Vitest's main
 * process for, rather than before asking. A setup file runs before Vitest imports the next setup file
 * or the test file, and each import waits on the main process, which transforms the module (a median
 * of 35 ms for a test file, measured): hangdump's start (loading the engine, the runtime: about 4 ms)
 * then costs the run's wall time nothing, where it would otherwise hold up the request. So the
 * runner's `importFile` is wrapped: at the next import, the start is put after the module runner's
 * request for the module (its transport's `fetchModule`), in the following turn of the event loop;
 * and the import is not let resolve before the start has ended, in any case (a file is never run
 * unguarded).
 *
 * The module is evaluated when the main process answers, a later turn than the start's, so what it
 * creates as it is imported is tracked as before. `prototype` is Vitest's `TestRunner.prototype`;
 * false where it has no `importFile` to wrap: the caller starts at once. With `eachFile` (the
 * preload's, which no setup file runs again before each test file), the start runs at every test
 * file's first import from now on: its first setup file, or the test file itself.
 */
export function startWhileFetching(
  prototype: Record<string | symbol, unknown>,
  start: () => Promise<void>,
  { eachFile = false } = {},
): boolean {
  const pending = pendingStart(prototype);
  if (!pending) return false;
  if (eachFile) pending.eachFile = start;
  // A later file of the same worker (`isolate: false`) runs its setup, and so its own start, again.
  else pending.start = once(start);
  return true;
}

/** The runner's pending start, its `importFile` wrapped at the first call; undefined where it has none. */
function pendingStart(prototype: Record<string | symbol, unknown>): PendingStart | undefined {
  if (typeof prototype.importFile !== 'function') return undefined;
  let pending = prototype[PENDING_START] as PendingStart | undefined;
  if (!pending) {
    pending = { start: undefined, eachFile: undefined, fileBegun: false };
    Object.defineProperty(prototype, PENDING_START, { value: pending });
    wrapImportFile(prototype, pending);
  }
  return pending;
}

/** `start` run once, however often it is called; a start that throws (an engine that cannot load) rejects. */
function once(start: () => Promise<void>): () => Promise<void> {
  let started: Promise<void> | undefined;
  return () => {
    started ??= new Promise<void>((resolve) => resolve(start()));
    return started;
  };
}

/** Has the runner's next `importFile` run the pending start while it fetches, and end it before resolving. */
function wrapImportFile(prototype: Record<string | symbol, unknown>, pending: PendingStart): void {
  const importFile = prototype.importFile as ImportFile;
  prototype.importFile = function importFileWhileStarting(this: unknown, filepath: string, source: string) {
    let start = pending.start;
    pending.start = undefined;
    if (pending.eachFile) {
      if (!start && !pending.fileBegun) start = once(pending.eachFile);
      // Vitest imports a file's setup files ('setup'), then the file itself ('collect').
      pending.fileBegun = source !== 'collect';
    }
    if (!start) return importFile.call(this, filepath, source);
    // A failed start is reported by the import below, as a failed setup file would be.
    const begin = () => setImmediate(() => void start().catch(() => {}));
    if (!afterFetchRequest(this, begin)) begin();
    return Promise.resolve(importFile.call(this, filepath, source)).then(async (module) => {
      await start();
      return module;
    });
  };
}

/**
 * Calls `then` once, just after the runner's module runner has asked the main process for a module
 * (Vite's module runner transport, whose `invoke('fetchModule')` sends the request within the same
 * turn). False where the runner has no such transport (a module runner of another kind).
 */
function afterFetchRequest(runner: unknown, then: () => void): boolean {
  const transport = (runner as { moduleRunner?: { transport?: { invoke?: unknown } } } | undefined)
    ?.moduleRunner?.transport;
  const invoke = transport?.invoke;
  if (!transport || typeof invoke !== 'function') return false;
  transport.invoke = function invokeThenStart(this: unknown, name: unknown, ...rest: unknown[]) {
    const result = (invoke as Invoke).call(this, name, ...rest);
    if (name === 'fetchModule') {
      transport.invoke = invoke;
      then();
    }
    return result;
  };
  return true;
}
