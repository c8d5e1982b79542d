import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { type Dump, dumpLabels, markerLine, NODE, ROOT, type Run, run, tempDir } from './helpers.js';

/** Jest 30 from the root's devDependencies; Jest 29 from test/runners/jest29 (installed by `npm test`). */
const JEST = {
  30: path.join(ROOT, 'node_modules/jest/bin/jest.js'),
  29: path.join(ROOT, 'test/runners/jest29/node_modules/jest/bin/jest.js'),
};
type Version = keyof typeof JEST;
const PROJECTS = ['jest-js', 'jest-ts', 'jest-setup', 'jest-fake-timers', 'jest-promises'];

beforeAll(() => {
  for (const project of PROJECTS) installHangdump(project);
});

/**
 * Installs the built package into a fixture project as npm would: a copy in its node_modules. Jest
 * resolves symlinks to their real paths, and hangdump's files must lie in node_modules, as a user's
 * do (Jest then neither transforms them nor reports their handles under --detectOpenHandles).
 */
function installHangdump(project: string): void {
  const target = path.join(ROOT, 'test/fixtures', project, 'node_modules/hangdump');
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(target, 'package.json'));
  fs.cpSync(path.join(ROOT, 'dist'), path.join(target, 'dist'), {
    recursive: true,
    filter: (source) => path.basename(source) !== 'types',
  });
}

/** Runs Jest on a fixture project: test path patterns first, then options. */
function jest(version: Version, project: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  // A fresh cache each run: with no timings from earlier runs, Jest uses workers whenever it may.
  const cache = tempDir('hangdump-jest-cache-');
  const options = ['--config', `test/fixtures/${project}/jest.config.cjs`, '--cacheDirectory', cache];
  // Not under Vitest's variables, from which dumps would name Vitest as the runner.
  return run(NODE, [JEST[version], ...args, ...options], { env: { VITEST: undefined, ...env } });
}

const fixture = (project: string, file: string) => `test/fixtures/${project}/${file}`;
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const dumpOf = (result: Run, label: string): Dump | undefined =>
  result.dumps().find((d) => d.json.label === label);

/** Jest's timeout failure, with the line hangdump adds: where the block is, and its dump. */
function timeoutFailure(ms: number, kind: 'test' | 'hook', dump: Dump | undefined, where: string): RegExp {
  return new RegExp(
    `Exceeded timeout of ${ms} ms for a ${kind}\\.\\n.*\\n\\s*hangdump: WAITING at ${literal(where)}:\\d+; dump: ${literal(dump?.file ?? '?')}"`,
  );
}

