import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { EXPECTED_DUMPS, reportedAnnotations } from './fixtures/vitest-plugin/expected.js';
import { RETRY_DUMPS } from './fixtures/vitest-retry/expected.js';
import { type Dump, dumpLabels, markerLine, NODE, NODE24, ROOT, run, runnerProject } from './helpers.js';

// The root's Vitest 4 runs the full plugin suite (vitest-plugin.test.ts); here the other supported
// majors run the same fixture project: Vitest 3.2 on this machine's Node, Vitest 5 on Node 24.
// Vitest 3.2's main process dies on the ended worker's closed channel ("Unhandled Rejection: Channel
// closed") before its summary: the run still ends, failing, with the dumps and the failures printed.
const VERSIONS = [
  { runner: 'vitest3', node: NODE, pools: ['forks'], summary: false },
  { runner: 'vitest5', node: NODE24, pools: ['forks', 'threads'], summary: true },
];

describe.each(VERSIONS)('$runner', ({ runner, node, pools, summary }) => {
  test.skipIf(!node).each(pools)('the plugin dumps BLOCKED and WAITING tests (%s pool)', async (pool) => {
    const project = runnerProject(runner, 'vitest-plugin');
    const vitest = path.join(ROOT, 'test/runners', runner, 'node_modules/vitest/vitest.mjs');
    const result = await run(node as string, [vitest, 'run', '--root', project, '--pool', pool]);
    expect(result.code).toBe(1);
    const dumps = result.dumps();
    expect(dumpLabels(dumps)).toEqual(EXPECTED_DUMPS);
    const relative = path.relative(ROOT, project);
    const blocked = dumps.find((d) => d.json.class === 'BLOCKED')?.json;
    expect(blocked?.stuck?.frame).toMatchObject({
      file: `${relative}/blocked.test.ts`,
      line: markerLine('vitest-plugin/blocked.test.ts', 'plugin-redos'),
    });
    // Read from this version's own tasks inside the pause.
    expect(blocked?.finishedTests).toEqual([
      { name: 'blocked.test.ts > passes first', state: 'pass', durationMs: expect.any(Number) },
    ]);
    expect(result.stdout + result.stderr).toMatch(
      /Test timed out in 1000ms\.\n.*\nhangdump: WAITING at .*waiting\.test\.ts:\d+:\d+; dump: /,
    );
    if (!summary) return;
    expect(result.stdout).toMatch(/Tests\s+9 failed \| 5 passed \(14\)/);
    expect(result.stdout).toContain('hangdump: 10 hang dumps written in this run');
    expect(reportedAnnotations(result.stdout).map((a) => a.headline)).toEqual(
      expect.arrayContaining(waitingHeadlines(dumps)),
    );
    expect(reportedAnnotations(result.stdout)).toHaveLength(9);
    expect(result.stderr).toMatch(
      / FAIL {2}blocked\.test\.ts > validates a long sentence\nError: BLOCKED — .*; hangdump ended its worker\nhangdump: BLOCKED.*; dump: .*blocked\.test\.ts-validates-a-long-sentence\.blocked\./,
    );
  });

  test.skipIf(!node)('a vm pool runs its other files after hangdump ended the worker of one', async () => {
    const project = runnerProject(runner, 'vitest-process-watchdog/shared');
    const vitest = path.join(ROOT, 'test/runners', runner, 'node_modules/vitest/vitest.mjs');
    const result = await run(node as string, [vitest, 'run', '--root', project, '--pool', 'vmForks']);
    expect(dumpLabels(result.dumps())).toEqual(['BLOCKED spins.test.ts > spins']);
    expect(result.stdout).toMatch(/Test Files\s+1 failed \| 1 passed/);
  });
});

test('vitest3: WAITING dumps are attached to their tests as annotations', async () => {
  const project = runnerProject('vitest3', 'vitest-plugin');
  const vitest = path.join(ROOT, 'test/runners/vitest3/node_modules/vitest/vitest.mjs');
  // Without the BLOCKED file, whose ended worker stops Vitest 3.2's main process before it reports.
  const result = await run(NODE, [vitest, 'run', '--root', project, 'waiting']);
  expect(result.code).toBe(1);
  const annotations = reportedAnnotations(result.stdout);
  expect(annotations.map((a) => a.headline).sort()).toEqual(waitingHeadlines(result.dumps()).sort());
  expect(annotations.map((a) => a.test)).toEqual([
    'client > fetches from a server that never answers',
    'client > gets a greeting',
    'client > has a custom timeout',
    'setup and teardown that hang > never starts either',
    'setup and teardown that hang > never starts either',
    'setup that hangs > never starts',
  ]);
});

test('vitest3: a worker compiles hangdump from a code cache, made by a first run and again when V8 rejects it', async () => {
  const project = runnerProject('vitest3', 'vitest-plugin');
  const vitest = path.join(ROOT, 'test/runners/vitest3/node_modules/vitest/vitest.mjs');
  const cacheDir = path.join(ROOT, 'test/runners/vitest3/node_modules/.cache/hangdump');
  fs.rmSync(cacheDir, { recursive: true, force: true });
  const runPassing = async () =>
    expect((await run(NODE, [vitest, 'run', '--root', project, 'passing'])).code).toBe(0);
  await runPassing();
  const files = fs.readdirSync(cacheDir);
  expect(files).toEqual([expect.stringMatching(new RegExp(`^[0-9a-f]{23}-v[\\d.]+-${process.arch}\\.v8$`))]);
  const cache = path.join(cacheDir, files[0] as string);
  // Not a code cache at all: V8 rejects it, the run goes on, and the first file's worker makes it again.
  fs.writeFileSync(cache, 'not a code cache');
  await runPassing();
  expect(fs.statSync(cache).size).toBeGreaterThan(10_000);
  // One V8 accepts is used as it is.
  const { mtimeMs } = fs.statSync(cache);
  await runPassing();
  expect(fs.statSync(cache).mtimeMs).toBe(mtimeMs);
  expect(fs.readdirSync(cacheDir)).toEqual(files);
});

test('vitest3: retry and repeats: an attempt that hangs has a dump of its own, and a retry that passes none', async () => {
  // Vitest 3.2 keeps the first try's timeout error among the test's errors while its retry runs.
  const project = runnerProject('vitest3', 'vitest-retry');
  const vitest = path.join(ROOT, 'test/runners/vitest3/node_modules/vitest/vitest.mjs');
  const result = await run(NODE, [vitest, 'run', '--root', project]);
  expect(result.stdout).toMatch(/Tests\s+1 failed \| 1 passed \(2\)/);
  const dumps = result.dumps().map((d) => ({ label: d.json.label, budgetMs: d.json.budgetMs }));
  expect(dumps.sort((a, b) => a.label.localeCompare(b.label))).toEqual(RETRY_DUMPS);
});

function waitingHeadlines(dumps: Dump[]): string[] {
  return dumps.filter((d) => d.json.class === 'WAITING').map((d) => d.text.split('\n')[0] ?? '');
}
