import type { RunnerTestCase, RunnerTestFile, RunnerTestSuite } from 'vitest';

/** The kinds of hook hangdump guards. */
export type HookKind =
  | 'beforeAll'
  | 'beforeEach'
  | 'afterEach'
  | 'afterAll'
  | 'onTestFinished'
  | 'onTestFailed';

type Task = RunnerTestCase | RunnerTestSuite | RunnerTestFile;

/**
 * A test's label: the file, the describe blocks and the test, as Vitest's reporters write them,
 * and which retry or repeat this is. The file comes first so that a dump names its file even when
 * the worker that wrote it was ended.
 */
export function testLabel(test: RunnerTestCase): string {
  const retry = test.result?.retryCount ? ` (retry ${test.result.retryCount})` : '';
  const repeat = test.result?.repeatCount ? ` (repeat ${test.result.repeatCount})` : '';
  return `${path(test)}${retry}${repeat}`;
}

/** A hook's label: the suite (or the test it runs for) and the hook's kind. */
export function hookLabel(kind: HookKind, owner: RunnerTestSuite | RunnerTestFile | RunnerTestCase): string {
  const base = owner.type === 'test' ? testLabel(owner) : path(owner);
  return `${base} [${kind}]`;
}

/** Each task's path, built once: a test's is asked for by each of its hooks, at every run. */
const paths = new WeakMap<Task, string>();
/** The task asked for last, and its path: its hook's label and its own are asked for in turn. */
let lastTask: Task | undefined;
let lastPath = '';

function path(task: Task): string {
  if (task === lastTask) return lastPath;
  let known = paths.get(task);
  if (known === undefined) {
    const parent = parentOf(task);
    known = parent ? `${path(parent)} > ${task.name}` : task.name;
    paths.set(task, known);
  }
  lastTask = task;
  lastPath = known;
  return known;
}

function parentOf(task: Task): Task | undefined {
  if (task.type === 'suite' && 'filepath' in task) return undefined;
  return task.suite ?? task.file;
}
