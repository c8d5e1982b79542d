import type { CodeLine } from './model.js';

const CONTEXT = 2;

/** The lines around `line` (1-based) of a source, the stuck one marked. */
export function codeFrame(lines: readonly string[], line: number): CodeLine[] {
  const first = Math.max(1, line - CONTEXT);
  const last = Math.min(lines.length, line + CONTEXT);
  const frame: CodeLine[] = [];
  for (let n = first; n <= last; n++) {
    frame.push({ line: n, text: (lines[n - 1] ?? '').replace(/\t/g, '  '), marker: n === line });
  }
  return frame;
}
