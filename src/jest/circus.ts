/**
 * What hangdump reads of jest-circus's own objects (the same in Jest 29 and 30): the shapes of the
 * events a test environment receives, and the names and timeouts circus gives tests and hooks.
 */
import { relativePath } from '../dump/paths.js';

/** A describe block; the root one is circus's own and has no parent. */
export interface DescribeBlock {
  name: string;
  parent?: DescribeBlock;
  children: (DescribeBlock | TestEntry)[];
}

/** circus keeps, on each test and hook, the error it captured where the test or hook was defined. */
interface Defined {
  asyncError: object;
}

export interface TestEntry extends Defined {
  type: 'test';
  name: string;
  parent: DescribeBlock;
  fn: (...args: never[]) => unknown;
  /** The per-test timeout argument; 0 or undefined when the test has none. */
  timeout?: number;
  errors: unknown[];
}

export type HookType = 'beforeAll' | 'beforeEach' | 'afterEach' | 'afterAll';

export interface Hook extends Defined {
  type: HookType;
  parent: DescribeBlock;
  fn: (...args: never[]) => unknown;
  timeout?: number;
}

/** circus's state, as handed to `handleTestEvent`. */
export interface CircusState {
  /** `testTimeout`, or `jest.setTimeout`'s value from the start of the run. */
  testTimeout: number;
  currentlyRunningTest: TestEntry | null;
  unhandledErrors: unknown[];
}

/** The events hangdump acts on; circus sends others too. */
export type CircusEvent =
  | ({ name: 'add_test' | 'add_hook' } & Defined)
  | { name: 'test_fn_start' | 'test_fn_success'; test: TestEntry }
  | { name: 'test_fn_failure'; test: TestEntry; error: unknown }
  | { name: 'hook_start'; hook: Hook }
  | { name: 'hook_success'; hook: Hook }
  | {
      name: 'hook_failure';
      hook: Hook;
      error: unknown;
      test?: TestEntry;
      describeBlock?: DescribeBlock;
    }
  | { name: 'test_done' | 'run_finish' | 'teardown' };

/** The test file being run, and the project's rootDir that labels are relative to. */
export interface TestFile {
  path: string;
  rootDir: string;
}

/** The budget circus gives a test or a hook: its own timeout, else the run's. */
export function timeoutOf(block: TestEntry | Hook, state: CircusState): number {
  return block.timeout || state.testTimeout;
}

/**
 * A test's label: the file (relative to the project's rootDir), then the describe blocks and the
 * test, joined with ' > ', as hangdump's Vitest plugin names them. The file comes first so that a
 * dump names its file even when the worker that wrote it was ended.
 */
export function testLabel(test: TestEntry, file: TestFile): string {
  return `${blockPath(test.parent, file)} > ${test.name}`;
}

/**
 * A hook's label: a `beforeEach`/`afterEach` is named for the test it runs for, a `beforeAll`/
 * `afterAll` for its describe block; the kind follows in brackets.
 */
export function hookLabel(hook: Hook, test: TestEntry | null, file: TestFile): string {
  const owner =
    test && (hook.type === 'beforeEach' || hook.type === 'afterEach')
      ? testLabel(test, file)
      : blockPath(hook.parent, file);
  return `${owner} [${hook.type}]`;
}

/** Every test in a describe block and its descendants. */
export function testsUnder(block: DescribeBlock): TestEntry[] {
  return block.children.flatMap((child) =>
    'type' in child && child.type === 'test' ? [child] : testsUnder(child as DescribeBlock),
  );
}

/** Labels are made twice per test: each describe block's part is made once. */
const blockPaths = new WeakMap<DescribeBlock, string>();

/** `file > describe > describe`: the root block (circus's ROOT_DESCRIBE_BLOCK, without a parent) is the file. */
function blockPath(block: DescribeBlock | undefined, file: TestFile): string {
  if (!block) return relativePath(file.path, file.rootDir);
  let known = blockPaths.get(block);
  if (known === undefined) {
    known = block.parent
      ? `${blockPath(block.parent, file)} > ${block.name}`
      : relativePath(file.path, file.rootDir);
    blockPaths.set(block, known);
  }
  return known;
}
