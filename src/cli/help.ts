import { OPTIONS } from './options.js';

const COMMANDS: Record<string, { usage: string; summary: string; details: string }> = {
  show: {
    usage: 'hangdump show [file|dir ...] [options]',
    summary: 'print dumps in full, most relevant first',
    details: `Prints each dump: whether the event loop was BLOCKED or WAITING, the test, where it was stuck
(with the code around it), what it waited on, the stack and the live resources. Directories are
searched recursively, so CI artifacts from several shards read as one report; the same hang dumped
twice (a retried file) is shown once. Without a path: $HANGDUMP_DIR, else .hangdump.

Examples:
  hangdump show                          the dumps in .hangdump
  hangdump show --latest                 the newest one
  hangdump show artifacts/ --since 2h    every shard's dumps of the last two hours
  hangdump show --github                 annotate the pull request (automatic in GitHub Actions)`,
  },
  ls: {
    usage: 'hangdump ls [dir ...] [options]',
    summary: 'list dumps, one per row',
    details: `One row per hang: time, class, test, stuck position and dump file.

Examples:
  hangdump ls
  hangdump ls artifacts/ --test "checkout >"`,
  },
};

/** `hangdump --help`, or one command's help. */
export function helpText(command?: string): string {
  const options = Object.entries(OPTIONS)
    .map(([name, option]) => {
      const flag = `${'short' in option ? `-${option.short}, ` : '    '}--${name}${option.type === 'string' ? ' <value>' : ''}`;
      return `  ${flag.padEnd(24)} ${option.description}`;
    })
    .join('\n');
  const known = command ? COMMANDS[command] : undefined;
  if (known) return `Usage: ${known.usage}\n\n${known.details}\n\nOptions:\n${options}\n`;
  return `hangdump: read the dumps hangdump wrote when a test (or any guarded block) hung.

A dump says which kind of hang it was:
  BLOCKED  the event loop did not turn (a busy loop, a slow regular expression, execSync):
           the dump shows the exact line it was stuck on.
  WAITING  the loop turned, but the code awaited something that never came (a socket, a
           child process, a promise): the dump names what it waited on and where that was made.

Usage: hangdump <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`)
  .join('\n')}

Options:
${options}

Exit codes: 0 no dumps found, 1 dumps found, 2 a usage error or a path that does not exist.
Run "hangdump <command> --help" for a command's details.
`;
}
