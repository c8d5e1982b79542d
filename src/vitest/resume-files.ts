import type { RunnerTestFile } from 'vitest';
import type { TestSpecification, Vitest } from 'vitest/node';
import { runDumps } from '../report/index.js';
import type { WorkerOptions } from './options.js';

/** What hangdump uses of Vitest's pool (internal; the same in Vitest 3.2, 4 and 5). */
interface Pool {
  runTests(specifications: TestSpecification[], invalidates?: string[]): Promise<void>;
}

const RESUMING = Symbol.for('hangdump.vitest.resumeFiles');

/** The plugin's options this needs: where dumps go, and when the run must end. */
type RunOptions = Pick<WorkerOptions, 'dir' | 'runDeadlineAt'>;

/**
 * Runs the files an ended worker had still to run, in a fresh worker of the same run. Where a worker
 * runs several files in turn (the vm pools, `isolate: false`) and Vitest runs one worker, it hands
 * that worker every file at once; when hangdump ends it after a BLOCKED dump, Vitest's pool gives up
 * on the files it had not reached, and reports them nowhere. Vitest creates its pool at the first run:
 * its `runTests` is wrapped as it is set. Only after a worker that hangdump ended (a BLOCKED dump
 * written during the run) are files run again; any other failure of the pool is Vitest's, untouched.
 */
export function resumeFilesOfEndedWorkers(vitest: Vitest, options: RunOptions): void {
  const target = vitest as unknown as { pool?: Pool; [RESUMING]?: true };
  if (target[RESUMING]) return;
  const descriptor = Object.getOwnPropertyDescriptor(target, 'pool');
  // A pool that is no plain field of Vitest's (a later version): left alone.
  if (descriptor && !('value' in descriptor && descriptor.writable)) return;
  let pool = descriptor?.value as Pool | undefined;
  Object.defineProperty(target, RESUMING, { value: true });
  Object.defineProperty(target, 'pool', {
    configurable: true,
    enumerable: true,
    get: () => pool,
    set: (value: Pool | undefined) => {
      pool = value && resuming(value, vitest, options);
    },
  });
  if (pool) pool = resuming(pool, vitest, options);
}

function resuming(pool: Pool, vitest: Vitest, options: RunOptions): Pool {
  const runTests = pool.runTests;
  if (typeof runTests !== 'function') return pool;
  pool.runTests = async function runTestsResuming(specifications, invalidates) {
    const since = Date.now();
    let pending = specifications;
    for (;;) {
      try {
        return await runTests.call(this, pending, invalidates);
      } catch (error) {
        const rest = filesLeft(vitest, pending, options, since);
        if (!rest) throw error;
        // Reported as Vitest reports it ("Worker exited unexpectedly"), and the run goes on.
        vitest.state.catchError(error, 'Unhandled Error');
        pending = rest;
      }
    }
  };
  return pool;
}

/**
 * The files to run again after the pool failed: those not started, when a worker was ended after a
 * BLOCKED dump written since `since`. Undefined otherwise, and on any trouble of hangdump's own: the
 * pool's failure is then Vitest's to report, as it would have.
 */
function filesLeft(
  vitest: Vitest,
  pending: TestSpecification[],
  { dir, runDeadlineAt }: RunOptions,
  since: number,
): TestSpecification[] | undefined {
  try {
    // A run being cancelled (a bail, Ctrl-C) or past its deadline runs no more files.
    if ((vitest as { isCancelling?: boolean }).isCancelling) return undefined;
    if (runDeadlineAt !== undefined && Date.now() >= runDeadlineAt) return undefined;
    if (typeof vitest.state.catchError !== 'function') return undefined;
    const started = new Set(vitest.state.getFiles().map((file: RunnerTestFile) => file.filepath));
    const rest = pending.filter((specification) => !started.has(specification.moduleId));
    // Each round starts at least the file whose worker was ended, or stops here: the loop ends.
    if (rest.length === 0 || rest.length === pending.length) return undefined;
    return runDumps(dir, since).some(({ dump }) => dump.class === 'BLOCKED') ? rest : undefined;
  } catch {
    return undefined;
  }
}
