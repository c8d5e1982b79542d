import fs from 'node:fs';
import { relativePath } from './build.js';
import type { HangDump } from './model.js';
import { formatPosition } from './text.js';
import type { WrittenDump } from './write.js';

/**
 * Says on stderr, in one line each, where a dump went. Written with `fs.writeSync` on fd 2: from the
 * watchdog thread, `console` and `process.stderr` are relayed through the (blocked) guarded thread
 * and would never appear; runners also capture `process.stderr` of their workers.
 */
export function reportDump(dump: HangDump, written: WrittenDump | undefined): void {
  const where = dump.stuck
    ? ` ${dump.stuck.atGuard ? 'guarded at' : 'stuck at'} ${formatPosition(dump.stuck.frame)};`
    : '';
  if (written === undefined) {
    writeStderr(`hangdump: ${dump.class} "${dump.label}":${where} the dump could not be written anywhere\n`);
    return;
  }
  const shown = relativePath(written.file, dump.process.cwd);
  if (written.fellBack) {
    writeStderr(
      `hangdump: could not write to ${written.fellBack.from} (${written.fellBack.reason}); dump written to ${shown} instead\n`,
    );
  }
  writeStderr(`hangdump: ${dump.class} "${dump.label}" exceeded its budget;${where} dump: ${shown}\n`);
}

/** A line on fd 2, never throwing (a closed or full stderr must not break the guarded code). */
export function writeStderr(line: string): void {
  try {
    fs.writeSync(2, line);
  } catch {
    // Nowhere left to say it.
  }
}
