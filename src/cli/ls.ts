import { relativePath } from '../dump/paths.js';
import { formatPosition, printable } from '../dump/text.js';
import type { Hang } from './select.js';
import type { Style } from './style.js';

/** `hangdump ls`: one dump per row. */
export function listDumps(hangs: readonly Hang[], style: Style): string {
  const rows = hangs.map((hang) => [
    hang.dump.dumpedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    hang.dump.class,
    printable(hang.dump.label) + (hang.duplicates.length ? ` (×${hang.duplicates.length + 1})` : ''),
    hang.dump.stuck ? formatPosition(hang.dump.stuck.frame) : '',
    relativePath(hang.text, process.cwd()),
  ]);
  const header = ['time', 'class', 'test', 'stuck at', 'dump'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] as string).length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] as number)))
      .join('  ');
  return [
    style.bold(line(header)),
    ...rows.map((row) => {
      const text = line(row);
      return row[1] === 'BLOCKED'
        ? text.replace('BLOCKED', style.blocked('BLOCKED'))
        : text.replace('WAITING', style.waiting('WAITING'));
    }),
  ].join('\n');
}
