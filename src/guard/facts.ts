import type { ProcessFacts } from '../dump/model.js';
import { threadId } from '../thread.js';

/** Facts about this process. Environment variables are consulted by name only, never copied. */
export function processFacts(): ProcessFacts {
  return {
    pid: process.pid,
    threadId,
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    argv: [...process.argv],
    execArgv: [...process.execArgv],
    cwd: process.cwd(),
    ...runner(),
  };
}

function runner(): { runner?: string } {
  const env = process.env;
  if (env.VITEST !== undefined) return { runner: 'vitest' };
  if (env.JEST_WORKER_ID !== undefined) return { runner: 'jest' };
  if (env.NODE_TEST_CONTEXT !== undefined) return { runner: 'node:test' };
  return {};
}
