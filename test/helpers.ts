import { type SpawnOptions, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import type { HangDump } from '../src/index.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The Node binary the fixtures run on: the machine's, or another one CI installed. */
export const NODE = process.env.HANGDUMP_TEST_NODE || process.execPath;

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp directory, removed after the file's tests. */
export function tempDir(prefix = 'hangdump-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

export interface Dump {
  file: string;
  text: string;
  json: HangDump;
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  dumpDir: string;
  dumps(): Dump[];
}

/** Runs a command to its end, from the repository root, with dumps going to a fresh directory. */
export function run(
  command: string,
  args: string[],
  options: SpawnOptions & { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Run> {
  const dumpDir = (options.env?.HANGDUMP_DIR as string | undefined) ?? tempDir();
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: ROOT,
      ...options,
      env: { ...process.env, HANGDUMP_DIR: dumpDir, FORCE_COLOR: '0', NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => (stdout += chunk));
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 45_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout,
        stderr,
        ms: performance.now() - started,
        dumpDir,
        dumps: () => readDumps(dumpDir),
      });
    });
  });
}

/** Runs a fixture of test/fixtures with Node. */
export function runFixture(
  fixture: string,
  options: Parameters<typeof run>[2] & { args?: string[] } = {},
): Promise<Run> {
  return run(NODE, [path.join(ROOT, 'test/fixtures', fixture), ...(options.args ?? [])], options);
}

/** Every dump (text and JSON twin) in a directory tree. */
export function readDumps(dir: string): Dump[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((name) => name.endsWith('.txt') && !path.basename(name).startsWith('.'))
    .sort()
    .map((name) => {
      const file = path.join(dir, name);
      const json = JSON.parse(fs.readFileSync(file.replace(/\.txt$/, '.json'), 'utf8')) as HangDump;
      return { file, text: fs.readFileSync(file, 'utf8'), json };
    });
}

/** The 1-based line of a fixture that carries the marker comment `HANG: <id>` (or `<kind>: <id>`). */
export function markerLine(fixture: string, id: string, kind = 'HANG'): number {
  const lines = fs.readFileSync(path.join(ROOT, 'test/fixtures', fixture), 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(`${kind}: ${id}`));
  if (index < 0) throw new Error(`no marker ${kind}: ${id} in ${fixture}`);
  return index + 1;
}
