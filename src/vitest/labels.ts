import type { RunnerTestCase, RunnerTestFile, RunnerTestSuite } from 'vitest';
import { type LabelPart, labelPart, NO_PART } from '../watchdog/label-part.js';

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

/*
 * A guard's label names a test (`file > describe > test`, and which retry or repeat this is), or a
 * hook (that of its suite, or of the test it runs for, then ` [beforeEach]`), as Vitest's reporters
 * write names. The file comes first so that a dump names its file even when the worker that wrote it
 * was ended. A step is armed with its label in three parts (see `DeadlineTable.arm`): the path of a
 * test's suite and ` > ` (or a suite's own path) and the hook's kind, each encoded once, and the
 * test's name, a string (new at each test).
 */

/** Each hook kind's part of a label: one part per kind, which a slot recognizes as the one it holds. */
const STEPS = Object.fromEntries(HOOK_KINDS.map((kind) => [kind, labelPart(` [${kind}]`)])) as Record<
  HookKind,
  LabelPart
>;

/** The label's first part: the path of a test's suite and ` > `, or a suite's own path. */
export function prefixPart(owner: RunnerTestCase | Suite): LabelPart {
  return owner.type === 'test' ? testsPrefixPart(owner.suite ?? owner.file) : pathPart(owner);
}

/** The label's second part: a test's name and attempt; none for a suite. */
export function namePart(owner: RunnerTestCase | Suite): string {
  return owner.type === 'test' ? attemptName(owner) : '';
}

/** The label's third part: the hook's kind; none for a test's own body. */
export function stepPart(kind: HookKind | undefined): LabelPart {
  return kind === undefined ? NO_PART : STEPS[kind];
}

/** A test's whole label (as its body's guard is named), as text. */
export function testLabel(test: RunnerTestCase): string {
  return `${labelOf(test.suite ?? test.file).prefix}${attemptName(test)}`;
}

function attemptName(test: RunnerTestCase): string {
  const retry = test.result?.retryCount;
  const repeat = test.result?.repeatCount;
  if (!retry && !repeat) return test.name;
  return `${test.name}${retry ? ` (retry ${retry})` : ''}${repeat ? ` (repeat ${repeat})` : ''}`;
}

/** A suite's path, and its tests' prefix (the path and ` > `), as text and, once asked for, encoded. */
interface SuiteLabel {
  path: string;
  prefix: string;
  pathPart?: LabelPart;
  prefixPart?: LabelPart;
}

/** Each suite's label, made once. */
const suiteLabels = new WeakMap<Suite, SuiteLabel>();

function labelOf(suite: Suite): SuiteLabel {
  let label = suiteLabels.get(suite);
  if (label === undefined) {
    const parent = 'filepath' in suite ? undefined : (suite.suite ?? suite.file);
    const path = parent ? `${labelOf(parent).prefix}${suite.name}` : suite.name;
    label = { path, prefix: `${path} > ` };
    suiteLabels.set(suite, label);
  }
  return label;
}

function testsPrefixPart(suite: Suite): LabelPart {
  const label = labelOf(suite);
  label.prefixPart ??= labelPart(label.prefix);
  return label.prefixPart;
}

function pathPart(suite: Suite): LabelPart {
  const label = labelOf(suite);
  label.pathPart ??= labelPart(label.path);
  return label.pathPart;
}
