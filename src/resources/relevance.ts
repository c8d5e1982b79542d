/** What puts a live handle first in a dump: the same order wherever handles are ranked. */
export interface Relevance {
  /** Created while the dumped guard was the current one. */
  duringGuard: boolean;
  /** Created by the user's code (or, before stacks are mapped, by code hangdump recorded at all). */
  fromUser: boolean;
  /** Whether it keeps the event loop alive; undefined when unknown (counted as ref'd). */
  ref: boolean | undefined;
}

/** A handle's relevance score: higher comes first. */
export function relevance({ duringGuard, fromUser, ref }: Relevance): number {
  return (duringGuard ? 4 : 0) + (fromUser ? 2 : 0) + (ref === false ? 0 : 1);
}
