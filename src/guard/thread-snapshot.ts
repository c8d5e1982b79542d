/**
 * The lazily loaded part of a guarded thread's runtime (see `threadSnapshots` in lazy.ts): what it
 * reads about itself for a dump, and what its code left open. Most test files never need any of it.
 * It keeps no state but the runtime it is attached to (see runtime-view.ts).
 */
export { attachRuntime } from '../resources/runtime-view.js';
export { openCreatedHandles, openResourcesOf } from '../resources/snapshot.js';
export { sharedSnapshot, takeSnapshot } from './snapshot.js';
