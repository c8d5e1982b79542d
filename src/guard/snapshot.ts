import type { GuardedSnapshot } from '../dump/build.js';
import type { ProcessFacts } from '../dump/model.js';
import { pendingPromisesOf } from '../resources/promises.js';
import { snapshotResources } from '../resources/snapshot.js';
import { type CapturedStack, readFrames } from '../stack/capture.js';
import { threadId } from '../thread.js';

/** What the guarded thread tells about itself at a dump: where the guard was set, resources, process. */
export function takeSnapshot(
  guard: { id: number; site: CapturedStack | undefined; promises?: boolean } | undefined,
  shared: Omit<GuardedSnapshot, 'site' | 'guardId' | 'promises'> = sharedSnapshot(guard ? [guard.id] : []),
): GuardedSnapshot {
  const promises = guard?.promises ? pendingPromisesOf(guard.id) : undefined;
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

/** Facts about this process. Environment variables are consulted by name only, never copied. */
export function processFacts(): ProcessFacts {
  return {
    pid: process.pid,
    threadId,
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    argv: [...process.argv],
    execArgv: [...process.execArgv],
    cwd: process.cwd(),
    ...runner(),
  };
}

function runner(): { runner?: string } {
  const env = process.env;
  if (env.VITEST !== undefined) return { runner: 'vitest' };
  if (env.JEST_WORKER_ID !== undefined) return { runner: 'jest' };
  if (env.NODE_TEST_CONTEXT !== undefined) return { runner: 'node:test' };
  return {};
}
