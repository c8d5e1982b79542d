import type { armHangDump, dumpOnHang } from './api.js';

/**
 * A thread runs one copy of hangdump's runtime: one watchdog, one resource tracker, one mirror file.
 * A Vitest worker compiles its copy from the engine script (see vitest/engine-loader.ts), while a
 * test that imports `hangdump` loads the package's modules, another copy of the same code. The engine
 * registers itself on the global object, under a key naming the package's directory (so that two
 * installs of hangdump stay apart), and the package's API hands its calls to it.
 */
export interface Engine {
  armHangDump: typeof armHangDump;
  dumpOnHang: typeof dumpOnHang;
  /** What the Vitest setup file runs before each test file. */
  setUpWorker(): Promise<void>;
}

const KEY = Symbol.for(`hangdump.engine ${new URL('.', import.meta.url).href}`);

type Registry = Record<symbol, Engine | undefined>;

/** Makes `engine` this realm's runtime, unless one is registered already. */
export function registerEngine(engine: Engine): Engine {
  const registry = globalThis as unknown as Registry;
  registry[KEY] ??= engine;
  return registry[KEY];
}

/** The engine this realm runs, if one was loaded. */
export function registeredEngine(): Engine | undefined {
  return (globalThis as unknown as Registry)[KEY];
}
