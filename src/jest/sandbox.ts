import type { CircusState } from './circus.js';

/** A test file's global: the vm context Jest runs its code in. */
export type Sandbox = Record<symbol, unknown>;

/** Set on a test file's global by hangdump's environment, so that the setup file stands aside. */
export const GUARDED_BY_ENVIRONMENT = Symbol.for('hangdump.jest.environment');

/** circus keeps its state on the test file's global, under a symbol of its own (not a registered one). */
export function circusState(sandbox: Sandbox): CircusState | undefined {
  const key = Object.getOwnPropertySymbols(sandbox).find((s) => s.description === 'JEST_STATE_SYMBOL');
  return key === undefined ? undefined : (sandbox[key] as CircusState);
}
