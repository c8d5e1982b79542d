/**
 * hangdump's Jest reporter, `reporters: ['default', 'hangdump/jest-reporter']`: after the run, one
 * line per dump written during it (class, test, where it was stuck, the dump), read back from the dump
 * directory (`HANGDUMP_DIR`, else `.hangdump`), so that dumps written by workers that were ended are
 * listed too.
 * @packageDocumentation
 */
import { threadId } from 'node:worker_threads';
import type { ReadDump } from '../dump/read.js';
import { runDumps, summarizeRun } from '../report/index.js';

/** Lists the run's hang dumps when the run is complete. */
export default class HangdumpReporter {
  #startedAt = Date.now();

  /** Jest starts a run (again, in watch mode): dumps from now on belong to it. */
  onRunStart(): void {
    this.#startedAt = Date.now();
  }

  onRunComplete(): void {
    // Workers share Jest's working directory, where they resolve the dump directory too.
    const root = process.cwd();
    const dumps = runDumps(undefined, this.#startedAt);
    const log = (line: string) => process.stderr.write(`${line}\n`);
    summarizeRun(dumps, root, log);
    if (dumps.some(fromWorker)) {
      log(
        'hangdump: each BLOCKED test ended its Jest worker; Jest ran its file again in a new worker, where hangdump failed that test at once instead of letting it hang again.',
      );
    }
  }
}

/** The reporter runs on Jest's own thread: a BLOCKED dump from another process or thread ended a worker. */
function fromWorker({ dump }: ReadDump): boolean {
  return dump.class === 'BLOCKED' && (dump.process.pid !== process.pid || dump.process.threadId !== threadId);
}
