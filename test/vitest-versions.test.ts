import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { EXPECTED_DUMPS } from './fixtures/vitest-plugin/expected.js';
import { markerLine, NODE, NODE24, ROOT, run, runnerProject } from './helpers.js';

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
    expect(dumps.map((d) => `${d.json.class} ${d.json.label}`).sort()).toEqual(EXPECTED_DUMPS);
    const relative = path.relative(ROOT, project);
    expect(dumps.find((d) => d.json.class === 'BLOCKED')?.json.stuck?.frame).toMatchObject({
      file: `${relative}/blocked.test.ts`,
      line: markerLine('vitest-plugin/blocked.test.ts', 'plugin-redos'),
    });
    expect(result.stdout + result.stderr).toMatch(
      /Test timed out in 1000ms\.\n.*\nhangdump: WAITING at .*waiting\.test\.ts:\d+:\d+; dump: /,
    );
    if (summary) expect(result.stdout).toContain('hangdump: 7 hang dumps written in this run');
  });
});
