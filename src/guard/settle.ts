import type { HangGuard } from './api.js';

/**
 * Runs `call` under `guard` and disarms it when the call returns, throws, or its promise settles.
 * The result is returned as it is: the same value, the same promise, the same exception.
 */
export function disarmWhenSettled(guard: HangGuard, call: () => unknown): unknown {
  return whenSettled(call, () => guard.disarm());
}

/**
 * Runs `call`, and `done` once it has returned, thrown, or its promise has settled (with what it threw
 * or rejected with); returns as `call` does.
 */
export function whenSettled(call: () => unknown, done: (error?: unknown) => void): unknown {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    done(error);
    throw error;
  }
  if (isThenable(result)) result.then(() => done(), done);
  else done();
  return result;
}

/** True for promises and promise-like values. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
