import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { NODE, ROOT, readDumps, run, runFixture, tempDir } from './helpers.js';

function writeTo(target: string) {
  const tmp = tempDir();
  return runFixture('engine/write-to.mjs', { env: { TMPDIR: tmp }, args: [target] }).then((result) => ({
    result,
    fallback: readDumps(path.join(tmp, 'hangdump')),
  }));
}

describe('where dumps go', () => {
  test('a path ending in .txt is the exact file, with its JSON twin beside it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'nested', 'deeper', 'startup.hang.txt');
    const { result } = await writeTo(file);
    expect(result.stdout).toBe('result: ok\n');
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^hangdump: WAITING — "write target" exceeded 0\.2s/);
    expect(
      JSON.parse(fs.readFileSync(path.join(dir, 'nested', 'deeper', 'startup.hang.json'), 'utf8')),
    ).toMatchObject({
      class: 'WAITING',
      label: 'write target',
    });
    expect(fs.readdirSync(path.dirname(file)).sort()).toEqual(['startup.hang.json', 'startup.hang.txt']);
  });

  test('a missing directory is created, and names are generated in it', async () => {
    const dir = path.join(tempDir(), 'not', 'yet');
    const { result } = await writeTo(dir);
    expect(result.stdout).toBe('result: ok\n');
    expect(fs.readdirSync(dir).sort()).toEqual([
      expect.stringMatching(/^write-target\.waiting\.\d+-0-1\.json$/),
      expect.stringMatching(/^write-target\.waiting\.\d+-0-1\.txt$/),
    ]);
  });

  test('HANGDUMP_DIR with bytes that are not UTF-8: Node reads them as U+FFFD, and the dump goes there', async () => {
    const dir = tempDir();
    const fixture = path.join(ROOT, 'test/fixtures/engine/write-to.mjs');
    const script = 'HANGDUMP_DIR="$1/$(printf "dumps-\\377\\376")" exec "$2" "$3"';
    const result = await run('sh', ['-c', script, 'sh', dir, NODE, fixture]);
    expect(result.stdout).toBe('result: ok\n');
    const names = fs.readdirSync(dir, { encoding: 'buffer' });
    expect(names).toEqual([Buffer.from('dumps-\uFFFD\uFFFD')]);
    const [dump] = readDumps(path.join(dir, 'dumps-\uFFFD\uFFFD'));
    expect(dump?.json.label).toBe('write target');
    expect(result.stderr).toContain(`dump: ${path.join(dir, 'dumps-\uFFFD\uFFFD')}/write-target.waiting.`);
  });
});

describe("hangdump's own trouble never reaches the guarded code", () => {
  test.each([
    ['a directory under a regular file', () => path.join(makeFile(), 'dumps'), /ENOTDIR|EEXIST/],
    ['an unwritable place', () => '/proc/hangdump-cannot-write-here', /E[A-Z]+/],
    ['a .txt file name taken by a directory', () => makeDirNamed('taken.txt'), /EISDIR|ENOTEMPTY|EEXIST/],
  ])('%s: falls back to the temp directory and says so on stderr in one line', async (_, target, reason) => {
    const wanted = target();
    const { result, fallback } = await writeTo(wanted);
    expect(result.stdout).toBe('result: ok\n');
    expect(result.code).toBe(0);
    expect(fallback).toHaveLength(1);
    expect(fallback[0]?.json.label).toBe('write target');
    const line = result.stderr.split('\n').find((l) => l.startsWith('hangdump: could not write to'));
    expect(line).toContain(wanted);
    expect(line).toMatch(reason);
    expect(line).toContain(`dump written to ${fallback[0]?.file} instead`);
  });
});

describe('a full disk (ENOSPC: a 64 KiB tmpfs, filled, in a mount namespace of its own)', () => {
  const fixture = path.join(ROOT, 'test/fixtures/engine/write-to.mjs');
  // Mounts the tmpfs on $1, fills all but $2 bytes of it, runs the rest, then lists what is left in
  // $1/dumps (from inside: the mount goes with the namespace).
  const script = `mount -t tmpfs -o size=64k tmpfs "$1" && head -c $((65536 - $2)) /dev/zero > "$1/fill" 2>/dev/null
mount=$1; shift 2; "$@"; code=$?; echo "left: $(ls -A "$mount/dumps")"; exit $code`;

  /** The write-to fixture with its dump directory on the full tmpfs; `fullTemp`: the temp directory too. */
  async function writeOnFullDisk(freeBytes: number, fullTemp = false) {
    const mount = tempDir();
    const tmp = fullTemp ? path.join(mount, 'tmp') : tempDir();
    const args = [mount, String(freeBytes), NODE, fixture, path.join(mount, 'dumps')];
    const result = await run('unshare', ['-Urm', 'sh', '-c', script, 'sh', ...args], {
      env: { TMPDIR: tmp },
    });
    return { result, fallback: readDumps(path.join(tmp, 'hangdump')) };
  }

  test.each([
    ['no room at all', 0],
    ['room for the text dump but not its JSON twin', 4096],
  ])('%s: the dump goes to the temp directory, nothing is left on the full disk', async (_, free) => {
    const { result, fallback } = await writeOnFullDisk(free);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('result: ok\nleft: \n');
    expect(fallback).toHaveLength(1);
    expect(fallback[0]?.json).toMatchObject({ class: 'WAITING', label: 'write target' });
    expect(fallback[0]?.text).toContain('hangdump: WAITING — "write target" exceeded 0.2s');
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('hangdump: could not write'));
    expect(lines).toEqual([
      expect.stringMatching(
        /\/dumps \(ENOSPC: no space left on device, write\); dump written to .+ instead$/,
      ),
    ]);
  });

  test('the temp directory full too: one line on stderr, the guarded result unchanged', async () => {
    const { result } = await writeOnFullDisk(0, true);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('result: ok\nleft: \n');
    expect(result.stderr).toBe(
      'hangdump: WAITING "write target": guarded at test/fixtures/engine/write-to.mjs:5:17; the dump could not be written anywhere\n',
    );
  });
});

function makeFile(): string {
  const file = path.join(tempDir(), 'plain-file');
  fs.writeFileSync(file, 'x');
  return file;
}

function makeDirNamed(name: string): string {
  const dir = path.join(tempDir(), name);
  fs.mkdirSync(path.join(dir, 'occupied'), { recursive: true });
  return dir;
}
