import path from 'node:path';
import type { RunnerTask, RunnerTestFile } from 'vitest';
import type { TestModule } from 'vitest/node';
import type { ReadDump } from '../dump/read.js';
import { dumpLine } from '../dump/result.js';
import { formatPosition } from '../dump/text.js';

/** A stack frame as Vitest's error printer takes it, already at its original position. */
interface ParsedFrame {
  method: string;
  file: string;
  line: number;
  column: number;
}

/**
 * A worker ended after its BLOCKED dump never reports its test: Vitest knows only that the worker
 * "exited unexpectedly". Gives the test (or the suite, for its `beforeAll`/`afterAll`) that each
 * BLOCKED dump of the run names, when it has no result, a failure that names the dump, with the
 * stuck line as its stack: every reporter that runs after this one then shows the test as failed,
 * at the line where it was stuck. The tests of the file that finished just before, whose results
 * the ended worker never sent, get the results the dump lists (see `HangDump.finishedTests`).
 * Returns the dumps whose test it failed: their workers were ended.
 */
export function failBlockedTests(modules: readonly TestModule[], dumps: readonly ReadDump[]): ReadDump[] {
  const blocked = dumps.filter(({ dump }) => dump.class === 'BLOCKED');
  if (blocked.length === 0) return [];
  const tasks = new Map<string, Indexed>();
  for (const module of modules) {
    // The runner's task behind the reported module: public in 3.2, still there (internal) in 4 and 5.
    const file = (module as unknown as { task?: RunnerTestFile }).task;
    if (file) indexTasks(file, file.name, [], tasks);
  }
  const failed: ReadDump[] = [];
  for (const read of blocked) {
    const { dump, text } = read;
    const { task, parents } = tasks.get(taskPath(dump.label)) ?? {};
    if (!task || !parents || !unfinished(task)) continue;
    const position = dump.stuck ? formatPosition(dump.stuck.frame) : undefined;
    const error = {
      name: 'Error',
      message: `${dump.headline.replace(/^hangdump: /, '')}; hangdump ended its worker\n${dumpLine({ class: dump.class, file: text, ...(position ? { position } : {}) })}`,
      stacks: dump.stack
        .filter((frame) => frame.user)
        .map(
          (frame): ParsedFrame => ({
            method: frame.functionName,
            file: path.resolve(dump.process.cwd, frame.file),
            line: frame.line,
            column: frame.column,
          }),
        ),
    };
    task.result = { ...task.result, state: 'fail', errors: [error as never] };
    for (const parent of parents) parent.result = { ...parent.result, state: 'fail' };
    for (const { name, state, durationMs } of dump.finishedTests ?? []) {
      const finished = tasks.get(taskPath(name))?.task;
      if (finished && unfinished(finished)) {
        finished.result = {
          ...finished.result,
          state,
          ...(durationMs === undefined ? {} : { duration: durationMs }),
        };
      }
    }
    failed.push(read);
  }
  return failed;
}

interface Indexed {
  task: RunnerTask;
  /** The suites around it, the file included: they fail with it. */
  parents: RunnerTask[];
}

/** Every test and suite of a file by its path, as hangdump's labels write it (`file > describe > test`). */
function indexTasks(task: RunnerTask, name: string, parents: RunnerTask[], into: Map<string, Indexed>): void {
  into.set(name, { task, parents });
  if (task.type !== 'suite') return;
  for (const child of task.tasks) indexTasks(child, `${name} > ${child.name}`, [...parents, task], into);
}

/** A dump's label without the hook, retry and repeat it names: the path of its test or suite. */
function taskPath(label: string): string {
  return label.replace(/ \[[A-Za-z]+\]$/, '').replace(/( \((retry|repeat) \d+\))+$/, '');
}

function unfinished(task: RunnerTask): boolean {
  const state = task.result?.state;
  return state === undefined || state === 'run' || state === 'queued';
}