describe.each([30, 29] as const)('Jest %i', (version) => {
  describe('the environment, in workers (JavaScript)', () => {
    const project = 'jest-js';
    const at = (file: string, id: string) => ({
      file: fixture(project, file),
      line: markerLine(`${project}/${file}`, id),
    });
    let result: Run;
    beforeAll(async () => {
      result = await jest(version, project, ['--maxWorkers=2']);
    });

    test('one dump per hang, labelled with the file and Jest full name; the run ends, failing', () => {
      expect(result.code).toBe(1);
      expect(dumpLabels(result.dumps())).toEqual([
        'BLOCKED busy.test.js > spins forever',
        'BLOCKED redos.test.js > parser > rejects a long sentence',
        'WAITING waiting.test.js > client > gets a greeting',
        'WAITING waiting.test.js > client > waits for a promise nobody resolves',
        'WAITING waiting.test.js > setup that hangs > never starts [beforeEach]',
      ]);
      expect(result.stderr).toMatch(/Tests:\s+5 failed, 3 passed, 8 total/);
    });

    test('BLOCKED: a busy loop and a ReDoS, at their exact lines', () => {
      const busy = dumpOf(result, 'busy.test.js > spins forever');
      expect(busy?.text.split('\n')[0]).toMatch(
        /^hangdump: BLOCKED — "busy\.test\.js > spins forever" exceeded 1s \(event loop not turning/,
      );
      expect(busy?.json).toMatchObject({
        budgetMs: 1000,
        process: { runner: 'jest' },
        stuck: { frame: at('busy.test.js', 'jest-busy') },
      });
      // Armed outside the test's vm context, the guard's probe was still found (in the default context).
      expect(busy?.json.notes).toEqual([]);
      expect(busy?.json.resources.active.length).toBeGreaterThan(0);
      const redos = dumpOf(result, 'redos.test.js > parser > rejects a long sentence');
      expect(redos?.json.stuck?.frame).toMatchObject(at('redos.test.js', 'jest-redos'));
    });

    test('BLOCKED in a worker: Jest runs the file again, where the test fails at once instead of hanging', () => {
      const busy = dumpOf(result, 'busy.test.js > spins forever');
      const { line } = at('busy.test.js', 'jest-busy');
      expect(result.stderr).toContain(
        `hangdump: BLOCKED at ${fixture(project, 'busy.test.js')}:${line}:3; dump: ${busy?.file}`,
      );
      expect(result.stderr.match(/hangdump: not run again/g)).toHaveLength(2);
      // The test after the blocked one ran in the second attempt.
      expect(result.stderr).not.toMatch(/retry limit|Call retries were exceeded/);
    });

    test("WAITING: the dump is taken at Jest's timeout, before afterEach cleans up, and named in the failure", () => {
      const socket = dumpOf(result, 'waiting.test.js > client > gets a greeting');
      expect(socket?.text.split('\n')[0]).toMatch(
        /^hangdump: WAITING — "waiting\.test\.js > client > gets a greeting"/,
      );
      // Stuck where the socket the afterEach hook destroys was opened: it was still there at the dump.
      expect(socket?.json).toMatchObject({
        budgetMs: 1000,
        stuck: { frame: at('waiting.test.js', 'jest-socket') },
      });
      expect(result.stderr).toMatch(
        timeoutFailure(
          1000,
          'test',
          socket,
          fixture(project, `waiting.test.js:${at('waiting.test.js', 'jest-socket').line}`),
        ),
      );

      const promise = dumpOf(result, 'waiting.test.js > client > waits for a promise nobody resolves');
      // The test's own timeout argument is its budget; the test's definition is where it was guarded.
      expect(promise?.json).toMatchObject({
        budgetMs: 1500,
        stuck: { atGuard: true, frame: at('waiting.test.js', 'jest-promise') },
      });
      const { line } = at('waiting.test.js', 'jest-promise');
      expect(result.stderr).toMatch(
        timeoutFailure(1500, 'test', promise, fixture(project, `waiting.test.js:${line}`)),
      );
    });

    test('a hanging beforeEach is dumped as the hook, named for its test', () => {
      const hook = dumpOf(result, 'waiting.test.js > setup that hangs > never starts [beforeEach]');
      expect(hook?.json).toMatchObject({
        class: 'WAITING',
        budgetMs: 1000,
        stuck: { frame: at('waiting.test.js', 'jest-hook') },
      });
      const { line } = at('waiting.test.js', 'jest-hook');
      expect(result.stderr).toMatch(
        timeoutFailure(1000, 'hook', hook, fixture(project, `waiting.test.js:${line}`)),
      );
    });

    test('the reporter lists the dumps of the run and explains the ended workers', () => {
      const report = result.stderr.slice(result.stderr.indexOf('hangdump: 5 hang dumps written in this run'));
      for (const { json, file } of result.dumps()) {
        const where = json.stuck
          ? ` ${json.stuck.atGuard ? 'guarded' : json.stuck.waitingOn ? 'waiting on' : 'stuck'}`
          : '';
        expect(report).toContain(`\n  ${json.class.padEnd(7)} "${json.label}"${where}`);
        // The dump directory is a temp directory, outside the working directory: shown in full.
        expect(report).toContain(`\n          ${file}\n`);
      }
      expect(report).toContain('hangdump: each BLOCKED test ended its Jest worker;');
    });
  });

  test('TypeScript through babel-jest: dumps at the original positions', async () => {
    const project = 'jest-ts';
    const result = await jest(version, project, ['--maxWorkers=2']);
    expect(result.code).toBe(1);
    expect(dumpLabels(result.dumps())).toEqual([
      'BLOCKED blocked.test.ts > spinner > spins forever',
      'WAITING waiting.test.ts > gets a greeting',
    ]);
    const blocked = dumpOf(result, 'blocked.test.ts > spinner > spins forever');
    const busyLine = markerLine('jest-ts/blocked.test.ts', 'ts-busy');
    expect(blocked?.json.stuck?.frame).toMatchObject({
      file: fixture(project, 'blocked.test.ts'),
      line: busyLine,
    });
    expect(blocked?.text).toMatch(
      new RegExp(`^  > +${busyLine} \\| {3}for \\(;;\\) counter\\.value \\+=`, 'm'),
    );
    const waiting = dumpOf(result, 'waiting.test.ts > gets a greeting');
    // jest.setTimeout(1200) in the file sets the budget.
    expect(waiting?.json).toMatchObject({
      budgetMs: 1200,
      stuck: {
        frame: {
          file: fixture(project, 'waiting.test.ts'),
          line: markerLine('jest-ts/waiting.test.ts', 'ts-socket'),
        },
      },
    });
    // hangdump wrapped the jest-environment-node of the Jest that runs, not another one.
    expect(result.stderr).not.toContain('hangdump: wrapping');
  });

  test("fake timers, modern and legacy: the dump still comes at Jest's real timeout, its positions intact", async () => {
    const project = 'jest-fake-timers';
    const started = Date.now();
    const [environment, setup] = await Promise.all([
      jest(version, project, ['--maxWorkers=2']),
      jest(version, project, ['--maxWorkers=2'], { HANGDUMP_JEST: 'setup' }),
    ]);
    for (const result of [environment, setup]) {
      expect(result.code).toBe(1);
      // The tests that advance their fake timers pass as they would without hangdump.
      expect(result.stderr).toMatch(/Tests:\s+2 failed, 2 passed, 4 total/);
      expect(result.dumps()).toHaveLength(2);
      for (const { json } of result.dumps()) {
        expect(json).toMatchObject({ class: 'WAITING', budgetMs: 1000 });
        // Real time, not the fake clock's: armed during this run, dumped at the timeout, not before.
        expect(Date.parse(json.armedAt)).toBeGreaterThanOrEqual(started - 1000);
        expect(json.elapsedMs).toBeGreaterThanOrEqual(1000);
        expect(json.elapsedMs).toBeLessThan(10_000);
      }
    }
    for (const kind of ['modern', 'legacy']) {
      const file = fixture(project, `${kind}.test.js`);
      const dump = dumpOf(environment, `${kind}.test.js > waits for a fake timer nobody advances`);
      const line = markerLine(`${project}/${kind}.test.js`, `${kind}-fake-timer`, 'GUARD') + 1;
      expect(dump?.json.stuck).toMatchObject({ atGuard: true, frame: { file, line, column: 1 } });
      expect(environment.stderr).toMatch(timeoutFailure(1000, 'test', dump, `${file}:${line}`));
      const setupDump = dumpOf(setup, `${file} > waits for a fake timer nobody advances`);
      expect(setup.stderr).toContain(`hangdump: WAITING; dump: ${setupDump?.file}"`);
    }
  });

  test('promises: the WAITING dump and the failure name the helper’s await, in the vm context of the test', async () => {
    const project = 'jest-promises';
    const result = await jest(version, project, []);
    expect(result.code).toBe(1);
    const [dump, ...others] = result.dumps();
    expect(others).toEqual([]);
    const helper = markerLine(`${project}/stuck.test.ts`, 'helper');
    expect(dump?.json.stuck).toMatchObject({
      suspended: true,
      frame: { file: fixture(project, 'stuck.test.ts'), line: helper, functionName: 'waitUntilReady' },
    });
    expect(result.stderr).toMatch(
      new RegExp(`hangdump: WAITING at ${literal(fixture(project, 'stuck.test.ts'))}:${helper}:\\d+; dump: `),
    );
  });

  test('BLOCKED in a worker thread (workerThreads): the thread is ended, and the retry does not hang again', async () => {
    const result = await jest(version, 'jest-js', ['busy', 'passing', '--maxWorkers=2', '--workerThreads']);
    expect(result.code).toBe(1);
    const [dump, ...others] = result.dumps();
    expect(others).toEqual([]);
    expect(dump?.json.label).toBe('busy.test.js > spins forever');
    expect(dump?.json.process.threadId).toBeGreaterThan(0);
    expect(result.stderr).toContain('hangdump: not run again');
    expect(result.stderr).toMatch(/Tests:\s+1 failed, 2 passed, 3 total/);
  });

  test('in band, a BLOCKED test ends Jest itself with exit code 70, saying where the dump is', async () => {
    const result = await jest(version, 'jest-js', ['busy', '--runInBand']);
    expect(result.code).toBe(70);
    const [dump, ...others] = result.dumps();
    expect(others).toEqual([]);
    expect(dump?.json.label).toBe('busy.test.js > spins forever');
    expect(result.stderr).toContain(
      `hangdump: BLOCKED "busy.test.js > spins forever" exceeded its budget; stuck at ${fixture('jest-js', 'busy.test.js')}:${markerLine('jest-js/busy.test.js', 'jest-busy')}:3; dump: ${dump?.file}`,
    );
  });

  test('a passing suite writes no dump, leaves no open handle and exits at once (another environment wrapped)', async () => {
    const result = await jest(version, 'jest-js', ['passing', '--detectOpenHandles']);
    // The test checks that it ran in the project's custom environment, which hangdump wrapped.
    expect(result.code).toBe(0);
    expect(result.dumps()).toEqual([]);
    expect(result.stderr).not.toMatch(/open handle|did not exit|hangdump:/i);
    expect(result.ms).toBeLessThan(10_000);
  });

  test('the setup file: one guard per test, in workers', async () => {
    const project = 'jest-setup';
    const result = await jest(version, project, ['--maxWorkers=2']);
    expect(result.code).toBe(1);
    const blockedLabel = `${fixture(project, 'blocked.test.js')} > rejects a long sentence`;
    const waitingLabel = `${fixture(project, 'waiting.test.js')} > waits for a promise nobody resolves`;
    expect(dumpLabels(result.dumps())).toEqual([
      `BLOCKED ${blockedLabel}`,
      `WAITING ${fixture(project, 'waiting-again.test.js')} > waits for a timer that is never set`,
      `WAITING ${waitingLabel}`,
    ]);
    expect(dumpOf(result, blockedLabel)?.json.stuck?.frame).toMatchObject({
      file: fixture(project, 'blocked.test.js'),
      line: markerLine('jest-setup/blocked.test.js', 'setup-redos'),
    });
    expect(result.stderr).toContain('hangdump: not run again');
    expect(result.stderr).toMatch(
      new RegExp(
        `Exceeded timeout of 1000 ms for a test\\.\\n.*\\n\\s*hangdump: WAITING; dump: ${literal(dumpOf(result, waitingLabel)?.file ?? '?')}"`,
      ),
    );
  });
});

test('a mistyped option in testEnvironmentOptions fails the file, naming the option', async () => {
  const options = JSON.stringify({ hangdump: { enviroment: 'jsdom' } });
  const result = await jest(30, 'jest-js', ['busy', '--testEnvironmentOptions', options]);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(
    'Unknown option `enviroment` in testEnvironmentOptions.hangdump: expected `environment` or `promises`.',
  );
  expect(result.dumps()).toEqual([]);
});

test('the setup file loads hangdump once per process, not once per test file', async () => {
  const result = await jest(30, 'jest-setup', ['waiting', '--runInBand']);
  expect(result.code).toBe(1);
  const dumps = result.dumps();
  expect(dumps).toHaveLength(2);
  // Dump names end in the process's own counter: a second copy of hangdump would count from 1 again.
  expect(dumps.map((d) => /-(\d+)\.txt$/.exec(d.file)?.[1]).sort()).toEqual(['1', '2']);
});
