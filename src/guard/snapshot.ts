import type { GuardedSnapshot } from '../dump/build.js';
import { runtimeView } from '../resources/runtime-view.js';
import { snapshotResources } from '../resources/snapshot.js';
import { type CapturedStack, readFrames } from '../stack/capture.js';
import { processFacts } from './facts.js';

/** What the guarded thread tells about itself at a dump: where the guard was set, resources, process. */
export function takeSnapshot(
  guard: { id: number; site: CapturedStack | undefined; promises?: boolean } | undefined,
  shared: Omit<GuardedSnapshot, 'site' | 'guardId' | 'promises'> = sharedSnapshot(guard ? [guard.id] : []),
): GuardedSnapshot {
  const promises = guard?.promises ? runtimeView().pendingPromisesOf(guard.id) : undefined;
  return {
    ...shared,
    ...(guard ? { guardId: guard.id } : {}),
    site: guard?.site ? readFrames(guard.site) : [],
    ...(promises ? { promises } : {}),
  };
}

/** The part of a snapshot that is the same for every guard (of `guardIds`) dumped at one moment. */
export function sharedSnapshot(
  guardIds: readonly number[],
): Omit<GuardedSnapshot, 'site' | 'guardId' | 'promises'> {
  return { resources: snapshotResources(new Set(guardIds)), process: processFacts() };
}
