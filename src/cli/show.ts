import { relativePath } from '../dump/paths.js';
import { renderText } from '../dump/text.js';
import type { Hang } from './select.js';
import type { Style } from './style.js';

/** `hangdump show`: each dump in full, most relevant first, its duplicates named. */
export function showDumps(hangs: readonly Hang[], style: Style): string {
  return hangs
    .map((hang) => {
      const lines = renderText(hang.dump).trimEnd().split('\n');
      const [headline = '', ...rest] = lines;
      const paint = hang.dump.class === 'BLOCKED' ? style.blocked : style.waiting;
      const body = rest.map((line) => (/^ {2}> /.test(line) ? style.bold(line) : line));
      const others = hang.duplicates.map((d) => relativePath(d.text, process.cwd()));
      const more = others.length > 3 ? `, and ${others.length - 3} more` : '';
      const also = others.length ? [`(also dumped in ${others.slice(0, 3).join(', ')}${more})`] : [];
      return [
        style.dim(`── ${relativePath(hang.text, process.cwd())}`),
        paint(headline),
        ...body,
        ...also.map(style.dim),
      ].join('\n');
    })
    .join('\n\n');
}
