import type { RunnerTestFile } from 'vitest';
import { dumpWriter, threadSnapshots } from '../guard/lazy.js';
import { mayHaveOpenCreations } from '../resources/tracker.js';
import { OPEN_AT_END_META, type OpenHandle } from './options.js';

/**
 * After the file's last `afterAll`: what its code opened and still holds open, with where each was
 * created, into the file's meta for the reporter. A ref'd handle keeps a worker's event loop alive,
 * which Vitest's main process (`hanging-process`) sees only as a worker that does not end. One look at
 * the live handles; source maps are read only when something is left open.
 */
export function recordOpenAtEnd(file: RunnerTestFile): void {
  if (!mayHaveOpenCreations()) return;
  const open = threadSnapshots.load()?.openCreatedHandles() ?? [];
  if (open.length === 0) return;
  const positions = dumpWriter.load()?.userPositions(open.map((handle) => handle.createdAt ?? [])) ?? [];
  (file.meta as Record<string, unknown>)[OPEN_AT_END_META] = open.map(
    ({ type, description }, index): OpenHandle => {
      const createdAt = positions[index];
      return { type, description, ...(createdAt ? { createdAt } : {}) };
    },
  );
}
