/**
 * hangdump's Jest reporter, `reporters: ['default', 'hangdump/jest-reporter']`: after the run, one
 * line per dump written during it (class, test, where it was stuck, the dump), read back from the dump
 * directory (`HANGDUMP_DIR`, else `.hangdump`), so that dumps written by workers that were ended are
 * listed too.
 * @packageDocumentation
 */
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { relativePath } from '../dump/paths.js';
import { findDumps, type ReadDump } from '../dump/read.js';
import { formatPosition } from '../dump/text.js';
import { DEFAULT_DIR } from '../options.js';

/** Lists the run's hang dumps when the run is complete. */
export default class HangdumpReporter {
  #startedAt = Date.now();

  /** Jest starts a run (again, in watch mode): dumps from now on belong to it. */
  onRunStart(): void {
    this.#startedAt = Date.now();
  }

  onRunComplete(): void {
    // Workers share Jest's working directory, where they resolve the dump directory too.
    const dir = path.resolve(process.env.HANGDUMP_DIR || DEFAULT_DIR);
    // A second's slack: dump times come from the workers' clocks.
    const { dumps } = findDumps([dir], { since: new Date(this.#startedAt - 1000) });
    if (dumps.length > 0) process.stderr.write(`${describeDumps(dumps).join('\n')}\n`);
  }
}

/** The reporter's lines: a count, one line per dump, and what became of the workers hangdump ended. */
function describeDumps(dumps: readonly ReadDump[]): string[] {
  const cwd = process.cwd();
  const lines = [
    '',
    `hangdump: ${dumps.length} hang dump${dumps.length === 1 ? '' : 's'} written in this run:`,
  ];
  for (const { dump, text } of dumps) {
    const where = dump.stuck
      ? ` ${dump.stuck.atGuard ? 'guarded at' : 'stuck at'} ${formatPosition(dump.stuck.frame)}`
      : '';
    lines.push(`  ${dump.class} "${dump.label}"${where}; dump: ${relativePath(text, cwd)}`);
  }
  // The reporter runs on Jest's own thread: a BLOCKED dump from another process or thread ended a worker.
  const fromWorker = ({ dump }: ReadDump) =>
    dump.class === 'BLOCKED' && (dump.process.pid !== process.pid || dump.process.threadId !== threadId);
  if (dumps.some(fromWorker)) {
    lines.push(
      'hangdump: each BLOCKED test ended its Jest worker; Jest ran its file again in a new worker, where hangdump failed that test at once instead of letting it hang again.',
    );
  }
  return lines;
}
