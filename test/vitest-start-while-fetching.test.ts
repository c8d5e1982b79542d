import { setTimeout as sleep } from 'node:timers/promises';
import { expect, test } from 'vitest';
import { startWhileFetching } from '../src/vitest/start-while-fetching.js';

interface Runner {
  moduleRunner?: { transport: { invoke(name: string): Promise<void> } };
}

type ImportFile = (this: Runner, filepath: string, source: string) => Promise<string>;

/**
 * A runner, and its prototype, whose `importFile` asks its module runner's transport for the file
 * (as Vite's module runner does) and answers `fetchMs` later (the main process transforming the
 * file), logging each step. Without `transport`, a runner whose module runner has none.
 */
function fakeRunner(log: string[], fetchMs: number, transport = true) {
  const prototype: { importFile: ImportFile } = {
    async importFile(this: Runner, filepath, source) {
      // Vitest resolves the file first, then fetches it: only the fetch starts hangdump.
      await this.moduleRunner?.transport.invoke('resolveId');
      // The main process answers the resolution in a later turn.
      if (fetchMs > 0) await sleep(1);
      await this.moduleRunner?.transport.invoke('fetchModule');
      if (fetchMs > 0) await sleep(fetchMs);
      log.push(`imported ${filepath} (${source})`);
      return `module ${filepath}`;
    },
  };
  const runner: Runner = Object.create(prototype);
  if (transport) {
    runner.moduleRunner = {
      transport: {
        async invoke(name) {
          log.push(`asked for ${name}`);
        },
      },
    };
  }
  const importFile = (filepath: string, source: string): Promise<string> =>
    prototype.importFile.call(runner, filepath, source);
  return { prototype, importFile };
}

/** A start that logs when it begins and ends, a turn of the event loop later (as Vitest 3.2's would). */
function loggedStart(log: string[], name = 'start'): () => Promise<void> {
  return async () => {
    log.push(`${name} begins`);
    await new Promise((resolve) => setImmediate(resolve));
    log.push(`${name} ends`);
  };
}

test('hangdump starts once the test file is asked for, while the main process prepares it, once', async () => {
  const log: string[] = [];
  const { prototype, importFile } = fakeRunner(log, 30);
  let starts = 0;
  const start = loggedStart(log);
  expect(
    startWhileFetching(prototype, () => {
      starts++;
      return start();
    }),
  ).toBe(true);
  await expect(importFile('a.test.ts', 'collect')).resolves.toBe('module a.test.ts');
  expect(log).toEqual([
    'asked for resolveId',
    'asked for fetchModule',
    'start begins',
    'start ends',
    'imported a.test.ts (collect)',
  ]);
  expect(starts).toBe(1);
});

test('a module runner without a transport: hangdump starts in the turn after the file is asked for', async () => {
  const log: string[] = [];
  const { prototype, importFile } = fakeRunner(log, 30, false);
  startWhileFetching(prototype, loggedStart(log));
  await importFile('a.test.ts', 'collect');
  expect(log).toEqual(['start begins', 'start ends', 'imported a.test.ts (collect)']);
});

test('a file imported before the start had its turn resolves only once the start has ended', async () => {
  const log: string[] = [];
  const { prototype, importFile } = fakeRunner(log, 0, false);
  let starts = 0;
  const start = loggedStart(log);
  startWhileFetching(prototype, () => {
    starts++;
    return start();
  });
  await expect(importFile('a.test.ts', 'collect')).resolves.toBe('module a.test.ts');
  expect(log).toEqual(['imported a.test.ts (collect)', 'start begins', 'start ends']);
  // The start's own turn comes later, and starts nothing again.
  await new Promise((resolve) => setImmediate(resolve));
  expect(starts).toBe(1);
});

test('a setup file of the project after hangdump’s is imported while hangdump starts; later imports are untouched', async () => {
  const log: string[] = [];
  const { prototype, importFile } = fakeRunner(log, 30);
  startWhileFetching(prototype, loggedStart(log));
  await importFile('setup.ts', 'setup');
  await importFile('a.test.ts', 'collect');
  expect(log).toEqual([
    'asked for resolveId',
    'asked for fetchModule',
    'start begins',
    'start ends',
    'imported setup.ts (setup)',
    'asked for resolveId',
    'asked for fetchModule',
    'imported a.test.ts (collect)',
  ]);
});

test('a later file of the same worker runs its own start, and the runner is wrapped once', async () => {
  const log: string[] = [];
  const { prototype, importFile } = fakeRunner(log, 0, false);
  startWhileFetching(prototype, loggedStart(log, 'first'));
  const wrapped = prototype.importFile;
  await importFile('a.test.ts', 'collect');
  // `isolate: false`: the setup file runs again for the next file.
  startWhileFetching(prototype, loggedStart(log, 'second'));
  expect(prototype.importFile).toBe(wrapped);
  log.length = 0;
  await importFile('b.test.ts', 'collect');
  expect(log).toEqual(['imported b.test.ts (collect)', 'second begins', 'second ends']);
});

test('a start that fails fails the import of the test file, as a failing setup file would, and nothing else', async () => {
  const { prototype, importFile } = fakeRunner([], 30);
  startWhileFetching(prototype, () => Promise.reject(new Error('no engine')));
  // Rejected in its own turn first: no unhandled rejection (Vitest would report one as an error).
  await expect(importFile('a.test.ts', 'collect')).rejects.toThrow('no engine');
});

test('a start that throws fails the import of the test file too, and throws nowhere else', async () => {
  const { prototype, importFile } = fakeRunner([], 30);
  startWhileFetching(prototype, () => {
    throw new Error('the engine cannot load');
  });
  await expect(importFile('a.test.ts', 'collect')).rejects.toThrow('the engine cannot load');
});

test('the preload starts at the first import of each file: its first setup file, or the file itself', async () => {
  const log: string[] = [];
  const { prototype, importFile } = fakeRunner(log, 0, false);
  let starts = 0;
  startWhileFetching(
    prototype,
    () => {
      starts++;
      return loggedStart(log, `start ${starts}`)();
    },
    { eachFile: true },
  );
  // One worker, several files (`isolate: false`): two setup files before the first, none before the next.
  await importFile('setup-a.ts', 'setup');
  await importFile('setup-b.ts', 'setup');
  await importFile('a.test.ts', 'collect');
  await importFile('b.test.ts', 'collect');
  expect(log).toEqual([
    'imported setup-a.ts (setup)',
    'start 1 begins',
    'start 1 ends',
    'imported setup-b.ts (setup)',
    'imported a.test.ts (collect)',
    'imported b.test.ts (collect)',
    'start 2 begins',
    'start 2 ends',
  ]);
  expect(starts).toBe(2);
});

test('a runner without importFile is not wrapped: the caller starts at once', () => {
  expect(startWhileFetching({}, () => Promise.resolve())).toBe(false);
  expect(startWhileFetching({}, () => Promise.resolve(), { eachFile: true })).toBe(false);
});
