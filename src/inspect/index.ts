export { MainThreadInspector, type Paused } from './main-thread.js';
export { readNativeBlock } from './native.js';
export { readOwnScripts } from './same-thread.js';
