import fs from 'node:fs';
import path from 'node:path';
import { type HangDump, SCHEMA_VERSION } from './model.js';

/** A dump read back from its JSON twin. */
export interface ReadDump {
  /** The JSON twin that was read. */
  json: string;
  /** The text dump beside it (it may be missing if only the JSON was copied). */
  text: string;
  dump: HangDump;
}

/** A file that looked like a dump but could not be read as one. */
export interface DumpProblem {
  file: string;
  reason: string;
}

/**
 * Reads one JSON twin, checking that it is a hangdump dump of a schema this version understands.
 * Throws an `Error` whose message names the file and what is wrong with it.
 */
export function readDumpFile(file: string): HangDump {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    const reason =
      error instanceof SyntaxError ? 'not valid JSON (truncated or corrupt?)' : (error as Error).message;
    throw new Error(`${file}: ${reason}`);
  }
  const candidate = parsed as Partial<HangDump> | null;
  if (candidate?.tool?.name !== 'hangdump') throw new Error(`${file}: not a hangdump dump`);
  if (candidate.schemaVersion !== SCHEMA_VERSION) {
    throw new Error(
      `${file}: dump schema version ${String(candidate.schemaVersion)} is not supported (this hangdump reads version ${SCHEMA_VERSION})`,
    );
  }
  const wrong = wrongField(candidate as Record<string, unknown>);
  if (wrong) throw new Error(`${file}: not a complete dump (\`${wrong}\` is missing or of the wrong type)`);
  return candidate as HangDump;
}

/** The fields every reader of a dump relies on, and their types. */
const SHAPE: Record<string, string> = {
  class: 'string',
  label: 'string',
  headline: 'string',
  budgetMs: 'number',
  elapsedMs: 'number',
  armedAt: 'string',
  dumpedAt: 'string',
  stack: 'array',
  site: 'array',
  notes: 'array',
  resources: 'object',
  'resources.active': 'array',
  'resources.handles': 'array',
  process: 'object',
  'process.argv': 'array',
  'process.execArgv': 'array',
  'process.cwd': 'string',
};

function wrongField(dump: Record<string, unknown>): string | undefined {
  return Object.keys(SHAPE).find((field) => {
    const value = field.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown>)?.[key], dump);
    const kind = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
    return kind !== SHAPE[field];
  });
}

/**
 * Finds the dumps under the given files and directories (recursively), oldest first. Files that end
 * in `.json` but are no dump of ours are reported as problems, never thrown.
 */
export function findDumps(
  paths: readonly string[],
  options: { since?: Date } = {},
): { dumps: ReadDump[]; problems: DumpProblem[] } {
  const dumps: ReadDump[] = [];
  const problems: DumpProblem[] = [];
  for (const file of paths.flatMap(jsonFilesUnder)) {
    try {
      const dump = readDumpFile(file);
      if (options.since && Date.parse(dump.dumpedAt) < options.since.getTime()) continue;
      dumps.push({ json: file, text: file.replace(/\.json$/, '.txt'), dump });
    } catch (error) {
      problems.push({ file, reason: (error as Error).message });
    }
  }
  dumps.sort((a, b) => a.dump.dumpedAt.localeCompare(b.dump.dumpedAt));
  return { dumps, problems };
}

function jsonFilesUnder(entry: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(entry);
  } catch {
    return [];
  }
  if (!stat.isDirectory()) return entry.endsWith('.json') ? [entry] : [];
  return (fs.readdirSync(entry, { recursive: true }) as string[])
    .filter((name) => name.endsWith('.json') && !path.basename(name).startsWith('.'))
    .map((name) => path.join(entry, name));
}
