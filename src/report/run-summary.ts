import path from 'node:path';
import { relativePath } from '../dump/paths.js';
import { findDumps, type ReadDump } from '../dump/read.js';
import { stuckVerb } from '../dump/report.js';
import { formatPosition, printable } from '../dump/text.js';
import { DEFAULT_DIR } from '../options.js';
import { inGitHubActions, reportToGitHub } from './github.js';

/**
 * The dumps written during a run, read back from its dump directory (`HANGDUMP_DIR` wins over
 * `dir`), so that dumps of workers that were ended are found too. Relative to the working directory,
 * as the workers that wrote them resolved it (a runner's `root` may be another directory).
 */
export function runDumps(dir: string | undefined, since: number): ReadDump[] {
  const directory = path.resolve(process.env.HANGDUMP_DIR || dir || DEFAULT_DIR);
  // A second's slack: dump times come from the workers' clocks.
  return findDumps([directory], { since: new Date(since - 1000) }).dumps;
}

/**
 * A runner reporter's lines after a run: a count, then one line per dump (class, test, where it was
 * stuck, the dump file). In GitHub Actions, also the annotations and the step summary.
 */
export function summarizeRun(dumps: readonly ReadDump[], root: string, log: (line: string) => void): void {
  if (dumps.length === 0) return;
  log('');
  log(`hangdump: ${dumps.length} hang dump${dumps.length === 1 ? '' : 's'} written in this run`);
  for (const { dump, text } of dumps) {
    const where = dump.stuck ? ` ${stuckVerb(dump.stuck)} ${formatPosition(dump.stuck.frame)}` : '';
    log(`  ${dump.class.padEnd(7)} "${printable(dump.label)}"${where}`);
    log(`          ${relativePath(text, root)}`);
  }
  if (inGitHubActions()) {
    reportToGitHub(
      dumps.map(({ dump, text }) => ({ dump, file: relativePath(text, root) })),
      log,
    );
  }
}
