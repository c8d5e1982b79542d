export { type GuardedThread, GuardedThreadInspector, type Paused } from './guarded-thread.js';
export { readNativeBlock } from './native.js';
export { inspectOwnThread, type OwnThread } from './same-thread.js';
export { readTimers, runAsync, type TimerDetail } from './timers.js';
