import path from 'node:path';
import { DEFAULT_DIR } from '../options.js';

/** Where a dump goes: an exact file, or a directory to generate a name in. */
export type DumpTarget = { kind: 'file'; file: string } | { kind: 'directory'; directory: string };

/**
 * Reads the `path` option: a path ending in `.txt` is a file; anything else is a directory. Without a
 * path, `HANGDUMP_DIR` or `.hangdump` in the working directory.
 */
export function resolveTarget(option: string | undefined, cwd: string): DumpTarget {
  const chosen = option ?? (process.env.HANGDUMP_DIR || DEFAULT_DIR);
  const absolute = path.resolve(cwd, chosen);
  return /\.txt$/i.test(chosen)
    ? { kind: 'file', file: absolute }
    : { kind: 'directory', directory: absolute };
}

/** The JSON twin of a text dump: `x.txt` -> `x.json`. */
export function jsonTwin(textFile: string): string {
  return textFile.replace(/(\.txt)?$/i, '.json');
}

/**
 * A readable, collision-free base name: label, class, the hung process and thread, counter (the
 * writer's own: a watchdog process writes for several processes).
 */
export function generatedName(
  label: string,
  hangClass: string,
  { pid, threadId }: { pid: number; threadId: number },
  counter: number,
): string {
  return `${slug(label)}.${hangClass.toLowerCase()}.${pid}-${threadId}-${counter}.txt`;
}

/** File-name-safe, short, readable form of a label. */
export function slug(label: string): string {
  const cleaned = label
    .normalize('NFKD')
    .replace(/[^\w.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 60)
    .replace(/[-.]+$/, '');
  return cleaned || 'hang';
}
