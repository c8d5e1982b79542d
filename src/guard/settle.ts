import type { HangGuard } from './api.js';

/**
 * Runs `call` under `guard` and disarms it when the call returns, throws, or its promise settles.
 * The result is returned as it is: the same value, the same promise, the same exception.
 */
export function disarmWhenSettled(guard: HangGuard, call: () => unknown, after?: () => void): unknown {
  const done = () => {
    guard.disarm();
    after?.();
  };
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    done();
    throw error;
  }
  if (isThenable(result)) result.then(done, done);
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
