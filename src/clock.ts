/**
 * Timing primitives captured when hangdump loads, so that fake timers (Vitest, Jest, sinon) or user code
 * that patches globals can never reach hangdump's own timing. `node:timers` exports are the real
 * functions even when `globalThis.setTimeout` has been replaced.
 */
import { performance } from 'node:perf_hooks';
import { setInterval } from 'node:timers';

const perfNow = performance.now.bind(performance);
const origin = performance.timeOrigin;

/** Milliseconds since this thread's time origin; monotonic. */
export const now: () => number = perfNow;

/** This thread's time origin in epoch milliseconds: another thread maps its clock onto ours with it. */
export const timeOrigin: number = origin;

/** Epoch milliseconds of a reading of `now()`. */
export function toEpoch(ms: number, base: number = origin): number {
  return base + ms;
}

export { setInterval };
