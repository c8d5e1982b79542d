// Generated Vitest suites run with and without the hangdump plugin, alternated: the plugin's whole
// cost on a real run. Two shapes: many small files (each a fresh worker process: start-up costs show)
// and one file of many tests (per-test costs show).
import fs from 'node:fs';
import path from 'node:path';
import { alternate, measureRun, projectWithHangdump, smallTests, suiteColumns, table } from './lib.mjs';

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
  const runs = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  const runWith = (name, config) => () => {
    const { result, ...measured } = measureRun(
      [vitest, 'run', '--root', dir, '--config', path.join(dir, config)],
      { cwd: dir, env: { ...process.env, CI: '1', FORCE_COLOR: '0' } },
    );
    if (result.status !== 0) throw new Error(`vitest failed:\n${result.stdout}\n${result.stderr}`);
    runs[name].push(measured);
    return measured.ms;
  };
  try {
    const medians = alternate(
      Object.fromEntries(Object.entries(cases).map(([name, config]) => [name, runWith(name, config)])),
      rounds,
    );
    const base = medians['without hangdump'];
    const perTestUs = (name) => (((medians[name] - base) * 1000) / (files * testsPerFile)).toFixed(0);
    const columns = suiteColumns(medians, runs, 'without hangdump');
    table(
      `${title}: ${files * testsPerFile} tests in ${files} file(s), median of ${rounds} alternated runs (goal: <= 3%)${columns.title}`,
      columns.header,
      Object.keys(medians).map((name) => columns.row(name)),
    );
    console.log(
      `  (${perTestUs('with the plugin')} µs more per test, start-up included; ${perTestUs('with the plugin, promises: true')} µs with promises: true)`,
    );
    return medians;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function benchVitestSuite(rounds = 7) {
  benchSuite('A Vitest 4 suite of small files', 20, 100, rounds);
  // A third of the time per run: twice the rounds, for a steadier median of a smaller difference.
  benchSuite('One large Vitest 4 file', 1, 4000, rounds * 2);
}
