import type { RunnerTask, RunnerTestFile } from 'vitest';
import type { FinishedTest } from '../dump/model.js';
import { testLabel } from './labels.js';

/**
 * The tests of `file` that passed or were skipped since `sinceEpoch`, named as dump labels name them.
 * Vitest's worker sends results to its main process in batches (at most every 100 ms, from a timer):
 * when a test blocks the worker right after others finished, their batch never leaves it, and once
 * hangdump has ended the worker they would have no result at all. A BLOCKED dump lists them, read
 * from the runner's own tasks inside the watchdog's pause, and the reporter gives them their results.
 */
export function finishedTestsOf(file: RunnerTestFile, sinceEpoch: number): FinishedTest[] {
  const finished: FinishedTest[] = [];
  const visit = (task: RunnerTask): void => {
    if (task.type === 'suite') {
      for (const child of task.tasks) visit(child);
      return;
    }
    const result = task.result;
    const state = result?.state;
    if (task.type !== 'test' || (state !== 'pass' && state !== 'skip')) return;
    // A test skipped by its mode never started (no start time): Vitest knows it from the collection.
    if (result?.startTime === undefined || result.startTime + (result.duration ?? 0) < sinceEpoch) return;
    finished.push({
      name: testLabel(task),
      state,
      ...(result.duration === undefined ? {} : { durationMs: Math.round(result.duration) }),
    });
  };
  visit(file);
  return finished;
}
