/**
 * The engine script's entry: everything a Vitest worker runs of hangdump (the setup, the runtime, the
 * public API), bundled as one script that engine-loader.ts compiles with a V8 code cache.
 */
import { armHangDump, dumpOnHang } from '../guard/api.js';
import { registerEngine } from '../guard/engine.js';
import { setUpWorker } from './worker.js';

export const engine = registerEngine({ armHangDump, dumpOnHang, setUpWorker });
