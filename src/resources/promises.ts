import { type CapturedStack, captureStack, readFrames } from '../stack/capture.js';
import { isNodeInternal, isOwnCode, isUserCode, type RawFrame } from '../stack/frame.js';

/**
 * Pending promises, for guards armed with `promises: true`. V8's promise hooks announce each promise
 * as it is created (for an `await`, with the awaiting function on the stack, suspended at the await)
 * and as it settles. A stack is captured at each creation (a few microseconds: the cost of this
 * option, paid by every promise created while such a guard is armed) and dropped when the promise
 * settles. The hooks are on only while such a guard is armed.
 */

/** A promise created while a guard watching promises was armed, and not settled since. */
interface Pending {
  stack: CapturedStack;
  /** The id of the innermost guard armed at its creation. */
  guard: number | undefined;
  /** Derived from another promise: an `await`'s, or `.then()`'s. */
  derived: boolean;
}

/** A pending promise as a snapshot gives it. */
export interface PendingPromise {
  /** Where it was created, innermost first; for an `await`, the awaiting function at the await. */
  createdAt: RawFrame[];
  /** Derived from another promise (an `await`, `.then()`), rather than made (`new Promise`, an async function's own). */
  derived: boolean;
}

/** The pending promises of one guard. */
export interface PendingPromises {
  /** How many of this guard's promises were pending (of the most recent {@link PENDING_LIMIT} on the thread). */
  count: number;
  /** The most recent ones created in user code, most recent first, at most {@link PENDING_SHOWN}. */
  pending: PendingPromise[];
}

/**
 * At most this many pending promises are remembered on a thread, the oldest forgotten first. Each is
 * held (a Map: several times cheaper per promise than a WeakMap) until it settles, is forgotten, or
 * the last guard watching promises is disarmed. Held on purpose: the promise nobody can resolve any
 * more is garbage to V8, and exactly what the dump must still show.
 */
export const PENDING_LIMIT = 1000;
/** A snapshot gives at most this many of a guard's pending promises. */
export const PENDING_SHOWN = 20;

/** Insertion order is creation order: the first entry is the oldest. */
const pending = new Map<object, Pending>();
let watchers = 0;
let stop: (() => void) | undefined;
let currentGuard: () => number | undefined = () => undefined;

/** Starts watching promises for one more guard; `guard` names the guard armed at each creation. */
export function watchPromises(guard: () => number | undefined): void {
  currentGuard = guard;
  if (watchers++ === 0) {
    // Loaded at the first use: node:v8 takes ~2 ms to load, which processes not tracking promises skip.
    const { promiseHooks } = process.getBuiltinModule('node:v8');
    stop = promiseHooks.createHook({ init: onInit, settled: onSettled }) as () => void;
  }
}

/** A guard watching promises was disarmed: the last one turns the hooks off and forgets them all. */
export function unwatchPromises(): void {
  if (watchers === 0 || --watchers > 0) return;
  stop?.();
  stop = undefined;
  pending.clear();
}

function onInit(promise: Promise<unknown>, parent: Promise<unknown> | undefined): void {
  try {
    pending.set(promise, {
      stack: captureStack(onInit),
      guard: currentGuard(),
      derived: parent !== undefined,
    });
    if (pending.size > PENDING_LIMIT) pending.delete(pending.keys().next().value as object);
  } catch {
    // A frozen `Error` (a hardened realm): this promise goes untracked, the user's code never notices.
  }
}

function onSettled(promise: Promise<unknown>): void {
  pending.delete(promise);
}

/** Node's own dispatcher, on the stack when more than one promise hook is on (Jest 30 has one). */
const DISPATCHER = 'node:internal/promise_hooks';

function withoutDispatcher(frames: RawFrame[]): RawFrame[] {
  const start = frames.findIndex((frame) => frame.url !== DISPATCHER);
  return start <= 0 ? frames : frames.slice(start);
}

/** The pending promises created while guard `guardId` was the current one; undefined when none is watched. */
export function pendingPromisesOf(guardId: number): PendingPromises | undefined {
  if (!stop) return undefined;
  const mine = [...pending.values()].filter((record) => record.guard === guardId);
  const shown: PendingPromise[] = [];
  for (let i = mine.length - 1; i >= 0 && shown.length < PENDING_SHOWN; i--) {
    const { stack, derived } = mine[i] as Pending;
    const createdAt = withoutDispatcher(readFrames(stack));
    // A runner's, a library's or hangdump's own promises (the `.then()` that disarms a guard) say
    // nothing of the test.
    const maker = createdAt.find((frame) => !isNodeInternal(frame.url));
    if (maker && !isOwnCode(maker.url) && createdAt.some((frame) => isUserCode(frame.url))) {
      shown.push({ createdAt, derived });
    }
  }
  return { count: mine.length, pending: shown };
}
