import { writeStderr } from '../stderr.js';
import type { HangDump } from './model.js';
import { relativePath } from './paths.js';
import { formatPosition, printable } from './text.js';
import type { WrittenDump } from './write.js';

/** Says on stderr, in one line each, where a dump went. */
export function reportDump(dump: HangDump, written: WrittenDump | undefined): void {
  const where = dump.stuck ? ` ${stuckVerb(dump.stuck)} ${formatPosition(dump.stuck.frame)};` : '';
  if (written === undefined) {
    writeStderr(
      `hangdump: ${dump.class} "${printable(dump.label)}":${where} the dump could not be written anywhere\n`,
    );
    return;
  }
  const shown = relativePath(written.file, dump.process.cwd);
  if (written.fellBack) {
    writeStderr(
      `hangdump: could not write to ${written.fellBack.from} (${written.fellBack.reason}); dump written to ${shown} instead\n`,
    );
  }
  writeStderr(
    `hangdump: ${dump.class} "${printable(dump.label)}" exceeded its budget;${where} dump: ${shown}\n`,
  );
}

/** How a dump's stuck position reads in one line. */
export function stuckVerb(stuck: NonNullable<HangDump['stuck']>): string {
  if (stuck.suspended) return 'waiting at';
  if (stuck.waitingOn) {
    const waited = stuck.waitingOn.split(' ')[0];
    if (stuck.atPeer && stuck.peer)
      return `waiting on ${waited} to a ${stuck.peer.description.split(' ')[0]} created at`;
    return `waiting on ${waited} ${stuck.atGuard ? 'guarded at' : 'created at'}`;
  }
  return stuck.atGuard ? 'guarded at' : 'stuck at';
}
