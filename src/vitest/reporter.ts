/**
 * hangdump's Vitest reporter (added by the plugin, or `reporters: ['default', 'hangdump/vitest/reporter']`):
 * fails the tests whose worker it ended after a BLOCKED dump, and after the summary, one line per dump
 * written during the run, and what ended a worker.
 */
import type { Reporter, TestModule, TestSpecification, Vitest } from 'vitest/node';
import { relativePath } from '../dump/paths.js';
import { runDumps, summarizeRun } from '../report/index.js';
import { failBlockedTests } from './blocked-failure.js';
import { LEFTOVER_TESTS_META, LEFTOVERS_META, OPEN_AT_END_META, type OpenHandle } from './options.js';

/** Options of the reporter. */
export interface HangdumpReporterOptions {
  /** The dump directory; `HANGDUMP_DIR` wins. @default '.hangdump' */
  dir?: string;
  /** Epoch milliseconds from which dumps belong to this run. @default when the reporter starts */
  startedAt?: number;
}

export default class HangdumpReporter implements Reporter {
  #vitest: Vitest | undefined;
  readonly #options: HangdumpReporterOptions;
  #startedAt: number;
  /** The files this run was to run. */
  #planned: string[] = [];

  constructor(options: HangdumpReporterOptions = {}) {
    this.#options = options;
    this.#startedAt = options.startedAt ?? Date.now();
  }

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onTestRunStart(specifications: ReadonlyArray<TestSpecification> = []): void {
    // In watch mode each run lists its own dumps only.
    if (this.#options.startedAt === undefined || this.#vitest?.config.watch) this.#startedAt = Date.now();
    this.#planned = specifications.map((specification) => specification.moduleId);
  }

  /**
   * The plugin puts this reporter first: the tests of ended workers are failed before the other
   * reporters print the run, and hangdump's own lines wait until they have.
   */
  async onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): Promise<void> {
    const vitest = this.#vitest;
    if (!vitest) return;
    const root = vitest.config.root;
    const log = (line: string) => vitest.logger.log(line);
    const dumps = runDumps(this.#options.dir, this.#startedAt);
    const ended = failBlockedTests(modules, dumps);
    await new Promise((resolve) => setImmediate(resolve));
    summarizeRun(dumps, root, log);
    reportLeftovers(modules, log);
    reportOpenAtEnd(modules, log);
    const crashed = errors.some((e) => /exited unexpectedly/i.test(messages(e)));
    if (crashed && ended.length > 0) {
      const files = [...new Set(ended.map((d) => d.dump.label.split(' > ')[0]))].join(', ');
      log(
        `hangdump: "Worker exited unexpectedly" above: hangdump ended the worker running ${files} after its BLOCKED dump.`,
      );
      reportNotRun(this.#planned, modules, log);
    }
  }
}

/**
 * The files of the run that never started: a worker that runs several files in turn (a vm pool, or
 * `isolate: false`, with one worker: Vitest hands it all the files at once) takes those it had not
 * reached with it when it is ended, and Vitest reports them nowhere.
 */
function reportNotRun(
  planned: readonly string[],
  modules: ReadonlyArray<TestModule>,
  log: (line: string) => void,
): void {
  const ran = new Set(modules.map((module) => module.moduleId));
  const notRun = [...new Set(planned)].filter((file) => !ran.has(file));
  if (notRun.length === 0) return;
  const count = `${notRun.length} test file${notRun.length === 1 ? '' : 's'}`;
  log(
    `hangdump: ${count} did not run, as the ended worker was to run ${notRun.length === 1 ? 'it' : 'them'} next: ${notRun.map((file) => relativePath(file, process.cwd())).join(', ')}. Run ${notRun.length === 1 ? 'it' : 'them'} again once the hang is fixed (or with a pool that gives each file a worker of its own, such as 'forks').`,
  );
}

/** An error's message and its causes' messages. */
function messages(error: unknown): string {
  const parts: string[] = [];
  for (
    let e = error as { message?: unknown; cause?: unknown } | undefined;
    e && parts.length < 5;
    e = e.cause as typeof e
  ) {
    parts.push(String(e.message));
  }
  return parts.join('\n');
}

/** Per file, what passing tests left open (with the plugin's `leftovers` option). */
function reportLeftovers(modules: ReadonlyArray<TestModule>, log: (line: string) => void): void {
  for (const module of modules) {
    if (!metaOf(module)?.[LEFTOVER_TESTS_META]) continue;
    const lines: string[] = [];
    for (const test of module.children.allTests()) {
      const open = (test.meta() as Record<string, unknown>)[LEFTOVERS_META] as
        | { type: string; description: string }[]
        | undefined;
      for (const resource of open ?? [])
        lines.push(`  ${test.fullName}: ${resource.type} ${resource.description}`.trimEnd());
    }
    if (lines.length === 0) continue;
    log('');
    log(`hangdump: passing tests in ${fileOf(module)} left open (the seed of a later hang):`);
    for (const line of lines) log(line);
  }
}

/** Per file, what it still held open after its last `afterAll`, and where each was created. */
function reportOpenAtEnd(modules: ReadonlyArray<TestModule>, log: (line: string) => void): void {
  for (const module of modules) {
    const open = metaOf(module)?.[OPEN_AT_END_META] as OpenHandle[] | undefined;
    if (!open?.length) continue;
    log('');
    log(
      `hangdump: ${fileOf(module)} still holds ${open.length} handle${open.length === 1 ? '' : 's'} open after its last afterAll (each keeps a worker's event loop alive):`,
    );
    for (const { type, description, createdAt } of open) {
      log(`  ${type} ${description}`.trimEnd() + (createdAt ? `, created at ${createdAt}` : ''));
    }
  }
}

/** A file's `meta`, which its worker sends with its results. */
function metaOf(module: TestModule): Record<string, unknown> | undefined {
  return (module.meta?.() ?? (module as unknown as { task?: { meta?: object } }).task?.meta) as
    | Record<string, unknown>
    | undefined;
}

function fileOf(module: TestModule): string {
  return module.moduleId ? relativePath(module.moduleId, process.cwd()) : 'a file';
}
