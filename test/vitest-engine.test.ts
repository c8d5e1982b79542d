import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { markerLine, NODE, ROOT, run } from './helpers.js';

const VITEST = path.join(ROOT, 'node_modules/vitest/vitest.mjs');

test('dumpOnHang inside real Vitest (forks pool) shows TypeScript positions', async () => {
  const result = await run(NODE, [VITEST, 'run', '--root', 'test/fixtures/vitest-basic']);
  expect(result.code).not.toBe(0);
  const dumps = result.dumps();
  const blocked = dumps.find((d) => d.json.class === 'BLOCKED');
  const waiting = dumps.find((d) => d.json.class === 'WAITING');
  const busyLine = markerLine('vitest-basic/busy.test.ts', 'vitest-busy');
  expect(blocked?.json).toMatchObject({
    label: 'spins forever',
    process: { runner: 'vitest' },
    stuck: {
      frame: { file: 'test/fixtures/vitest-basic/busy.test.ts', line: busyLine, functionName: 'spin' },
    },
  });
  expect(blocked?.text).toContain(`>  ${busyLine} |   for (;;) counter.value++;`);
  expect(waiting?.json).toMatchObject({ label: 'asks a silent server', process: { runner: 'vitest' } });
  expect(waiting?.json.resources.handles.map((h) => h.type)).toEqual(
    expect.arrayContaining(['Server', 'Socket']),
  );
  // Vitest fails the WAITING test by its own timeout: the run goes on and ends.
  expect(result.stdout + result.stderr).toMatch(/Test timed out in 2500ms/);
});

test('a test guarded by hand under the plugin: one runtime in the worker, and a dump for each guard', async () => {
  const result = await run(NODE, [
    VITEST,
    'run',
    '--root',
    'test/fixtures/vitest-basic',
    '--config',
    'plugin.config.ts',
  ]);
  expect(result.code).toBe(1);
  const dumps = result.dumps();
  const own = dumps.find((d) => d.json.label === 'asks a silent server');
  const plugin = dumps.find((d) => d.json.label === 'waiting.test.ts > asks a server that never answers');
  expect(own?.json).toMatchObject({ class: 'WAITING', budgetMs: 1000 });
  expect(plugin?.json).toMatchObject({ class: 'WAITING', budgetMs: 2500 });
  // Each dump leaves out its own runtime's heartbeat: a second runtime's would be listed as a timer.
  for (const dump of [own, plugin]) {
    expect(dump?.json.resources.timers.filter((timer) => timer.repeat)).toEqual([]);
    expect(dump?.json.resources.handles.map((h) => h.type)).toEqual(
      expect.arrayContaining(['Server', 'Socket']),
    );
  }
});

test('the setup file is one module that imports vitest alone: Vitest loads each of its imports through its module runner', () => {
  // No chunk, no Node module.
  const imports = staticImports('dist/vitest-setup.js');
  expect(imports.length).toBeGreaterThan(0);
  expect(new Set(imports)).toEqual(new Set(['vitest']));
});

test("the preload imports nothing of Vitest's statically: it imports the module of Vitest's worker that holds its runner", () => {
  expect(staticImports('dist/vitest-preload.js').every((specifier) => specifier.startsWith('node:'))).toBe(
    true,
  );
});

/** The static imports of a minified bundle in dist/ (`import … from"x"`, `import"x"`). */
function staticImports(file: string): string[] {
  const source = fs.readFileSync(path.join(ROOT, file), 'utf8');
  return [...source.matchAll(/\bimport\s*(?:[^'"();]*?\bfrom\s*)?["']([^"']+)["']/g)].map(
    (match) => match[1] ?? '',
  );
}
