import type { PendingPromises } from './promises.js';
import type { Creation } from './tracker.js';

/**
 * What the snapshot code reads of a guarded thread's runtime: the tracker's records and the pending
 * promises. Handed over by the runtime that calls it, rather than imported, because that code is
 * loaded at the first dump with `require`, which may give it other instances of the runtime's modules
 * than the test runner's loader gave the runtime (a package linked from outside node_modules is run by
 * Vitest's own module runner), and one copy of it may serve two runtimes on a thread.
 */
export interface RuntimeView {
  creationOf(resource: object): Creation | undefined;
  trackedParents(): object[];
  pendingPromisesOf(guardId: number): PendingPromises | undefined;
}

let current: RuntimeView | undefined;

/** Runs `read` for the runtime `view` (the snapshot code is synchronous: the view is set for the call). */
export function withRuntime<T>(view: RuntimeView, read: () => T): T {
  const outer = current;
  current = view;
  try {
    return read();
  } finally {
    current = outer;
  }
}

/** The runtime the snapshot code serves in this call. */
export function runtimeView(): RuntimeView {
  if (!current) throw new Error('hangdump: the snapshot code was called without its runtime');
  return current;
}
