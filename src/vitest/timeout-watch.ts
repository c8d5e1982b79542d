import type { DumpResult } from '../dump/result.js';
import type { HangGuard } from '../guard/api.js';
import { everyHeartbeat } from '../guard/runtime.js';
import { annotateDump, type TestContext } from './annotate.js';
import { explainTimeout } from './timeout-message.js';

/**
 * Vitest aborts a test's signal at the moment the test (or one of its hooks) times out, before
 * `afterEach` cleans up: the WAITING dump of the guard running then is taken right then, its place
 * is added to Vitest's own timeout error, and the dump is attached to the test. A listener costs more than the rest of arming, and
 * most tests end within a millisecond: a test attempt gets its listener at the first heartbeat that
 * finds it still running (within 50 ms). A guard that times out sooner is dumped by the `afterEach`
 * check instead, a moment later.
 */

/** A test attempt in flight: the guard running for it now, a hook's or its own. */
interface Turn {
  guard: HangGuard | undefined;
  context: TestContext;
  listening: boolean;
}

/** Keyed by the attempt's signal (a retry has a new one). */
const turns = new Map<AbortSignal, Turn>();
let watching = false;

/** Watches the test's signal for a timeout while `guard` runs; returns what ends its turn. */
export function watchTimeout(guard: HangGuard, context: TestContext | undefined): () => void {
  const signal = context?.signal;
  if (!context || !signal || signal.aborted) return () => {};
  if (!watching) {
    watching = true;
    everyHeartbeat(listenToLongTurns);
  }
  let turn = turns.get(signal);
  if (turn) turn.guard = guard;
  else {
    turn = { guard, context, listening: false };
    turns.set(signal, turn);
  }
  const ended = turn;
  return () => {
    if (ended.guard !== guard) return;
    ended.guard = undefined;
    turns.delete(signal);
  };
}

function listenToLongTurns(): void {
  for (const [signal, turn] of turns) {
    if (turn.listening) continue;
    turn.listening = true;
    signal.addEventListener('abort', () => dumpAtTimeout(signal, turn), { once: true });
  }
}

function dumpAtTimeout(signal: AbortSignal, turn: Turn): void {
  const reason: unknown = signal.reason;
  if (!turn.guard || !(reason instanceof Error) || !/timed out/i.test(reason.message)) return;
  const dump: DumpResult | undefined = turn.guard.dumpNow();
  if (!dump) return;
  explainTimeout(reason, dump);
  annotateDump(turn.context, dump);
}
