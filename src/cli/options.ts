import { type ParseArgsConfig, parseArgs } from 'node:util';
import { describeValue } from '../errors.js';

/** The CLI's options, as data: `parseArgs` reads them, `--help` prints them. */
export const OPTIONS = {
  json: { type: 'boolean', description: 'machine-readable output (an array of dumps)' },
  since: {
    type: 'string',
    description: 'only dumps written since an ISO date, or a duration ago (30m, 2h, 1d)',
  },
  test: {
    type: 'string',
    description: 'only dumps whose test or label contains this text (or matches /regex/)',
  },
  latest: { type: 'boolean', description: 'only the newest dump' },
  github: {
    type: 'boolean',
    description: 'GitHub Actions annotations and step summary (automatic in GitHub Actions)',
  },
  color: {
    type: 'boolean',
    description: 'colour output (default: when stdout is a terminal and NO_COLOR is unset)',
  },
  help: { type: 'boolean', short: 'h', description: 'this help' },
  version: { type: 'boolean', short: 'v', description: "hangdump's version" },
} as const satisfies Record<string, { type: 'boolean' | 'string'; short?: string; description: string }>;

/** Parsed command line. */
export interface CliArgs {
  command: string | undefined;
  paths: string[];
  json: boolean;
  since: Date | undefined;
  test: ((label: string) => boolean) | undefined;
  latest: boolean;
  github: boolean | undefined;
  color: boolean | undefined;
  help: boolean;
  version: boolean;
}

/** A usage error: printed in one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses the command line, throwing {@link UsageError} with a one-line message. */
export function parseCli(argv: readonly string[]): CliArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: OPTIONS as ParseArgsConfig['options'],
      allowPositionals: true,
      allowNegative: true,
      strict: true,
    } as ParseArgsConfig);
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const [command, ...paths] = parsed.positionals;
  return {
    command,
    paths,
    json: values.json === true,
    since: values.since === undefined ? undefined : parseSince(String(values.since)),
    test: values.test === undefined ? undefined : parseTestFilter(String(values.test)),
    latest: values.latest === true,
    github: values.github as boolean | undefined,
    color: values.color as boolean | undefined,
    help: values.help === true,
    version: values.version === true,
  };
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function parseSince(value: string): Date {
  const duration = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(value);
  const date = duration
    ? new Date(Date.now() - Number(duration[1]) * (UNITS[duration[2] as string] as number))
    : new Date(value);
  // A duration too long for a date (1e20d) is as wrong as a date that is none.
  if (Number.isNaN(date.getTime())) {
    throw new UsageError(
      `--since takes an ISO date or a duration such as 30m, 2h or 1d, got ${describeValue(value)}`,
    );
  }
  return date;
}

function parseTestFilter(value: string): (label: string) => boolean {
  if (value === '') throw new UsageError('--test takes a text or a /regex/, got ""');
  const regex = /^\/(.+)\/([a-z]*)$/.exec(value);
  if (!regex) return (label) => label.includes(value);
  try {
    const pattern = new RegExp(regex[1] as string, regex[2]);
    return (label) => pattern.test(label);
  } catch (error) {
    throw new UsageError(`--test: ${(error as Error).message}`);
  }
}
