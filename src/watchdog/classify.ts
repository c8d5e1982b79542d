import { BLOCKED_AFTER_MS, FRESH_HEARTBEAT_MS } from './protocol.js';

/** What an expired deadline is: decided from the guarded thread's heartbeat. */
export type Verdict =
  | { class: 'WAITING' }
  | { class: 'BLOCKED'; stalledMs: number }
  /** The loop has not turned lately, but not for long: look again then (a long synchronous step may end). */
  | { recheckAt: number };

/** How long the loop must stall before a guard with this budget is BLOCKED. */
export function blockedAfter(budgetMs: number): number {
  return Math.min(BLOCKED_AFTER_MS, budgetMs);
}

/**
 * Classifies an expired deadline. A fresh heartbeat means the event loop turns (WAITING); a loop
 * stalled for `blockedAfter(budget)` is BLOCKED; in between, the decision waits for either.
 */
export function classify(now: number, lastBeat: number, budgetMs: number): Verdict {
  const stalledMs = now - lastBeat;
  if (stalledMs <= FRESH_HEARTBEAT_MS) return { class: 'WAITING' };
  const limit = blockedAfter(budgetMs);
  if (stalledMs >= limit) return { class: 'BLOCKED', stalledMs };
  return { recheckAt: lastBeat + limit };
}
