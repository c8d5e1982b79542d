import type { RunnerTestFile } from 'vitest';
import { waitingDumpWriter } from '../guard/lazy.js';
import { openCreatedHandles } from '../resources/snapshot.js';
import { OPEN_AT_END_META, type OpenHandle } from './options.js';

/**
 * After the file's last `afterAll`: what its code opened and still holds open, with where each was
 * created, into the file's meta for the reporter. A ref'd handle keeps a worker's event loop alive,
 * which Vitest's main process (`hanging-process`) sees only as a worker that does not end. One look at
 * the live handles; source maps are read only when something is left open.
 */
export function recordOpenAtEnd(file: RunnerTestFile): void {
  const open = openCreatedHandles();
  if (open.length === 0) return;
  const positions = waitingDumpWriter()?.userPositions(open.map((handle) => handle.createdAt ?? [])) ?? [];
  (file.meta as Record<string, unknown>)[OPEN_AT_END_META] = open.map(
    ({ type, description }, index): OpenHandle => {
      const createdAt = positions[index];
      return { type, description, ...(createdAt ? { createdAt } : {}) };
    },
  );
}
