import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { ROOT } from './helpers.js';

type Target = string | { [condition: string]: Target };

/** What `npm publish` would put in the package: npm's own list, from a dry run of `npm pack`. */
function packedFiles(): string[] {
  const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [packed] = JSON.parse(output) as [{ files: { path: string }[] }];
  return packed.files.map((file) => file.path);
}

/** Every file a manifest field points at, conditions and all. */
function targets(target: Target | undefined): string[] {
  if (target === undefined) return [];
  if (typeof target === 'string') return [path.posix.normalize(target)];
  return Object.values(target).flatMap(targets);
}

test('the published package holds every file its manifest points at, its licence, and no sources or tests', () => {
  const files = packedFiles();
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const pointedAt = [manifest.main, manifest.types, manifest.bin, manifest.exports].flatMap(targets);
  expect(pointedAt).toContain('dist/vitest.js');
  for (const file of pointedAt) expect(files, `${file}, named in package.json`).toContain(file);
  // Loaded by path, not through the exports map: the Vitest engine and the preload.
  expect(files).toEqual(expect.arrayContaining(['dist/vitest-engine.cjs', 'dist/vitest-preload.js']));
  expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json']));
  expect(files.filter((file) => /^(src|test|bench|scripts|examples|docs)\//.test(file))).toEqual([]);
});
