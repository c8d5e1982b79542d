import path from 'node:path';
import { relativePath } from '../dump/paths.js';
import { findDumps, type ReadDump } from '../dump/read.js';
import { stuckVerb } from '../dump/report.js';
import { formatPosition } from '../dump/text.js';
import { DEFAULT_DIR } from '../options.js';

/**
 * Prints, one per line, the dumps written since `since` in the run's dump directory, and returns
 * them. `HANGDUMP_DIR` wins over the configured directory.
 */
export function listRunDumps(
  root: string,
  dir: string | undefined,
  since: number,
  log: (line: string) => void,
): ReadDump[] {
  const directory = path.resolve(root, process.env.HANGDUMP_DIR || dir || DEFAULT_DIR);
  // A second's slack: dump times come from the workers' clocks.
  const { dumps } = findDumps([directory], { since: new Date(since - 1000) });
  if (dumps.length === 0) return dumps;
  log('');
  log(`hangdump: ${dumps.length} hang dump${dumps.length === 1 ? '' : 's'} written in this run`);
  for (const { dump, text } of dumps) {
    const where = dump.stuck ? ` ${stuckVerb(dump.stuck)} ${formatPosition(dump.stuck.frame)}` : '';
    log(`  ${dump.class.padEnd(7)} "${dump.label}"${where}`);
    log(`          ${relativePath(text, root)}`);
  }
  return dumps;
}
