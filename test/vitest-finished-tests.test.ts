import type { RunnerTestFile } from 'vitest';
import { expect, test } from 'vitest';
import { finishedTestsOf } from '../src/vitest/finished-tests.js';

/** A file's task tree as Vitest's worker holds it: each node links to its suite and its file. */
function fileOf(tree: (file: RunnerTestFile) => object[]): RunnerTestFile {
  const file = {
    type: 'suite',
    name: 'api.test.ts',
    filepath: '/p/api.test.ts',
    tasks: [],
  } as unknown as RunnerTestFile;
  const link = (tasks: object[], suite: object): object[] =>
    tasks.map((task) => {
      const linked = Object.assign(task, { file, suite: suite === file ? undefined : suite }) as {
        tasks?: object[];
      };
      if (linked.tasks) linked.tasks = link(linked.tasks, linked);
      return linked;
    });
  file.tasks = link(tree(file), file) as RunnerTestFile['tasks'];
  return file;
}

const test_ = (name: string, result?: object) => ({ type: 'test', name, ...(result ? { result } : {}) });

test('the tests that passed or were skipped since the given moment, named as dump labels name them', () => {
  const at = 1_000_000;
  const file = fileOf(() => [
    test_('long before', { state: 'pass', startTime: at - 5000, duration: 10 }),
    {
      type: 'suite',
      name: 'client',
      tasks: [
        test_('just before', { state: 'pass', startTime: at - 300, duration: 12.4 }),
        test_('skipped at run time', { state: 'skip', startTime: at - 100, duration: 0 }),
        test_('failed', { state: 'fail', startTime: at - 200, duration: 3 }),
      ],
    },
    test_('skipped by its mode', { state: 'skip' }),
    test_('running', { state: 'run', startTime: at }),
    test_('not started'),
  ]);
  expect(finishedTestsOf(file, at - 1000)).toEqual([
    { name: 'api.test.ts > client > just before', state: 'pass', durationMs: 12 },
    { name: 'api.test.ts > client > skipped at run time', state: 'skip', durationMs: 0 },
  ]);
});

test('a test that ends at the moment given is listed; one that ended before it is not', () => {
  const file = fileOf(() => [
    test_('ends at', { state: 'pass', startTime: 100, duration: 50 }),
    test_('ends before', { state: 'pass', startTime: 100, duration: 49 }),
  ]);
  expect(finishedTestsOf(file, 150).map(({ name }) => name)).toEqual(['api.test.ts > ends at']);
});
