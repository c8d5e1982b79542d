import fs from 'node:fs';
import type { RunnerTestCase } from 'vitest';
import { type DumpResult, dumpSummary } from '../dump/result.js';

/** The part of a test's context that hangdump uses: the task, its timeout signal, its annotations. */
export interface TestContext {
  task?: RunnerTestCase;
  signal?: AbortSignal;
  /** Vitest 3.2+. */
  annotate?: (message: string, type: string, attachment: { body: string; contentType: string }) => unknown;
}

/** The annotation type hangdump's annotations carry, so reporters can tell them apart. */
export const ANNOTATION_TYPE = 'hangdump';

/** Dumps already attached: a timeout's dump is met twice (the abort, then the first afterEach). */
const annotated = new WeakSet<DumpResult>();

/**
 * Attaches a dump to its test as a Vitest annotation (3.2+) of type `hangdump`: the one-line form as
 * the message, the text dump as the attachment's body, so the HTML reporter and the UI show it (also
 * from a CI artifact, where the dump's path is not at hand). Never changes the test's result; without
 * the API, or when Vitest refuses, nothing happens.
 */
export function annotateDump(context: TestContext | undefined, dump: DumpResult): void {
  const test = context?.task;
  if (typeof context?.annotate !== 'function' || !test || annotated.has(dump)) return;
  annotated.add(dump);
  // Vitest refuses annotations once the test has a result; a dump is taken after it has one when
  // the timeout did not abort the test's signal (3.2), or when the test passed after its dump. The
  // check is synchronous: the result is restored before anything else sees it.
  const result = test.result;
  const state = result?.state;
  try {
    const body = fs.readFileSync(dump.file).toString('base64');
    if (result && state !== 'run') result.state = 'run';
    const sent = context.annotate(dumpSummary(dump), ANNOTATION_TYPE, { body, contentType: 'text/plain' });
    (sent as Promise<unknown> | undefined)?.catch?.(() => {});
  } catch {
    // No annotation: the dump and the failure's line still name it.
  } finally {
    if (result && state !== undefined) result.state = state;
  }
}
