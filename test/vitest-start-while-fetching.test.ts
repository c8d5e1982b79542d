import { setTimeout as sleep } from 'node:timers/promises';
import { expect, test } from 'vitest';
import { startWhileFetching } from '../src/vitest/start-while-fetching.js';

type ImportFile = (filepath: string, source: string) => Promise<string>;

/** A runner prototype whose `importFile` answers after `fetchMs` (the main process transforming the file), logging it. */
function runnerPrototype(log: string[], fetchMs: number): { importFile: ImportFile } {
  return {
    async importFile(filepath, source) {
      if (fetchMs > 0) await sleep(fetchMs);
      log.push(`imported ${filepath} (${source})`);
      return `module ${filepath}`;
    },
  };
}

/** A start that logs when it begins and ends, a turn of the event loop later (as Vitest 3.2's would). */
function loggedStart(log: string[], name = 'start'): () => Promise<void> {
  return async () => {
    log.push(`${name} begins`);
    await new Promise((resolve) => setImmediate(resolve));
    log.push(`${name} ends`);
  };
}

test('hangdump starts while the worker waits for its test file, once', async () => {
  const log: string[] = [];
  const prototype = runnerPrototype(log, 30);
  let starts = 0;
  const start = loggedStart(log);
  expect(
    startWhileFetching(prototype, () => {
      starts++;
      return start();
    }),
  ).toBe(true);
  // Vitest asks for the file in the same turn as the setup file ran.
  await expect(prototype.importFile('a.test.ts', 'collect')).resolves.toBe('module a.test.ts');
  expect(log).toEqual(['start begins', 'start ends', 'imported a.test.ts (collect)']);
  expect(starts).toBe(1);
});

test('a file imported before the start had its turn is collected only once the start has ended', async () => {
  const log: string[] = [];
  const prototype = runnerPrototype(log, 0);
  let starts = 0;
  const start = loggedStart(log);
  startWhileFetching(prototype, () => {
    starts++;
    return start();
  });
  await expect(prototype.importFile('a.test.ts', 'collect')).resolves.toBe('module a.test.ts');
  expect(log).toEqual(['imported a.test.ts (collect)', 'start begins', 'start ends']);
  // The start's own turn comes later, and starts nothing again.
  await new Promise((resolve) => setImmediate(resolve));
  expect(starts).toBe(1);
});

test('setup files are imported untouched, and a later file of the same worker runs its own start', async () => {
  const log: string[] = [];
  const prototype = runnerPrototype(log, 0);
  startWhileFetching(prototype, loggedStart(log, 'first'));
  const wrapped = prototype.importFile;
  await prototype.importFile('setup.ts', 'setup');
  expect(log).toEqual(['imported setup.ts (setup)']);
  await prototype.importFile('a.test.ts', 'collect');
  // `isolate: false`: the setup file runs again for the next file, which wraps nothing twice.
  startWhileFetching(prototype, loggedStart(log, 'second'));
  expect(prototype.importFile).toBe(wrapped);
  log.length = 0;
  await prototype.importFile('b.test.ts', 'collect');
  expect(log).toEqual(['imported b.test.ts (collect)', 'second begins', 'second ends']);
});

test('a start that fails fails the import of the test file, as a failing setup file would, and nothing else', async () => {
  const prototype = runnerPrototype([], 30);
  startWhileFetching(prototype, () => Promise.reject(new Error('no engine')));
  // Rejected in its own turn first: no unhandled rejection (Vitest would report one as an error).
  await expect(prototype.importFile('a.test.ts', 'collect')).rejects.toThrow('no engine');
});

test('a start that throws fails the import of the test file too, and throws nowhere else', async () => {
  const prototype = runnerPrototype([], 30);
  startWhileFetching(prototype, () => {
    throw new Error('the engine cannot load');
  });
  await expect(prototype.importFile('a.test.ts', 'collect')).rejects.toThrow('the engine cannot load');
});

test('a runner without importFile is not wrapped: the caller starts at once', () => {
  expect(startWhileFetching({}, () => Promise.resolve())).toBe(false);
});
