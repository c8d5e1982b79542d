/**
 * hangdump's Vitest plugin: one line in `vitest.config.ts` puts every test and hook under a guard
 * whose budget is its own timeout, and adds a reporter that lists the run's dumps.
 *
 * ```ts
 * import { hangdump } from 'hangdump/vitest';
 * export default defineConfig({ plugins: [hangdump()] });
 * ```
 * @packageDocumentation
 */
/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import type { Vite } from 'vitest/node';
import { runDumps, summarizeRun } from '../report/index.js';
import { writeStderr } from '../stderr.js';
import { ProcessWatchdog } from '../watchdog/process-watchdog.js';
import { type HangdumpVitestOptions, PROVIDE_KEY, resolveVitestOptions } from './options.js';
import HangdumpReporter from './reporter.js';
import { resumeFilesOfEndedWorkers } from './resume-files.js';

export type { HangdumpVitestOptions } from './options.js';

/** The bundled setup file, beside this file in dist/. */
const SETUP_FILE = fileURLToPath(new URL('./vitest-setup.js', import.meta.url));
/** Its stand-in for the forks pool, given to each worker process with `--import` (see preload.ts). */
const PRELOAD = new URL('./vitest-preload.js', import.meta.url).href;

/**
 * The Vitest plugin. Arms every test and hook (`beforeAll`, `beforeEach`, `afterEach`, `afterAll`,
 * `onTestFinished`, `onTestFailed`) with its own timeout as the budget, adds one line naming the
 * stuck position and the dump to Vitest's timeout errors, and prints the run's dumps after the summary.
 * @throws {TypeError | RangeError} for bad options, naming the option.
 */
export function hangdump(options: HangdumpVitestOptions = {}): Vite.Plugin {
  const startedAt = Date.now();
  const resolved = resolveVitestOptions(options, startedAt);
  let watchdog: ProcessWatchdog | undefined;
  return {
    name: 'hangdump',
    configureVitest({ vitest, project }) {
      startInWorkers(project.config as WorkerConfig, vitest.version);
      watchdog ??= startProcessWatchdog();
      resumeFilesOfEndedWorkers(vitest, resolved);
      project.provide(PROVIDE_KEY as never, { ...resolved, watchedFrom: watchdog?.dir } as never);
      if (resolved.runDeadlineAt !== undefined && !vitest.config.watch) {
        endRunAtDeadline(resolved.runDeadlineAt, String(options.runDeadline), (line) => {
          vitest.logger.error(line);
          const { root } = vitest.config;
          summarizeRun(runDumps(resolved.dir, startedAt), root, (dumpLine) => vitest.logger.error(dumpLine));
        });
      }
      // First: it fails the tests of the workers it ended before the other reporters print the run.
      // An instance, not a path: Vitest would load a path through its module runner (resolving and
      // fetching it as it does a test file's import), while this module has the class at hand.
      const reporters = vitest.config.reporters as unknown as unknown[];
      if (!reporters.some((reporter) => reporter instanceof HangdumpReporter)) {
        reporters.unshift(new HangdumpReporter({ dir: resolved.dir, startedAt }));
      }
    },
  };
}

/** What `startInWorkers` reads and sets of a project's resolved config. */
interface WorkerConfig {
  setupFiles: string[];
  pool?: string;
  runner?: string;
  execArgv?: string[];
}

/**
 * Has each worker start hangdump before its test files: with the preload where Vitest's module runner
 * would take the setup file through two round trips to this process (the `forks` pool of Vitest 4.1+,
 * whose runner hangdump extends), with the setup file elsewhere, or where the project lists it itself.
 */
function startInWorkers(config: WorkerConfig, version: string): void {
  if (config.setupFiles.includes(SETUP_FILE)) return;
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const extensible = major > 4 || (major === 4 && minor >= 1);
  if (
    config.pool === 'forks' &&
    config.runner === undefined &&
    extensible &&
    Array.isArray(config.execArgv)
  ) {
    if (!config.execArgv.includes(PRELOAD)) config.execArgv.push('--import', PRELOAD);
  } else {
    config.setupFiles.unshift(SETUP_FILE);
  }
}

/**
 * One watchdog in this process for every worker process (Linux): a worker then needs no watchdog
 * thread of its own, whose start would cost each test file about 25 ms of CPU. Workers that are
 * threads, or that cannot be watched from here, start their own.
 */
function startProcessWatchdog(): ProcessWatchdog | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return new ProcessWatchdog();
  } catch (error) {
    writeStderr(`hangdump: workers will watch themselves (${String(error)})\n`);
    return undefined;
  }
}

/** Time the workers get, after the run deadline, to write their dumps. */
const DEADLINE_GRACE_MS = 3000;

/**
 * Ends the run when its deadline has passed and the workers have had time to dump what they were
 * doing: a CI job with a hard limit then ends with the answer, and a non-zero code.
 */
function endRunAtDeadline(at: number, shown: string, log: (line: string) => void): void {
  setTimeout(
    () => {
      log(`hangdump: the run deadline (${shown}) has passed: ending the run.`);
      process.exit(1);
    },
    Math.max(0, at - Date.now()) + DEADLINE_GRACE_MS,
  ).unref();
}
