import { writeStderr } from '../stderr.js';
import type { HangDump } from './model.js';
import { relativePath } from './paths.js';
import { formatPosition } from './text.js';
import type { WrittenDump } from './write.js';

/** Says on stderr, in one line each, where a dump went. */
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
