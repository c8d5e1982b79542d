import { readFileSync } from 'node:fs';
import { setTimeout } from 'node:timers';
import type { RunnerTestCase } from 'vitest';
import type { DumpResult } from '../dump/result.js';
import { dumpWriter } from '../guard/lazy.js';

/** The part of a test's context that hangdump uses: the task, its timeout signal, its annotations. */
export interface TestContext {
  task?: RunnerTestCase;
  signal?: AbortSignal;
  /** Vitest 3.2+. */
  annotate?: (message: string, type: string, attachment: { body: string; contentType: string }) => unknown;
  onTestFinished?: (handler: () => unknown) => void;
}

/** The annotation type hangdump's annotations carry, so reporters can tell them apart. */
export const ANNOTATION_TYPE = 'hangdump';

/** How long a test's end waits for its annotation to reach Vitest's main process (slow on a loaded machine). */
const SEND_WAIT_MS = 5000;

/** Annotations sent, by dump: a timeout's dump is met twice (the abort, then the first afterEach). */
const sent = new WeakMap<DumpResult, Promise<void>>();

/**
 * Attaches a dump to its test as a Vitest annotation (3.2+) of type `hangdump`: the one-line form as
 * the message, the text dump as the attachment's body, so the HTML reporter and the UI show it (also
 * from a CI artifact, where the dump's path is not at hand). Never changes the test's result; without
 * the API, or when Vitest refuses, nothing happens. Returns a promise that settles (never rejects)
 * once the annotation has reached Vitest's main process, or after five seconds: a hook that returns it
 * keeps the worker from ending before the annotation is sent. The test's end waits for it too (an
 * `onTestFinished` handler): Vitest awaits a test's pending annotations only after its body, which a
 * failing `beforeEach` never runs, and reports the test without one that comes later.
 */
export function annotateDump(context: TestContext | undefined, dump: DumpResult): Promise<void> | undefined {
  const test = context?.task;
  if (typeof context?.annotate !== 'function' || !test) return undefined;
  const known = sent.get(dump);
  if (known) return known;
  // Vitest refuses annotations once the test has a result; a dump is taken after it has one when
  // the timeout did not abort the test's signal (3.2), or when the test passed after its dump. The
  // check is synchronous: the result is restored before anything else sees it.
  const result = test.result;
  const state = result?.state;
  let annotation: unknown;
  try {
    // Loaded with the first dump (or now, for a dump the watchdog wrote): not by every test file.
    const { dumpSummary } = dumpWriter.load() ?? {};
    if (!dumpSummary) return undefined;
    const body = readFileSync(dump.file).toString('base64');
    if (result && state !== 'run') result.state = 'run';
    annotation = context.annotate(dumpSummary(dump), ANNOTATION_TYPE, { body, contentType: 'text/plain' });
  } catch {
    // No annotation: the dump and the failure's line still name it.
  } finally {
    if (result && state !== undefined) result.state = state;
  }
  const settled = settleWithin(annotation, SEND_WAIT_MS);
  sent.set(dump, settled);
  if (annotation !== undefined) {
    try {
      context.onTestFinished?.(() => settled);
    } catch {
      // Too late to hold the test's end: the annotation goes as it can.
    }
  }
  return settled;
}

/** A promise that resolves when `value` settles (if it is a promise), or after `ms`, whichever comes first. */
function settleWithin(value: unknown, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    Promise.resolve(value).then(
      () => resolve(),
      () => resolve(),
    );
    // The timer needs no clearing: it is unref'd, and resolving twice does nothing.
    timer.unref();
  });
}
