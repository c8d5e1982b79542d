import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { EXPECTED_DUMPS, reportedAnnotations } from './fixtures/vitest-plugin/expected.js';
import { RETRY_DUMPS } from './fixtures/vitest-retry/expected.js';
import { dumpLabels, markerLine, NODE, ROOT, type Run, run } from './helpers.js';

const VITEST = path.join(ROOT, 'node_modules/vitest/vitest.mjs');
const PROJECT = 'test/fixtures/vitest-plugin';

describe.each(['forks', 'threads', 'vmForks', 'vmThreads'])(
  'the Vitest plugin arms every test and hook (%s pool)',
  (pool) => {
    let result: Run;
    beforeAll(async () => {
      result = await run(NODE, [VITEST, 'run', '--root', PROJECT, '--pool', pool]);
    });
    const dump = (label: string) => result.dumps().find((d) => d.json.label === label);

    test('the run ends, failing, with one dump per hang', () => {
      expect(result.code).toBe(1);
      expect(dumpLabels(result.dumps())).toEqual(EXPECTED_DUMPS);
      // blocked.test.ts's "passes first" counts as passed, also when its result was still in the
      // worker's next batch of updates when hangdump ended it (the BLOCKED dump lists it).
      expect(result.stdout).toMatch(/Tests\s+9 failed \| 5 passed \(14\)/);
    });

    test('BLOCKED: a ReDoS names its TypeScript line, and the worker is ended so the run goes on', () => {
      const blocked = dump('blocked.test.ts > validates a long sentence');
      const line = markerLine('vitest-plugin/blocked.test.ts', 'plugin-redos');
      expect(blocked?.json).toMatchObject({
        class: 'BLOCKED',
        budgetMs: 1000,
        process: { runner: 'vitest' },
        stuck: {
          frame: {
            file: `${PROJECT}/blocked.test.ts`,
            line,
          },
        },
        // Finished a moment before: its result may not have left the worker Vitest ended.
        finishedTests: [{ name: 'blocked.test.ts > passes first', state: 'pass' }],
      });
      // Vitest fails the test itself, with the dump's path and the stuck line's code frame.
      expect(result.stderr).toMatch(
        new RegExp(
          ` FAIL  blocked\\.test\\.ts > validates a long sentence\nError: BLOCKED — "blocked\\.test\\.ts > validates a long sentence" exceeded 1s \\(.*\\); hangdump ended its worker\nhangdump: BLOCKED at ${PROJECT}/blocked\\.test\\.ts:${line}:\\d+; dump: .*${path.basename(blocked?.file ?? 'x')}\n ❯ parse blocked\\.test\\.ts:${line}:\\d+\n.*\n.*\n.*${line}\\|.*HANG: plugin-redos`,
        ),
      );
      expect(result.stdout).toMatch(/Test Files\s+4 failed \| 1 passed/);
      expect(result.stdout).toContain(
        'hangdump: "Worker exited unexpectedly" above: hangdump ended the worker running blocked.test.ts after its BLOCKED dump.',
      );
    });

    test("WAITING: the budget is the test's own timeout, and Vitest's error names the dump", () => {
      const greeting = dump('waiting.test.ts > client > gets a greeting');
      expect(greeting?.json.budgetMs).toBe(1000);
      expect(greeting?.json.resources.handles.map((h) => h.type)).toEqual(
        expect.arrayContaining(['Server', 'Socket']),
      );
      expect(dump('waiting.test.ts > client > has a custom timeout')?.json.budgetMs).toBe(1500);
      const dir = path.relative(ROOT, result.dumpDir);
      expect(result.stderr).toMatch(
        new RegExp(
          `Test timed out in 1000ms\\.\\n.*\\nhangdump: WAITING at ${PROJECT}/waiting\\.test\\.ts:\\d+:\\d+; dump: .*${path.basename(greeting?.file ?? 'x')}`,
        ),
      );
      expect(result.stderr).toMatch(/Test timed out in 1500ms\.\n.*\nhangdump: WAITING; dump: /);
      expect(dir).not.toBe('');
    });

    test('each WAITING dump is attached to its test: the annotation and the dump reach the reporters', () => {
      const waiting = result.dumps().filter((d) => d.json.class === 'WAITING');
      const annotations = reportedAnnotations(result.stdout);
      expect(annotations.map((a) => a.headline).sort()).toEqual(
        waiting.map((d) => d.text.split('\n')[0]).sort(),
      );
      const greeting = annotations.find((a) => a.test === 'client > gets a greeting');
      expect(greeting?.message).toMatch(
        new RegExp(
          `^WAITING at ${PROJECT}/waiting\\.test\\.ts:\\d+:\\d+; dump: .*waiting\\.test\\.ts-client-gets-a-greeting\\.waiting\\.`,
        ),
      );
      // A hook's dump goes to the test it ran for.
      expect(annotations.map((a) => a.test)).toContain('setup that hangs > never starts');
    });

    test("WAITING on fetch to the file's own server: the dump names that server and where it was created", () => {
      const fetched = dump('waiting.test.ts > client > fetches from a server that never answers');
      const line = markerLine('vitest-plugin/waiting.test.ts', 'mock-server', 'CREATED');
      expect(fetched?.json.stuck).toMatchObject({
        waitingOn: expect.stringMatching(
          /^Socket 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+, read 0 B, written [1-9]\d* B, reading$/,
        ),
        atPeer: true,
        peer: {
          description: expect.stringMatching(/^Server listening on 127\.0\.0\.1:\d+/),
          createdAt: { file: `${PROJECT}/waiting.test.ts`, line },
        },
        frame: { file: `${PROJECT}/waiting.test.ts`, line },
      });
      expect(fetched?.text).toMatch(
        new RegExp(
          `^ {2}its other end is in this process: Server listening on 127\\.0\\.0\\.1:\\d+.*, created at ${PROJECT}/waiting\\.test\\.ts:${line}:\\d+$`,
          'm',
        ),
      );
    });

    test('concurrent tests hanging together get a dump each, naming its own socket', () => {
      const first = dump('concurrent.test.ts > in parallel > waits for the first signal');
      const second = dump('concurrent.test.ts > in parallel > waits for the second signal');
      expect(first?.json.budgetMs).toBe(1000);
      expect(second?.json.budgetMs).toBe(1000);
      expect(first?.file).not.toBe(second?.file);
      // Both tests are armed before either creates its socket: each socket is its own test's.
      for (const [each, marker] of [
        [first, 'concurrent-first'],
        [second, 'concurrent-second'],
      ] as const) {
        expect(each?.json.stuck).toMatchObject({
          waitingOn: expect.stringMatching(/^Socket /),
          frame: { line: markerLine('vitest-plugin/concurrent.test.ts', marker, 'CREATED') },
        });
      }
    });

    test('fake timers in the test do not reach hangdump: the dump comes at the real timeout', () => {
      const fake = dump('fake-timers.test.ts > waits on a fake timer');
      expect(fake?.json).toMatchObject({ class: 'WAITING', budgetMs: 1000 });
      expect(fake?.json.elapsedMs).toBeGreaterThanOrEqual(900);
      expect(fake?.json.elapsedMs).toBeLessThan(3000);
    });

    test('a hanging beforeEach is dumped as the hook, naming the test it ran for', () => {
      const hook = dump('waiting.test.ts > setup that hangs > never starts [beforeEach]');
      expect(hook?.json).toMatchObject({ class: 'WAITING', budgetMs: 1000 });
      expect(result.stderr).toMatch(/Hook timed out in 1000ms\.\n.*\nhangdump: WAITING; dump: /);
    });

    test("a test's second timeout (a hanging afterEach after a hanging beforeEach) has its dump too", () => {
      const after = dump('waiting.test.ts > setup and teardown that hang > never starts either [afterEach]');
      expect(after?.json).toMatchObject({ class: 'WAITING', budgetMs: 1000 });
      // Vitest's error for the afterEach names its dump, as the first timeout's names its own.
      expect(result.stderr).toMatch(
        new RegExp(
          `Hook timed out in 1000ms\\.\\n.*\\nhangdump: WAITING; dump: .*${path.basename(after?.file ?? 'x')}`,
        ),
      );
    });

    test('the reporter lists the dumps after the summary', () => {
      const summary = result.stdout.slice(result.stdout.lastIndexOf('Duration'));
      expect(summary).toContain('hangdump: 10 hang dumps written in this run');
      expect(summary).toMatch(
        /BLOCKED "blocked\.test\.ts > validates a long sentence" stuck at .*blocked\.test\.ts:\d+:\d+/,
      );
      expect(summary).toMatch(
        /WAITING "waiting\.test\.ts > client > fetches from a server that never answers" waiting on Socket to a Server created at .*waiting\.test\.ts:\d+:\d+/,
      );
    });
  },
);

