export { type GuardedThread, GuardedThreadInspector, type Paused } from './guarded-thread.js';
export { readNativeBlock, runningDeadline } from './native.js';
export { readOwnScripts, readOwnTimers, readOwnWorkerScripts } from './same-thread.js';
export { readTimers, runAsync, type TimerDetail } from './timers.js';
