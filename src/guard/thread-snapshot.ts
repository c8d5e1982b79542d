/**
 * The lazily loaded part of a guarded thread's runtime (see `threadSnapshots` in lazy.ts): what it
 * reads about itself for a dump, and what its code left open. Most test files never need any of it.
 * It keeps no state: each runtime gets functions bound to its own records (see runtime-view.ts).
 */
import { type RuntimeView, withRuntime } from '../resources/runtime-view.js';
import { openCreatedHandles, openResourcesOf } from '../resources/snapshot.js';
import { sharedSnapshot, takeSnapshot } from './snapshot.js';

/** The snapshot functions, reading the records of the runtime `view`. */
export function forRuntime(view: RuntimeView) {
  const bound =
    <A extends unknown[], R>(read: (...args: A) => R) =>
    (...args: A): R =>
      withRuntime(view, () => read(...args));
  return {
    takeSnapshot: bound(takeSnapshot),
    sharedSnapshot: bound(sharedSnapshot),
    openCreatedHandles: bound(openCreatedHandles),
    openResourcesOf: bound(openResourcesOf),
  };
}
