// A generated Vitest suite of about 2,000 tests (20 files), run with and without the hangdump plugin,
// alternated: the plugin's whole cost on a real run, worker start-up included.
import fs from 'node:fs';
import path from 'node:path';
import { alternate, table, timeProcess } from './lib.mjs';

const FILES = 20;
const TESTS_PER_FILE = 100;

function generate(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (let f = 0; f < FILES; f++) {
    const tests = Array.from(
      { length: TESTS_PER_FILE },
      (_, t) => `  test('case ${t}', async () => {
    const value = await Promise.resolve(${t});
    expect(value * 2).toBe(${t * 2});
  });`,
    ).join('\n');
    fs.writeFileSync(
      path.join(dir, `suite-${f}.test.ts`),
      `import { beforeEach, describe, expect, test } from 'vitest';\n\nlet calls = 0;\nbeforeEach(() => {\n  calls++;\n});\n\ndescribe('file ${f}', () => {\n${tests}\n});\n`,
    );
  }
  fs.writeFileSync(
    path.join(dir, 'plain.config.mjs'),
    `export default { test: { include: ['*.test.ts'] } };\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'hangdump.config.mjs'),
    `import { hangdump } from 'hangdump/vitest';\nexport default { plugins: [hangdump()], test: { include: ['*.test.ts'] } };\n`,
  );
}

export function benchVitestSuite(rounds = 5) {
  const dir = path.join(import.meta.dirname, '.suite');
  generate(dir);
  const vitest = path.join(import.meta.dirname, '../node_modules/vitest/vitest.mjs');
  const runWith = (config) => () => {
    const { ms, result } = timeProcess([vitest, 'run', '--root', dir, '--config', path.join(dir, config)], {
      env: { ...process.env, CI: '1', FORCE_COLOR: '0' },
    });
    if (result.status !== 0) throw new Error(`vitest failed:\n${result.stdout}\n${result.stderr}`);
    return ms;
  };
  try {
    const medians = alternate(
      { 'without hangdump': runWith('plain.config.mjs'), 'with the plugin': runWith('hangdump.config.mjs') },
      rounds,
    );
    const base = medians['without hangdump'];
    table(
      `A Vitest 4 suite of ${FILES * TESTS_PER_FILE} tests in ${FILES} files, wall ms (median of ${rounds} alternated runs; goal: <= 3%)`,
      ['case', 'ms', 'ratio'],
      Object.entries(medians).map(([name, ms]) => [name, ms.toFixed(0), `${(ms / base).toFixed(3)}x`]),
    );
    return medians;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