test('a passing suite under the plugin writes no dump', async () => {
  const result = await run(NODE, [VITEST, 'run', '--root', PROJECT, 'passing']);
  expect(result.code).toBe(0);
  expect(result.dumps()).toEqual([]);
  expect(result.stdout).not.toContain('hangdump:');
});

test.each([
  ['forks', { preload: true, setupFile: false }],
  ['threads', { preload: false, setupFile: true }],
])(
  '%s pool: how hangdump starts in each worker, and a child process a test forks runs as it would',
  async (pool, started) => {
    const result = await run(NODE, [
      VITEST,
      'run',
      '--root',
      'test/fixtures/vitest-fork-child',
      '--pool',
      pool,
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(/hangdump started by: (.*)/.exec(result.stdout)?.[1] ?? 'null')).toEqual(started);
    // A forked child inherits the worker's flags, the preload among them, which does nothing there.
    expect(JSON.parse(/child: (.*)/.exec(result.stdout)?.[1] ?? 'null')).toEqual({
      code: 0,
      stderr: '',
      answer: { preload: started.preload },
    });
  },
);

test('a project with a runner of its own (and its own runTask): tests are armed from hooks instead', async () => {
  const result = await run(NODE, [
    VITEST,
    'run',
    '--root',
    PROJECT,
    '--config',
    'custom-runner.config.ts',
    'waiting',
  ]);
  expect(result.code).toBe(1);
  expect(dumpLabels(result.dumps())).toEqual(
    EXPECTED_DUMPS.filter((label) => label.includes('waiting.test.ts')),
  );
  const line = markerLine('vitest-plugin/waiting.test.ts', 'greeting-socket', 'CREATED');
  expect(result.stderr).toMatch(
    new RegExp(
      `Test timed out in 1000ms\\.\\n.*\\nhangdump: WAITING at ${PROJECT}/waiting\\.test\\.ts:${line}:\\d+; dump: `,
    ),
  );
});

test('retry and repeats: an attempt that hangs has a dump of its own, named for the attempt', async () => {
  const result = await run(NODE, [VITEST, 'run', '--root', 'test/fixtures/vitest-retry']);
  expect(result.code).toBe(1);
  expect(result.stdout).toMatch(/Tests\s+1 failed \| 1 passed \(2\)/);
  const dumps = result.dumps().map((d) => ({ label: d.json.label, budgetMs: d.json.budgetMs }));
  expect(dumps.sort((a, b) => a.label.localeCompare(b.label))).toEqual(RETRY_DUMPS);
});

test('runDeadline: when it passes, the worker dumps what it runs and the run ends, failing', async () => {
  const result = await run(NODE, [VITEST, 'run', '--root', 'test/fixtures/vitest-deadline']);
  expect(result.code).toBe(1);
  expect(dumpLabels(result.dumps())).toEqual(['WAITING slow.test.ts [run deadline]']);
  expect(result.stderr).toContain('hangdump: the run deadline (2s) has passed: ending the run.');
  expect(result.stderr).toMatch(
    /hangdump: 1 hang dump written in this run\n {2}WAITING "slow\.test\.ts \[run deadline\]"/,
  );
  // The test alone would have taken a minute.
  expect(result.ms).toBeLessThan(30_000);
});

test.each(['forks', 'threads', 'vmForks', 'vmThreads'])(
  'leftovers: the reporter names what each passing test left open, and what each file still holds open at its end (%s pool)',
  async (pool) => {
    const project = 'test/fixtures/vitest-leftovers';
    const result = await run(NODE, [VITEST, 'run', '--root', project, '--pool', pool]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /hangdump: passing tests in .*leaky\.test\.ts left open \(the seed of a later hang\):\n {2}starts a server and forgets it: Server listening on 127\.0\.0\.1:\d+\n/,
    );
    expect(result.stdout).not.toContain('cleans up after itself:');
    // leaky.test.ts closes its servers in afterAll; kept-open.test.ts and opened-on-import.test.ts
    // never close their own (the latter's is opened as the file is imported, before any hook).
    for (const [file, marker] of [
      ['kept-open', 'kept-server'],
      ['opened-on-import', 'import-server'],
    ] as const) {
      const line = markerLine(`vitest-leftovers/${file}.test.ts`, marker, 'OPENED');
      expect(result.stdout).toMatch(
        new RegExp(
          `\nhangdump: ${project}/${file}\\.test\\.ts still holds 1 handle open after its last afterAll \\(each keeps a worker's event loop alive\\):\n {2}Server listening on 127\\.0\\.0\\.1:\\d+, created at ${project}/${file}\\.test\\.ts:${line}:\\d+\n`,
        ),
      );
    }
    expect(result.stdout.match(/still holds/g)).toHaveLength(2);
  },
);

test('a dump taken while the test still runs is attached to it, and the test passes as before', async () => {
  const result = await run(NODE, [VITEST, 'run', '--root', 'test/fixtures/vitest-budget']);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/Tests\s+1 passed \(1\)/);
  const [dump] = result.dumps();
  expect(dump?.json).toMatchObject({ class: 'WAITING', budgetMs: 500 });
  expect(reportedAnnotations(result.stdout)).toEqual([
    {
      test: 'takes longer than its budget, and passes',
      message: expect.stringMatching(
        /^WAITING; dump: .*slow\.test\.ts-takes-longer-than-its-budget-and-passes\.waiting\./,
      ),
      headline: dump?.text.split('\n')[0],
    },
  ]);
});

