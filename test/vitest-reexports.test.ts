import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, TestRunner, test } from 'vitest';
import { importRunnerExports, runnerReexports, WORKER_EXPORTS, withIndex } from '../src/vitest/reexports.js';
import { ROOT } from './helpers.js';

const INDEX = path.join(ROOT, 'node_modules/vitest/dist/index.js');

test("the preload takes Vitest's runner and inject from the module its index re-exports them from: the same functions", async () => {
  const runner = await importRunnerExports(INDEX);
  expect(runner).toBeDefined();
  const exports = withIndex(runner as NonNullable<typeof runner>, INDEX);
  const vitest = { TestRunner, inject, beforeAll, afterAll };
  for (const name of WORKER_EXPORTS) expect(exports[name]).toBe(vitest[name]);
});

test("Vitest 5's index re-exports them from one of its chunks too", () => {
  const index = path.join(ROOT, 'test/runners/vitest5/node_modules/vitest/dist/index.js');
  const found = runnerReexports(fs.readFileSync(index, 'latin1'));
  expect(found?.specifier).toMatch(/^\.\/chunks\/[\w.-]+\.js$/);
  expect(Object.keys(found?.names ?? {}).sort()).toEqual(['TestRunner', 'inject']);
});

test('another layout of the index gives nothing: the preload then takes the index itself', () => {
  // Each from a module of its own, or from a package.
  expect(
    runnerReexports("export { T as TestRunner } from './a.js';\nexport { i as inject } from './b.js';\n"),
  ).toBeUndefined();
  expect(runnerReexports("export { TestRunner, inject } from '@vitest/runner';\n")).toBeUndefined();
  expect(runnerReexports('export const TestRunner = 1;\n')).toBeUndefined();
  expect(runnerReexports("export { x as TestRunner, inject } from './chunk.js';")).toEqual({
    specifier: './chunk.js',
    names: { TestRunner: 'x', inject: 'inject' },
  });
});

test('the engine takes from vitest only what the preload hands it', () => {
  const source = fs.readFileSync(path.join(ROOT, 'dist/vitest-engine.cjs'), 'latin1');
  // esbuild binds each `require("vitest")` to a name, plain or through its `__toESM` helper.
  const names = [...source.matchAll(/([\w$]+)=(?:[\w$]+\()?require\("vitest"\)/g)].map(
    (match) => match[1] ?? '',
  );
  expect(names.length).toBeGreaterThan(0);
  const used = names.flatMap((name) => [
    ...source.matchAll(new RegExp(`(?<![\\w$.])${name.replaceAll('$', '\\$')}\\.([\\w$]+)`, 'g')),
  ]);
  expect(used.length).toBeGreaterThan(0);
  for (const [, member] of used) expect(WORKER_EXPORTS).toContain(member);
});
