/**
 * hangdump's Vitest reporter (added by the plugin, or `reporters: ['default', 'hangdump/vitest/reporter']`):
 * after the summary, one line per dump written during the run, and what ended a worker.
 */
import path from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';
import { relativePath } from '../dump/paths.js';
import { findDumps } from '../dump/read.js';
import { formatPosition } from '../dump/text.js';
import { DEFAULT_DIR } from '../options.js';

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

  constructor(options: HangdumpReporterOptions = {}) {
    this.#options = options;
    this.#startedAt = options.startedAt ?? Date.now();
  }

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onTestRunStart(): void {
    // In watch mode each run lists its own dumps only.
    if (this.#options.startedAt === undefined || this.#vitest?.config.watch) this.#startedAt = Date.now();
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): void {
    const vitest = this.#vitest;
    if (!vitest) return;
    const root = vitest.config.root;
    const dir = path.resolve(root, process.env.HANGDUMP_DIR || this.#options.dir || DEFAULT_DIR);
    // A second's slack: dump times come from the workers' clocks.
    const { dumps } = findDumps([dir], { since: new Date(this.#startedAt - 1000) });
    if (dumps.length === 0) return;
    const log = (line: string) => vitest.logger.log(line);
    log('');
    log(`hangdump: ${dumps.length} hang dump${dumps.length === 1 ? '' : 's'} written in this run`);
    for (const { dump, text } of dumps) {
      const where = dump.stuck
        ? ` ${dump.stuck.atGuard ? 'guarded at' : 'stuck at'} ${formatPosition(dump.stuck.frame)}`
        : '';
      log(`  ${dump.class.padEnd(7)} "${dump.label}"${where}`);
      log(`          ${relativePath(text, root)}`);
    }
    const crashed = errors.some((e) => /exited unexpectedly/i.test(messages(e)));
    const ended = dumps.filter((d) => d.dump.class === 'BLOCKED');
    if (crashed && ended.length > 0) {
      const files = [...new Set(ended.map((d) => d.dump.label.split(' > ')[0]))].join(', ');
      log(
        `hangdump: "Worker exited unexpectedly" above: hangdump ended the worker running ${files} after its BLOCKED dump.`,
      );
    }
  }
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
