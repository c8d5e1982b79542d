// A generated Jest suite run three ways, alternated: without hangdump, under its test environment,
// and with its setup file. Each integration's whole cost on a real run, start-up and exit included.
import fs from 'node:fs';
import path from 'node:path';
import { measureCases, projectWithHangdump, smallTests, suiteColumns, table } from './lib.mjs';

const ROOT = path.join(import.meta.dirname, '..');
const CONFIGS = {
  'without hangdump': {},
  "testEnvironment 'hangdump/jest-environment'": { testEnvironment: 'hangdump/jest-environment' },
  "setupFilesAfterEnv ['hangdump/jest']": { setupFilesAfterEnv: ['hangdump/jest'] },
};

/** A project of `files` test files, and a Jest config for each case. */
function generate(dir, files, testsPerFile) {
  projectWithHangdump(dir, ['jest', 'jest-environment-node', '@jridgewell']);
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
  for (let f = 0; f < files; f++) {
    fs.writeFileSync(path.join(dir, `suite-${f}.test.js`), smallTests(`file ${f}`, testsPerFile));
  }
  return Object.fromEntries(
    Object.entries(CONFIGS).map(([name, config], i) => {
      const file = path.join(dir, `config-${i}.cjs`);
      fs.writeFileSync(file, `module.exports = ${JSON.stringify({ ...config, testTimeout: 5000 })};\n`);
      return [name, file];
    }),
  );
}

export function benchJestSuite(rounds = 7, files = 24, testsPerFile = 100) {
  const dir = path.join(import.meta.dirname, '.jest-suite');
  const configs = generate(dir, files, testsPerFile);
  const jest = path.join(ROOT, 'node_modules/jest/bin/jest.js');
  // Two workers, as on a CI machine with more than two cores. (Jest runs 20 files or fewer in band
  // when it remembers them as fast: more files keep every case in workers alike.) The first round,
  // a warm-up, leaves Jest's transform cache warm for every case alike.
  const env = { ...process.env, CI: '1', FORCE_COLOR: '0' };
  const caseOf = (config) => ({
    args: [
      jest,
      '--rootDir',
      dir,
      '--config',
      config,
      '--maxWorkers=2',
      '--cacheDirectory',
      path.join(dir, '.cache'),
    ],
    options: { cwd: dir, env },
  });
  try {
    const figures = measureCases(
      Object.fromEntries(Object.entries(configs).map(([name, config]) => [name, caseOf(config)])),
      rounds,
    );
    const columns = suiteColumns(figures, 'without hangdump');
    table(
      `A Jest 30 suite: ${files * testsPerFile} tests in ${files} files, 2 workers (median of ${rounds} alternated runs; goal: <= 1.03x)${columns.title}`,
      columns.header,
      Object.keys(figures).map((name) => columns.row(name)),
    );
    return figures;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
