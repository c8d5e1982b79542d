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
function lazyEntry<T>(entry: string, attach?: (module: T) => void): LazyEntry<T> {
  let loaded: T | undefined;
  const use = (module: T): T => {
    attach?.(module);
    loaded = module;
    return module;
  };
  const load = (): T | undefined => {
    if (loaded) return loaded;
    try {
      return use(createRequire(import.meta.url)(entry) as T);
    } catch {
      // Not loadable synchronously here.
      return undefined;
    }
  };
  return {
    load,
    async preload() {
      return load() ?? loaded ?? use((await import(new URL(entry, import.meta.url).href)) as T);
    },
  };
}

/**
 * The WAITING dump writer (source maps, rendering, file writing), loaded at the first dump only: a
 * passing run never pays for it. It keeps no state of its own, and may come from another loader.
 */
export const dumpWriter: LazyEntry<typeof Waiting> = lazyEntry('./dump-waiting.js');

/**
 * What a guarded thread reads about itself for a dump (its resources described, its pending
 * promises): a test worker loads it at its first dump, or when its code left a handle open, not once
 * per test file. It reads the tracker's records through the view it is handed here.
 */
export const threadSnapshots: LazyEntry<typeof Snapshots> = lazyEntry('./thread-snapshot.js', (module) =>
  module.attachRuntime({ creationOf, trackedParents, pendingPromisesOf }),
);
