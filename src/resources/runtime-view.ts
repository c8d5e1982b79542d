import type { PendingPromises } from './promises.js';
import type { Creation } from './tracker.js';

/**
 * What the snapshot code reads of the guarded thread's runtime: the tracker's records and the pending
 * promises. Handed over by the runtime that loads the snapshot code, rather than imported, because
 * that code is loaded at the first dump with `require`, which may give it other instances of the
 * runtime's modules than the test runner's loader gave the runtime (a package linked from outside
 * node_modules is run by Vitest's own module runner).
 */
export interface RuntimeView {
  creationOf(resource: object): Creation | undefined;
  trackedParents(): object[];
  pendingPromisesOf(guardId: number): PendingPromises | undefined;
}

let attached: RuntimeView | undefined;

/** Called by the runtime right after it loads the snapshot code. */
export function attachRuntime(view: RuntimeView): void {
  attached = view;
}

/** The runtime this snapshot code serves. */
export function runtimeView(): RuntimeView {
  if (!attached) throw new Error('hangdump: the snapshot code was loaded without its runtime');
  return attached;
}
