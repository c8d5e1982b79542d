import fs from 'node:fs';
import { type DumpProblem, findDumps, type ReadDump } from '../dump/read.js';
import { formatPosition, printable } from '../dump/text.js';
import { DEFAULT_DIR } from '../options.js';
import { UsageError } from './options.js';

/** A hang, dumped once or more (the same hang in a retried file, or in several shards' artifacts). */
export interface Hang extends ReadDump {
  /** The other dumps of the same hang. */
  duplicates: ReadDump[];
}

/** What the CLI reads: the hangs, most relevant first, and the files it could not read. */
export interface Selection {
  hangs: Hang[];
  problems: DumpProblem[];
}

/**
 * Reads the dumps under `paths` (default: `$HANGDUMP_DIR` or `.hangdump`), filters them, folds
 * duplicates together and sorts them: BLOCKED before WAITING, newest first.
 */
export function selectDumps(
  paths: readonly string[],
  filter: { since?: Date | undefined; test?: ((label: string) => boolean) | undefined; latest?: boolean },
): Selection {
  const roots = paths.length > 0 ? paths : [process.env.HANGDUMP_DIR || DEFAULT_DIR];
  for (const root of roots) {
    if (root === '') throw new UsageError('a path cannot be empty');
    if (!fs.existsSync(root)) {
      if (paths.length === 0) return { hangs: [], problems: [] };
      throw new UsageError(`no such file or directory: ${printable(root)}`);
    }
  }
  const json = roots.map((root) => (root.endsWith('.txt') ? root.replace(/\.txt$/, '.json') : root));
  const { dumps, problems } = findDumps(json, filter.since ? { since: filter.since } : {});
  const kept = dumps.filter(({ dump }) => !filter.test || filter.test(dump.label));
  const hangs = fold(kept).sort(
    (a, b) => rank(a) - rank(b) || b.dump.dumpedAt.localeCompare(a.dump.dumpedAt),
  );
  if (filter.latest) {
    const newest = hangs.reduce<Hang | undefined>(
      (best, hang) => (!best || hang.dump.dumpedAt > best.dump.dumpedAt ? hang : best),
      undefined,
    );
    return { hangs: newest ? [newest] : [], problems };
  }
  return { hangs, problems };
}

/** One hang per class, label and stuck position: the newest dump stands for the others. */
function fold(dumps: readonly ReadDump[]): Hang[] {
  const byKey = new Map<string, Hang>();
  for (const entry of [...dumps].sort((a, b) => b.dump.dumpedAt.localeCompare(a.dump.dumpedAt))) {
    const { dump } = entry;
    const key = [
      dump.class,
      dump.label.replace(/ \((retry|repeat) \d+\)$/, ''),
      dump.stuck ? formatPosition(dump.stuck.frame) : '',
    ].join('\0');
    const hang = byKey.get(key);
    if (hang) hang.duplicates.push(entry);
    else byKey.set(key, { ...entry, duplicates: [] });
  }
  return [...byKey.values()];
}

function rank(hang: Hang): number {
  return hang.dump.class === 'BLOCKED' ? 0 : 1;
}
