import type { DumpResult } from '../dump/result.js';
import type { HangGuard } from '../guard/api.js';
import { everyHeartbeat } from '../guard/runtime.js';
import { removeLatest } from '../latest.js';
import { annotateDump, type TestContext } from './annotate.js';
import { explainTimeout, isTimeout } from './timeout-message.js';

/**
 * Where Vitest runs a test's function itself (3.2, 4.0, a runner of a project's own), hangdump sees
 * the test's timeout through the test's signal, which Vitest aborts at that moment, before `afterEach`
 * cleans up: the WAITING dump of the guard running then is taken right then, its place is added to
 * Vitest's own timeout error, and the dump is attached to the test. A listener costs more than the
 * rest of arming, and most tests end within a millisecond: a test attempt (its signal) gets its
 * listener at the first heartbeat that finds its guard still running (within 50 ms). A guard that
 * times out sooner is dumped by the `afterEach` check instead, a moment later. Hooks are dumped at
 * the rejection Vitest gives their call at the timeout (see `dumpOnTimeoutError`), and test functions
 * run through hangdump's `runTask` at theirs (see run-task.ts).
 */

/** A test attempt's guard. */
interface Turn {
  guard: HangGuard;
  context: TestContext & { signal: AbortSignal };
}

/** The turns in flight, oldest first: one, or a few with `test.concurrent`. */
const turns: Turn[] = [];
/** Signals given a listener already. */
const listened = new WeakSet<AbortSignal>();
let watching = false;

const nothingToEnd = (): void => {};

/** Watches the test's signal for a timeout while `guard` runs; returns what ends its turn. */
export function watchTimeout(guard: HangGuard, context: TestContext | undefined): () => void {
  // Not `signal.aborted`: a test's signal combines several (`AbortSignal.any`), and reading it costs
  // as much as the rest of this function; a signal aborted already never calls its listener, harmlessly.
  if (!context?.signal) return nothingToEnd;
  if (!watching) {
    watching = true;
    everyHeartbeat(listenToLongTurns);
  }
  const turn: Turn = { guard, context: context as Turn['context'] };
  turns.push(turn);
  return () => removeLatest(turns, turn);
}

function listenToLongTurns(): void {
  for (const { context } of turns) {
    const signal = context.signal;
    if (listened.has(signal)) continue;
    listened.add(signal);
    signal.addEventListener('abort', () => dumpAtTimeout(signal), { once: true });
  }
}

function dumpAtTimeout(signal: AbortSignal): void {
  const turn = turns.findLast((running) => running.context.signal === signal);
  if (turn) dumpOnTimeoutError(turn.guard, signal.reason, turn.context);
}

/**
 * At the runner's timeout error, the guard's WAITING dump (see `reportDump`). From a test's signal,
 * and from the rejection Vitest gives a hook's call at its timeout: every timeout of a hook is met
 * there, a test's signal tells of its first timeout alone.
 */
export function dumpOnTimeoutError(guard: HangGuard, error: unknown, context: TestContext | undefined): void {
  if (error instanceof Error && isTimeout(error)) reportDump(guard, error, context);
}

/**
 * A guard's dump as its turn ends: at the runner's timeout (`timeout`, its error) the WAITING dump is
 * taken now, unless the heartbeat took it first, and gets its line in the error; a dump is attached
 * to the test (once: see `annotateDump`). Returns the attachment's promise, if one was sent.
 */
export function reportDump(
  guard: HangGuard,
  timeout: { message: string; stack?: string } | undefined,
  context: TestContext | undefined,
): Promise<void> | undefined {
  const dump: DumpResult | undefined = timeout ? guard.dumpNow() : guard.dump;
  if (!dump) return undefined;
  if (timeout) explainTimeout(timeout, dump);
  return annotateDump(context, dump);
}
