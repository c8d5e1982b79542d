export { type GuardedThread, GuardedThreadInspector, type Paused } from './guarded-thread.js';
export { readNativeBlock } from './native.js';
export { readOwnScripts } from './same-thread.js';
