import { createRequire } from 'node:module';
import type * as Waiting from './waiting.js';

type WaitingModule = typeof Waiting;

/** The build emits the WAITING dump writer as its own entry, beside every bundled file. */
const ENTRY = './dump-waiting.js';

let loaded: WaitingModule | undefined;

/**
 * The WAITING dump writer (source maps, rendering, file writing), loaded at the first dump only: a
 * passing run never pays for it. Loaded synchronously — `require` of an ES module, which Node supports
 * from 20.19 — because a runner's timeout handler must get the dump before any cleanup runs. Where
 * `require` cannot load ES modules (Vitest's vm pools run modules through their own loader),
 * undefined until {@link preloadWaitingDumpWriter} has run.
 */
export function waitingDumpWriter(): WaitingModule | undefined {
  if (loaded) return loaded;
  try {
    loaded = createRequire(import.meta.url)(ENTRY) as WaitingModule;
  } catch {
    // Not loadable synchronously here.
  }
  return loaded;
}

/** Loads the writer with `import()`, which every module loader supports. */
export async function preloadWaitingDumpWriter(): Promise<WaitingModule> {
  loaded ??= waitingDumpWriter() ?? ((await import(new URL(ENTRY, import.meta.url).href)) as WaitingModule);
  return loaded;
}
