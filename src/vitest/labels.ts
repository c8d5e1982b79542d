import type { RunnerTestCase, RunnerTestFile, RunnerTestSuite } from 'vitest';

const HOOK_KINDS = [
  'beforeAll',
  'beforeEach',
  'afterEach',
  'afterAll',
  'onTestFinished',
  'onTestFailed',
] as const;

/** The kinds of hook hangdump guards. */
export type HookKind = (typeof HOOK_KINDS)[number];

type Suite = RunnerTestSuite | RunnerTestFile;

/** Each hook kind's part of a label: one string per kind, which a slot recognizes as the one it holds. */
const STEPS = Object.fromEntries(HOOK_KINDS.map((kind) => [kind, ` [${kind}]`])) as Record<HookKind, string>;

/**
 * The label of a test (`file > describe > test`, and which retry or repeat this is), or of a hook
 * (that of its suite, or of the test it runs for, then ` [beforeEach]`), as Vitest's reporters write
 * names. The file comes first so that a dump names its file even when the worker that wrote it was
 * ended. In three parts, which the deadline table writes apart (see `DeadlineTable.arm`): arming a
 * test's steps builds no string. This is the first: the path of a test's suite and ` > `, or a
 * suite's own path.
 */
export function labelPrefix(owner: RunnerTestCase | Suite): string {
  return owner.type === 'test' ? prefixOf(owner.suite ?? owner.file) : path(owner);
}

/** The label's second part (see `labelPrefix`): a test's name and attempt; none for a suite. */
export function labelName(owner: RunnerTestCase | Suite): string {
  return owner.type === 'test' ? attemptName(owner) : '';
}

/** The label's third part (see `labelPrefix`): the hook's kind; none for a test's own body. */
export function labelStep(kind: HookKind | undefined): string {
  return kind === undefined ? '' : STEPS[kind];
}

function attemptName(test: RunnerTestCase): string {
  const retry = test.result?.retryCount;
  const repeat = test.result?.repeatCount;
  if (!retry && !repeat) return test.name;
  return `${test.name}${retry ? ` (retry ${retry})` : ''}${repeat ? ` (repeat ${repeat})` : ''}`;
}

/** Each suite's path, and its tests' prefix (the path and ` > `), built once. */
const paths = new WeakMap<Suite, string>();
const prefixes = new WeakMap<Suite, string>();

function prefixOf(suite: Suite): string {
  let prefix = prefixes.get(suite);
  if (prefix === undefined) {
    prefix = `${path(suite)} > `;
    prefixes.set(suite, prefix);
  }
  return prefix;
}

function path(suite: Suite): string {
  let known = paths.get(suite);
  if (known === undefined) {
    const parent = 'filepath' in suite ? undefined : (suite.suite ?? suite.file);
    known = parent ? `${prefixOf(parent)}${suite.name}` : suite.name;
    paths.set(suite, known);
  }
  return known;
}