test.each(['forks', 'vmThreads'])(
  'promises: the dump and the timeout failure name the helper’s await in the .ts file (%s pool)',
  async (pool) => {
    const project = 'test/fixtures/vitest-promises';
    const result = await run(NODE, [VITEST, 'run', '--root', project, '--pool', pool]);
    expect(result.code).toBe(1);
    const [dump, ...others] = result.dumps();
    expect(others).toHaveLength(0);
    const helper = markerLine('vitest-promises/ready.ts', 'helper');
    expect(dump?.json).toMatchObject({
      class: 'WAITING',
      stuck: {
        suspended: true,
        frame: { file: `${project}/ready.ts`, line: helper, functionName: 'waitUntilReady', user: true },
      },
    });
    // The chain: the helper's await, then the test's own, at their TypeScript lines.
    expect(dump?.json.stack.filter((f) => f.user).map((f) => `${f.file}:${f.line}`)).toEqual([
      `${project}/ready.ts:${helper}`,
      `${project}/stuck.test.ts:${markerLine('vitest-promises/stuck.test.ts', 'test')}`,
    ]);
    expect(dump?.text).toMatch(
      new RegExp(`^  > +${helper} \\| +await service\\.ready; // HANG: helper$`, 'm'),
    );
    // Vitest's own failure says where the test waits.
    expect(result.stderr).toMatch(
      new RegExp(
        `Test timed out in 1000ms\\.\\n.*\\nhangdump: WAITING at ${project}/ready\\.ts:${helper}:\\d+; dump: .*${path.basename(dump?.file ?? 'x')}`,
      ),
    );
  },
);
