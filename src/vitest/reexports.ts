// Node's modules by `process.getBuiltinModule`, not imported: part of the preload (see setup.ts).
const { readFileSync } = process.getBuiltinModule('node:fs');
const { createRequire } = process.getBuiltinModule('node:module');
const { pathToFileURL } = process.getBuiltinModule('node:url');

/**
 * What hangdump's worker side takes from `vitest` (the engine's imports of it, and the engine
 * loader's `afterAll`): a test checks the engine bundle against this list.
 */
export const WORKER_EXPORTS = ['TestRunner', 'inject', 'beforeAll', 'afterAll'] as const;

/** The part of `vitest`'s exports that hangdump's worker side uses. */
export type WorkerExports = Pick<typeof import('vitest'), (typeof WORKER_EXPORTS)[number]>;

/** The two of them that every file's start uses. */
type RunnerExports = Pick<WorkerExports, 'TestRunner' | 'inject'>;

/** `export { a as b, c } from 'x'`, in a bundled module's text. */
const REEXPORT = /export\s*\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/g;

/**
 * Where Vitest's index (its text) re-exports `TestRunner` and `inject` from: one module of its own
 * (a chunk, in Vitest 4.1 and 5), and each one's name there. Undefined for any other layout.
 */
export function runnerReexports(
  indexSource: string,
): { specifier: string; names: Record<keyof RunnerExports, string> } | undefined {
  for (const [, list = '', specifier = ''] of indexSource.matchAll(REEXPORT)) {
    const names: Partial<Record<string, string>> = {};
    for (const item of list.split(',')) {
      const [local = '', exported = local] = item.trim().split(/\s+as\s+/);
      names[exported] = local;
    }
    const { TestRunner, inject } = names;
    if (TestRunner === undefined) continue;
    return specifier.startsWith('./') && inject !== undefined
      ? { specifier, names: { TestRunner, inject } }
      : undefined;
  }
  return undefined;
}

/**
 * Imports the module of Vitest's worker that defines `TestRunner` and `inject` (see
 * `runnerReexports`), rather than Vitest's index (`indexFile`): the preload does so as it loads,
 * before the worker's entry, which imports that module anyway. The index, which the test file
 * imports later, is then loaded when the test file asks for it, as without hangdump: loaded by the
 * preload when the worker listened for its first message, it cost each worker of a 20-file suite
 * about 115 more page faults in its tests and a few milliseconds (docs/performance.md). Undefined
 * for another layout of Vitest's files.
 */
export async function importRunnerExports(indexFile: string): Promise<RunnerExports | undefined> {
  const found = runnerReexports(readFileSync(indexFile, 'latin1'));
  if (!found) return undefined;
  const module = (await import(new URL(found.specifier, pathToFileURL(indexFile)).href)) as Record<
    string,
    unknown
  >;
  const TestRunner = module[found.names.TestRunner];
  const inject = module[found.names.inject];
  return typeof TestRunner === 'function' && typeof inject === 'function'
    ? ({ TestRunner, inject } as RunnerExports)
    : undefined;
}

/**
 * `WORKER_EXPORTS` from `runner`'s two, and the rest from Vitest's index (`indexFile`), taken
 * (`requireIndex`) only when they are used: `beforeAll` for a Vitest before 4.1, `afterAll` for a
 * missing code cache.
 */
export function withIndex(runner: RunnerExports, indexFile: string): WorkerExports {
  let index: WorkerExports | undefined;
  const fromIndex = (): WorkerExports => {
    index ??= requireIndex(indexFile);
    return index;
  };
  return {
    ...runner,
    get beforeAll() {
      return fromIndex().beforeAll;
    },
    get afterAll() {
      return fromIndex().afterAll;
    },
  };
}

/** Vitest's index itself, by `require` of an ES module (Node 20.19+: the same instance as an `import`). */
export function requireIndex(indexFile: string): WorkerExports {
  return createRequire(indexFile)(indexFile) as WorkerExports;
}
