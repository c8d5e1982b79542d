import { createRequire } from 'node:module';
import type * as Waiting from './waiting.js';

let waiting: typeof Waiting | undefined;

/**
 * The WAITING dump writer (source maps, rendering, file writing), loaded at the first dump only: a
 * passing run never pays for it. Loaded synchronously — `require` of an ES module, which Node supports
 * from 20.19 — because a runner's timeout handler must get the dump before any cleanup runs. The
 * build emits it as its own entry, `dump-waiting.js`, beside every bundled file.
 */
export function waitingDumpWriter(): typeof Waiting {
  waiting ??= createRequire(import.meta.url)('./dump-waiting.js') as typeof Waiting;
  return waiting;
}
