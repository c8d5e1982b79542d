/**
 * The `hangdump` command: reads dumps after the fact (after a CI job was killed, from downloaded
 * artifacts). `bin.ts` is its two-line entry.
 */
import { VERSION } from '../dump/version.js';
import { describeValue } from '../errors.js';
import { inGitHubActions, reportToGitHub } from '../report/index.js';
import { helpText } from './help.js';
import { listDumps } from './ls.js';
import { parseCli, UsageError } from './options.js';
import { selectDumps } from './select.js';
import { showDumps } from './show.js';
import { createStyle, useColor } from './style.js';

/** Where the CLI writes; a test passes its own. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
}

const COMMANDS = new Set(['show', 'ls']);

/** Runs the CLI and returns its exit code (0 no dumps, 1 dumps found, 2 usage or other error). Never throws. */
export function createCli(argv: readonly string[], io: CliIo): number {
  try {
    const args = parseCli(argv);
    if (args.version) {
      io.stdout(`${VERSION}\n`);
      return 0;
    }
    if (args.help || args.command === undefined) {
      io.stdout(helpText(args.command));
      return args.help ? 0 : 2;
    }
    if (!COMMANDS.has(args.command))
      throw new UsageError(`unknown command ${describeValue(args.command)} (try "hangdump --help")`);
    const { hangs, problems } = selectDumps(args.paths, args);
    for (const problem of problems) io.stderr(`hangdump: skipped ${problem.reason}\n`);
    if (args.json) {
      io.stdout(
        `${JSON.stringify(
          hangs.map(({ dump, json, text, duplicates }) => ({
            ...dump,
            files: { json, text },
            duplicates: duplicates.map((d) => d.json),
          })),
          null,
          2,
        )}\n`,
      );
    } else if (hangs.length === 0) {
      io.stdout('hangdump: no dumps found\n');
    } else {
      const style = createStyle(useColor(args.color, io.isTTY));
      io.stdout(`${args.command === 'ls' ? listDumps(hangs, style) : showDumps(hangs, style)}\n`);
    }
    if (args.command === 'show' && (args.github ?? inGitHubActions())) {
      reportToGitHub(
        hangs.map(({ dump, text }) => ({ dump, file: text })),
        (line) => io.stdout(`${line}\n`),
      );
    }
    return hangs.length > 0 ? 1 : 0;
  } catch (error) {
    // Never a stack trace: a usage error, or anything else the input provoked, in one line.
    const message = error instanceof UsageError ? error.message : `unexpected error: ${String(error)}`;
    io.stderr(`hangdump: ${message.split('\n')[0]}\n`);
    return 2;
  }
}
