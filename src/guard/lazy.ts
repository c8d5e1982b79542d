import { createRequire } from 'node:module';
import { pendingPromisesOf } from '../resources/promises.js';
import { creationOf, trackedParents } from '../resources/tracker.js';
import type * as Snapshots from './thread-snapshot.js';
import type * as Waiting from './waiting.js';

/** An entry of the package that a guarded thread loads at its first use, not at start. */
export interface LazyEntry<T> {
  /**
   * The entry, loaded now if it was not: synchronously — `require` of an ES module, which Node
   * supports from 20.19 — because its callers cannot wait (a runner's timeout handler must get the
   * dump before any cleanup runs; the watchdog calls in while it holds the thread paused). Where
   * `require` cannot load ES modules (Vitest's vm pools run modules through their own loader),
   * undefined until {@link LazyEntry.preload} has run.
   */
  load(): T | undefined;
  /** Loads the entry with `import()`, which every module loader supports. */
  preload(): Promise<T>;
}

/** The build emits each lazy entry beside every bundled file (see scripts/build.mjs). */
function lazyEntry<M, T>(entry: string, use: (module: M) => T): LazyEntry<T> {
  let loaded: T | undefined;
  const load = (): T | undefined => {
    if (loaded) return loaded;
    try {
      loaded = use(createRequire(import.meta.url)(entry) as M);
    } catch {
      // Not loadable synchronously here.
    }
    return loaded;
  };
  return {
    load,
    async preload() {
      loaded = load() ?? use((await import(new URL(entry, import.meta.url).href)) as M);
      return loaded;
    },
  };
}

/**
 * The WAITING dump writer (source maps, rendering, file writing), loaded at the first dump only: a
 * passing run never pays for it. It keeps no state of its own, and may come from another loader.
 */
export const dumpWriter: LazyEntry<typeof Waiting> = lazyEntry(
  './dump-waiting.js',
  (module: typeof Waiting) => module,
);

/**
 * What a guarded thread reads about itself for a dump (its resources described, its pending
 * promises): a test worker loads it at its first dump, or when its code left a handle open, not once
 * per test file. Its functions read this runtime's records, handed to it here.
 */
export const threadSnapshots: LazyEntry<ReturnType<typeof Snapshots.forRuntime>> = lazyEntry(
  './thread-snapshot.js',
  (module: typeof Snapshots) => module.forRuntime({ creationOf, trackedParents, pendingPromisesOf }),
);
