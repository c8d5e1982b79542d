import type { HangClass, HangDump } from './model.js';
import { relativePath } from './paths.js';
import { formatPosition } from './text.js';
import type { WrittenDump } from './write.js';

/** A dump written for a guard. */
export interface DumpResult {
  class: HangClass;
  /** The text dump. */
  file: string;
  /** Its JSON twin. */
  json: string;
  /** The dump's first line. */
  headline: string;
  /** `file:line:column` where the guarded code is stuck (or, for WAITING, where it was guarded), when known. */
  position?: string;
}

/** The summary of a written dump that its guard keeps. */
export function toResult(
  dump: Pick<HangDump, 'class' | 'headline' | 'stuck'>,
  written: WrittenDump,
): DumpResult {
  return {
    class: dump.class,
    file: written.file,
    json: written.json,
    headline: dump.headline,
    ...(dump.stuck ? { position: formatPosition(dump.stuck.frame) } : {}),
  };
}

/** `hangdump: WAITING at file:line:column; dump: path`: a dump in one line, for a test's failure. */
export function dumpLine(dump: Pick<DumpResult, 'class' | 'position' | 'file'>): string {
  return `hangdump: ${dumpSummary(dump)}`;
}

/** `WAITING at file:line:column; dump: path`: the one-line form, where hangdump is named already. */
export function dumpSummary(dump: Pick<DumpResult, 'class' | 'position' | 'file'>): string {
  const where = dump.position ? ` at ${dump.position}` : '';
  return `${dump.class}${where}; dump: ${relativePath(dump.file, process.cwd())}`;
}
