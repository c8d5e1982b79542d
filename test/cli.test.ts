import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { annotation, escapeData, escapeProperty, stepSummary } from '../src/report/index.js';
import { type Dump, NODE, ROOT, run, runFixture, tempDir } from './helpers.js';

const CLI = path.join(ROOT, 'dist/cli.js');
const hangdump = (args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT) =>
  run(NODE, [CLI, ...args], { env, cwd });

describe('reading dumps produced by the engine', () => {
  let artifacts: string;
  let blocked: Dump;
  let waiting: Dump;

  beforeAll(async () => {
    // Real dumps, then laid out as a CI job's downloaded artifacts: two shards, one hang dumped twice.
    const busy = await runFixture('engine/busy-loop.mjs');
    const socket = await runFixture('engine/socket-never-answers.mjs');
    [blocked] = busy.dumps() as [Dump];
    [waiting] = socket.dumps() as [Dump];
    artifacts = tempDir();
    const copy = (dump: Dump, shard: string) => {
      const dir = path.join(artifacts, shard, '.hangdump');
      fs.mkdirSync(dir, { recursive: true });
      for (const file of [dump.file, dump.file.replace(/\.txt$/, '.json')]) {
        fs.copyFileSync(file, path.join(dir, path.basename(file)));
      }
    };
    copy(blocked, 'shard-1');
    copy(waiting, 'shard-2');
    copy(blocked, 'shard-2');
  });

  test('ls: one row per hang, the same hang from two shards folded into one', async () => {
    const result = await hangdump(['ls', artifacts]);
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^time\s+class\s+test\s+stuck at\s+dump$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(
      /BLOCKED {2}busy loop \(×2\) +test\/fixtures\/engine\/busy-loop\.mjs:\d+:\d+ +\S+shard-\d\/\.hangdump\//,
    );
    expect(lines[2]).toMatch(
      /WAITING {2}socket never answers +test\/fixtures\/engine\/socket-never-answers\.mjs:\d+:\d+/,
    );
  });

  test('show: BLOCKED first, each dump in full, without colour when not a terminal', async () => {
    const result = await hangdump(['show', artifacts]);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('\u001b[');
    const blockedAt = result.stdout.indexOf('hangdump: BLOCKED — "busy loop"');
    const waitingAt = result.stdout.indexOf('hangdump: WAITING — "socket never answers"');
    expect(blockedAt).toBeGreaterThan(-1);
    expect(waitingAt).toBeGreaterThan(blockedAt);
    expect(result.stdout).toContain('Waiting on Socket 127.0.0.1:');
    expect(result.stdout).toMatch(
      /\(also dumped in .*shard-\d\/\.hangdump\/busy-loop\.blocked\.\d+-0-1\.txt\)/,
    );
  });

  test('--json, --test, --since and --latest', async () => {
    const json = JSON.parse((await hangdump(['show', artifacts, '--json'])).stdout) as {
      label: string;
      duplicates: string[];
    }[];
    expect(json.map((d) => d.label)).toEqual(['busy loop', 'socket never answers']);
    expect(json[0]?.duplicates).toHaveLength(1);
    const filtered = await hangdump(['ls', artifacts, '--test', '/^socket/']);
    expect(filtered.stdout).not.toContain('busy loop');
    expect(filtered.stdout).toContain('socket never answers');
    expect((await hangdump(['ls', artifacts, '--since', '2030-01-01'])).code).toBe(0);
    const latest = JSON.parse(
      (await hangdump(['show', artifacts, '--latest', '--json'])).stdout,
    ) as unknown[];
    expect(latest).toHaveLength(1);
  });

  test('--github: an ::error annotation at the stuck line and a step summary', async () => {
    const summary = path.join(tempDir(), 'summary.md');
    const result = await hangdump(['show', artifacts, '--github'], { GITHUB_STEP_SUMMARY: summary });
    expect(result.stdout).toMatch(
      /^::error file=test\/fixtures\/engine\/busy-loop\.mjs,line=\d+,col=\d+,title=hangdump%3A BLOCKED::hangdump: BLOCKED — "busy loop" exceeded 0\.5s .*%0ADump: /m,
    );
    const markdown = fs.readFileSync(summary, 'utf8');
    expect(markdown).toContain('### hangdump: 2 hang dumps');
    expect(markdown).toMatch(
      /\| BLOCKED \| busy loop \| `test\/fixtures\/engine\/busy-loop\.mjs:\d+:\d+` \|/,
    );
  });

  test('a truncated or foreign .json is reported and skipped, never a stack trace', async () => {
    const dir = tempDir();
    fs.cpSync(artifacts, dir, { recursive: true });
    const json = blocked.file.replace(/\.txt$/, '.json');
    fs.writeFileSync(path.join(dir, 'truncated.json'), fs.readFileSync(json, 'utf8').slice(0, 200));
    fs.writeFileSync(path.join(dir, 'package.json'), '{"name": "not-a-dump"}');
    const result = await hangdump(['ls', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `hangdump: skipped ${path.join(dir, 'truncated.json')}: not valid JSON (truncated or corrupt?)`,
    );
    expect(result.stderr).toContain(
      `hangdump: skipped ${path.join(dir, 'package.json')}: not a hangdump dump`,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test('a dump that is no complete dump is skipped; one broken inside is one line, exit 2, no stack trace', async () => {
    const dir = tempDir();
    const complete = blocked.json;
    fs.writeFileSync(path.join(dir, 'partial.json'), JSON.stringify({ ...complete, resources: undefined }));
    const skipped = await hangdump(['ls', dir]);
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toBe(
      `hangdump: skipped ${path.join(dir, 'partial.json')}: not a complete dump (\`resources\` is missing or of the wrong type)\n`,
    );
    fs.writeFileSync(path.join(dir, 'partial.json'), JSON.stringify({ ...complete, stuck: { frame: null } }));
    const broken = await hangdump(['show', dir]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(
      /^hangdump: unexpected error: TypeError: Cannot read properties of null [^\n]*\n$/,
    );
  });
});

describe('usage', () => {
  test('an empty directory: no dumps, exit 0', async () => {
    const result = await hangdump(['ls', tempDir()]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('hangdump: no dumps found\n');
  });

  test('a path that does not exist: one line, exit 2', async () => {
    const result = await hangdump(['show', '/no/such/dir']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('hangdump: no such file or directory: /no/such/dir\n');
  });

  const SINCE = 'hangdump: --since takes an ISO date or a duration such as 30m, 2h or 1d, got';
  test.each([
    [['show', '--since', 'yesterday'], `${SINCE} "yesterday"`],
    [['show', '--since', ''], `${SINCE} ""`],
    [['show', '--since', '99999999999999999999d'], `${SINCE} "99999999999999999999d"`],
    [['show', '--since', 'x'.repeat(100_000)], `${SINCE} "${'x'.repeat(57)}..."`],
    [['show', '--since'], /^hangdump: Option '--since <value>' argument missing$/],
    [['ls', '--test', ''], 'hangdump: --test takes a text or a /regex/, got ""'],
    [['ls', '--test', '/(/'], /^hangdump: --test: Invalid regular expression: \/\(\/: Unterminated group$/],
    [['ls', '--test', '/a/zz'], /^hangdump: --test: Invalid (regular expression )?flags/],
    [['ls', '--json=yes'], /^hangdump: Option '--json' does not take an argument$/],
    [['ls', '--colour'], /^hangdump: Unknown option '--colour'/],
    [['-x'], /^hangdump: Unknown option '-x'/],
    [['frobnicate'], 'hangdump: unknown command "frobnicate" (try "hangdump --help")'],
    [['sh\now'], 'hangdump: unknown command "sh\\now" (try "hangdump --help")'],
    [['y'.repeat(100_000)], `hangdump: unknown command "${'y'.repeat(57)}..." (try "hangdump --help")`],
    [['ls', ''], 'hangdump: a path cannot be empty'],
    [['ls', '/no/such\ndir'], 'hangdump: no such file or directory: /no/such\\ndir'],
    [['show', `/${'z'.repeat(10_000)}`], /^hangdump: no such file or directory: \/z{10000}$/],
  ])('hangdump %j: one line on stderr, exit 2', async (args, message) => {
    const result = await hangdump(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.endsWith('\n')).toBe(true);
    const lines = result.stderr.slice(0, -1).split('\n');
    expect(lines).toHaveLength(1);
    if (typeof message === 'string') expect(lines[0]).toBe(message);
    else expect(lines[0]).toMatch(message);
  });

  test('a path with bytes that are not UTF-8: Node reads them as U+FFFD; not found, one line, exit 2', async () => {
    const script = 'exec "$1" "$2" ls "$(printf "dumps-\\377")"';
    const result = await run('sh', ['-c', script, 'sh', NODE, CLI]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('hangdump: no such file or directory: dumps-\uFFFD\n');
  });

  test('--help explains BLOCKED and WAITING; each command has its own help', async () => {
    const help = await hangdump(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('BLOCKED  the event loop did not turn');
    expect(help.stdout).toContain('WAITING  the loop turned');
    expect((await hangdump(['show', '--help'])).stdout).toMatch(/^Usage: hangdump show/);
    expect((await hangdump(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  test('without a path: $HANGDUMP_DIR, else .hangdump; none there is no error', async () => {
    const result = await hangdump(['ls'], { HANGDUMP_DIR: path.join(tempDir(), 'none') });
    expect(result.code).toBe(0);
  });
});

describe('GitHub workflow-command escaping, as GitHub documents it', () => {
  test('data: % CR LF', () => {
    expect(escapeData('100% done\r\nnext')).toBe('100%25 done%0D%0Anext');
  });

  test('properties: also : and ,', () => {
    expect(escapeProperty('C:\\dir,a%b\n')).toBe('C%3A\\dir%2Ca%25b%0A');
  });

  test('an annotation without a stuck position has no file property', () => {
    const dump = { class: 'WAITING', headline: 'hangdump: WAITING — "x"', label: 'x' } as never;
    expect(annotation(dump, 'd.txt')).toBe(
      '::error title=hangdump%3A WAITING::hangdump: WAITING — "x"%0ADump: d.txt',
    );
    expect(stepSummary([{ dump, file: 'a|b.txt' }])).toContain('| WAITING | x |  | `a\\|b.txt` |');
  });
});
