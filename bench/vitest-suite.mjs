// Generated Vitest suites run with and without the hangdump plugin, alternated: the plugin's whole
// cost on a real run. Two shapes: many small files (each a fresh worker process: start-up costs show)
// and one file of many tests (per-test costs show).
import fs from 'node:fs';
import path from 'node:path';
import { measureCases, projectWithHangdump, smallTests, suiteColumns, table } from './lib.mjs';

const ROOT = path.join(import.meta.dirname, '..');

/** A project of `files` test files, with a config without hangdump and one with its plugin. */
function generate(dir, files, testsPerFile) {
  projectWithHangdump(dir, ['vitest', '@vitest', '@jridgewell']);
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  for (let f = 0; f < files; f++) {
    fs.writeFileSync(
      path.join(dir, `suite-${f}.test.ts`),
      `import { beforeEach, describe, expect, test } from 'vitest';\n\n${smallTests(`file ${f}`, testsPerFile)}`,
    );
  }
  fs.writeFileSync(
    path.join(dir, 'plain.config.mjs'),
    `export default { test: { include: ['*.test.ts'] } };\n`,
  );
  for (const [name, options] of [
    ['hangdump', ''],
    ['promises', '{ promises: true }'],
  ]) {
    fs.writeFileSync(
      path.join(dir, `${name}.config.mjs`),
      `import { hangdump } from 'hangdump/vitest';\nexport default { plugins: [hangdump(${options})], test: { include: ['*.test.ts'] } };\n`,
    );
  }
}

function benchSuite(title, files, testsPerFile, rounds) {
  const dir = path.join(import.meta.dirname, '.suite');
  generate(dir, files, testsPerFile);
  const vitest = path.join(ROOT, 'node_modules/vitest/vitest.mjs');
  const cases = {
    'without hangdump': 'plain.config.mjs',
    'with the plugin': 'hangdump.config.mjs',
    'with the plugin, promises: true': 'promises.config.mjs',
  };
  const env = { ...process.env, CI: '1', FORCE_COLOR: '0' };
  try {
    const figures = measureCases(
      Object.fromEntries(
        Object.entries(cases).map(([name, config]) => [
          name,
          {
            args: [vitest, 'run', '--root', dir, '--config', path.join(dir, config)],
            options: { cwd: dir, env },
          },
        ]),
      ),
      rounds,
    );
    const base = figures['without hangdump'].ms;
    const perTestUs = (name) => (((figures[name].ms - base) * 1000) / (files * testsPerFile)).toFixed(0);
    const columns = suiteColumns(figures, 'without hangdump');
    table(
      `${title}: ${files * testsPerFile} tests in ${files} file(s), median of ${rounds} alternated runs (goal: <= 3%)${columns.title}`,
      columns.header,
      Object.keys(figures).map((name) => columns.row(name)),
    );
    console.log(
      `  (${perTestUs('with the plugin')} µs more per test, start-up included; ${perTestUs('with the plugin, promises: true')} µs with promises: true)`,
    );
    return figures;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The 20-file suite: many small files, each a fresh worker, where start-up costs show. */
export function benchVitestSuite(rounds = 7) {
  benchSuite('A Vitest 4 suite of small files', 20, 100, rounds);
}

/** One file of 4,000 tests, where per-test costs show. A third of the time per run of the 20 files. */
export function benchVitestLargeFile(rounds = 14) {
  benchSuite('One large Vitest 4 file', 1, 4000, rounds);
}
