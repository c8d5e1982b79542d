/**
 * The setup file hangdump's Vitest plugin adds (also usable on its own:
 * `setupFiles: ['hangdump/vitest/setup']`). It runs in each worker before each test file and puts
 * every test and hook of the file under a guard.
 */
import * as vitest from 'vitest';
import { loadEngine } from './engine-loader.js';

const pool = (globalThis as { __vitest_worker__?: { config?: { pool?: string } } }).__vitest_worker__?.config
  ?.pool;
// The vm pools run each test file in a context of its own, and load modules through Vitest's loader:
// there the setup is a module like any other. Elsewhere it comes from the engine script.
const { setUpWorker } = pool?.startsWith('vm') ? await import('./worker.js') : loadEngine(vitest);
await setUpWorker();
