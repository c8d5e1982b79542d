import { styleText } from 'node:util';

/** Colours, or none: `NO_COLOR`, a pipe and `--no-color` all turn them off. */
export interface Style {
  blocked(text: string): string;
  waiting(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

/** Whether to colour: `--color`/`--no-color` win, then `NO_COLOR`, then whether stdout is a terminal. */
export function useColor(flag: boolean | undefined, isTTY: boolean): boolean {
  if (flag !== undefined) return flag;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  return isTTY;
}

export function createStyle(color: boolean): Style {
  const paint = (format: Parameters<typeof styleText>[0]) => (text: string) =>
    color ? styleText(format, text, { validateStream: false }) : text;
  return {
    blocked: paint(['bold', 'red']),
    waiting: paint(['bold', 'yellow']),
    dim: paint('dim'),
    bold: paint('bold'),
  };
}
