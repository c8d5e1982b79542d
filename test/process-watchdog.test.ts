import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { processFacts } from '../src/guard/facts.js';
import { DeadlineTable } from '../src/watchdog/deadline-table.js';
import { labelPart, NO_PART } from '../src/watchdog/label-part.js';
import { type MirrorInfo, readMirrorInfo, readTable, TableMirror } from '../src/watchdog/mirror.js';
import { closeMemory, findRegion, openMemory } from '../src/watchdog/process-memory.js';
import { Answer, Control } from '../src/watchdog/protocol.js';
import { allocateTable } from '../src/watchdog/table-memory.js';
import { WatchedTable } from '../src/watchdog/watched-table.js';
import { markerLine, NODE, ROOT, type Run, readDumps, run, tempDir } from './helpers.js';

const VITEST = path.join(ROOT, 'node_modules/vitest/vitest.mjs');
const PROJECT = 'test/fixtures/vitest-process-watchdog';

/** What a BLOCKED dump of a loop at `marker` in the fixture `file` holds. */
function blockedInJavaScript(file: string, marker: string) {
  return {
    class: 'BLOCKED',
    blockedIn: 'javascript',
    stuck: {
      frame: { file: `${PROJECT}/${file}`, line: markerLine(`vitest-process-watchdog/${file}`, marker) },
    },
  };
}

// Worker processes are watched from Vitest's main process (no watchdog thread in each): what that
// changes is how a BLOCKED worker is reached (its inspector, opened by a signal, over a socket).
describe.each(['forks', 'vmForks'])(
  'one watchdog in the main process for every worker process (%s pool)',
  (pool) => {
    let result: Run;
    /** The directory of a watchdog whose process was killed: the next run removes it. */
    let orphan: string;
    beforeAll(async () => {
      const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
      orphan = fs.mkdtempSync(
        path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), `hangdump-${gone}-`),
      );
      fs.writeFileSync(path.join(orphan, `${gone}-0.json`), '{}');
      result = await run(NODE, [VITEST, 'run', '--root', PROJECT, '--pool', pool]);
    });
    const dump = (label: string) => result.dumps().find((d) => d.json.label === label);
    const inspected = () =>
      [...result.stderr.matchAll(/hangdump: worker process (\d+) has stopped turning its event loop/g)].map(
        (match) => Number(match[1]),
      );

    test('each worker announces itself in a directory that is gone after the run', () => {
      const dir = /WATCHED FROM (\S+)/.exec(result.stdout)?.[1];
      expect(dir).toBeDefined();
      // The busy worker was ended: hangdump fails its test, naming the dump.
      expect(result.stdout).toMatch(/Tests\s+2 failed \| 3 passed/);
      expect(result.stderr).toMatch(
        / FAIL {2}busy\.test\.ts > spins\nError: BLOCKED — .*; hangdump ended its worker\n/,
      );
      expect(result.stdout).toContain(
        'hangdump ended the worker running busy.test.ts after its BLOCKED dump.',
      );
      expect(fs.existsSync(dir as string)).toBe(false);
      // Named by their process: one left by a killed run is removed by the next.
      expect(path.basename(dir as string)).toMatch(/^hangdump-\d+-/);
      expect(fs.existsSync(orphan)).toBe(false);
    });

    test('BLOCKED in JavaScript: the main process pauses the worker and dumps its line', () => {
      const busy = dump('busy.test.ts > spins');
      expect(busy?.json).toMatchObject({
        ...blockedInJavaScript('busy.test.ts', 'watched-busy'),
        budgetMs: 1000,
      });
      // Taken from outside: the dump names the worker, not the process that wrote it.
      const pid = busy?.json.process.pid as number;
      expect(inspected()).toContain(pid);
      expect(path.basename(busy?.file ?? '')).toContain(`.${pid}-0-`);
    });

    test('a worker whose mirror fails withdraws from the main process, and its own watchdog thread dumps it', async () => {
      const lost = await run(NODE, [
        VITEST,
        'run',
        '--root',
        PROJECT,
        '--dir',
        `${PROJECT}/lost`,
        '--pool',
        pool,
      ]);
      expect(lost.stderr).toMatch(
        /hangdump: the watchdog's table could not be written \(Error: EBADF[^\n]*\); watching from a thread\n/,
      );
      const spun = lost.dumps().find((d) => d.json.label === 'lost/lost-mirror.test.ts > then spins');
      expect(spun?.json).toMatchObject(blockedInJavaScript('lost/lost-mirror.test.ts', 'lost-mirror-busy'));
      // Its table stood still once withdrawn: the main process never took it for a blocked worker.
      expect(lost.stderr).not.toContain('has stopped turning its event loop');
    });

    test('the files a worker had still to run when it was ended run in a fresh one, with root and working directory apart', async () => {
      // Dumps go to .hangdump of the working directory (no HANGDUMP_DIR), which is not Vitest's root.
      const cwd = tempDir();
      const shared = await run(
        NODE,
        [VITEST, 'run', '--root', path.join(ROOT, PROJECT, 'shared'), '--pool', pool],
        {
          cwd,
          env: { HANGDUMP_DIR: '' },
        },
      );
      const dumps = readDumps(path.join(cwd, '.hangdump'));
      expect(dumps.map((d) => d.json.label)).toEqual(['spins.test.ts > spins']);
      // The reporter found it there: the test fails with its dump.
      expect(shared.stderr).toMatch(
        / FAIL {2}spins\.test\.ts > spins\nError: BLOCKED — .*; hangdump ended its worker\n/,
      );
      // In a vm pool one worker had both files; the other file ran all the same.
      expect(shared.stdout).toMatch(/Test Files\s+1 failed \| 1 passed/);
      expect(shared.stdout).not.toContain('did not run');
    });

    test('BLOCKED in a native call: the child is named and ended, and the test fails at its own line', () => {
      const native = dump('native.test.ts > waits for a child that never exits');
      expect(native?.json).toMatchObject({
        class: 'BLOCKED',
        blockedIn: 'native',
        native: { children: expect.arrayContaining([expect.objectContaining({ command: 'sleep 30' })]) },
      });
      expect(native?.json.notes.join(' ')).toContain('so that the call returned; the code went on');
      expect(inspected()).toContain(native?.json.process.pid);
      // The call returned with its own error, which Vitest reports at its line: the worker goes on.
      const line = markerLine('vitest-process-watchdog/native.test.ts', 'watched-native');
      expect(result.stderr).toContain('Command failed: sleep 30');
      expect(result.stderr).toContain(`native.test.ts:${line}:3`);
    });
  },
);

test('a table that outgrows the memory the main process reads is read from its file again', async () => {
  const grown = await run(NODE, [VITEST, 'run', '--root', PROJECT, '--dir', `${PROJECT}/grown`]);
  const dump = grown.dumps().find((d) => d.json.label === 'the 70th guard');
  expect(dump?.json).toMatchObject(blockedInJavaScript('grown/grown.test.ts', 'grown-busy'));
  expect(grown.stderr).toContain('has stopped turning its event loop');
  expect(grown.stderr).not.toContain("the watchdog's table could not be written");
});

/** A table in this process's memory, as a worker watched from another process has it, and its mirror. */
function watchedSelf() {
  const { control, firstPage, findable } = allocateTable(true);
  if (!findable) throw new Error('no findable memory here');
  const table = new DeadlineTable(control, [firstPage]);
  const dir = tempDir();
  const mirror = TableMirror.create(
    dir,
    'self-0',
    { probeId: 'p', timeOrigin: 0, process: processFacts() },
    findable,
  );
  return {
    findable,
    dir,
    table,
    mirror,
    firstPage,
    info: readMirrorInfo(dir, 'self-0') as MirrorInfo,
    /** Arms `slot` as the client does: the table and its high-water mark, then the mirror. */
    arm(slot: number, label: string) {
      const policy = { onBlocked: 'exit', exitCode: 1, path: undefined } as const;
      table.arm(slot, 1e9, 0, 1000, policy, labelPart(label), '', NO_PART);
      const grown = slot >= Atomics.load(control, Control.HIGH_WATER);
      if (grown) Atomics.store(control, Control.HIGH_WATER, slot + 1);
      mirror.writeSlot(table, slot, undefined);
      if (grown) mirror.writeControl(table);
    },
    /** A heartbeat at `at`, as the client stores it. */
    beat(at: number) {
      Atomics.store(control, Control.HEARTBEAT, at);
      mirror.writeControl(table);
    },
    file: () => fs.readFileSync(path.join(dir, 'self-0.table')),
  };
}

test('a table in memory is announced by its magic alone, and found by a scan of the mappings', () => {
  const { findable, info, table } = watchedSelf();
  expect(info.memory).toEqual({ magic: findable.magic, bytes: findable.bytes });
  Atomics.store(table.control, Control.HEARTBEAT, 4242);
  const memory = openMemory(process.pid);
  if (!memory) throw new Error("this process's memory cannot be read");
  try {
    const region = findRegion(memory, findable.magic, findable.bytes);
    if (!region) throw new Error('the table was not found in memory');
    const read = readTable(region.fd, region.address, 1);
    expect(read?.table.control[Control.HEARTBEAT]).toBe(4242);
    // A magic that is nowhere: not found, and the memory stays open for the caller.
    expect(findRegion(memory, '5a17'.repeat(8), findable.bytes)).toBeUndefined();
  } finally {
    closeMemory(memory);
  }
});

test('the watching process reads the heartbeat from the file, and looks for the slots in memory only once it is stale', () => {
  const self = watchedSelf();
  self.arm(0, 'before the answer');
  expect(self.file().toString('latin1')).toContain('before the answer');
  const watched = new WatchedTable(self.dir, 'self-0', self.info);
  watched.look();
  // The answer, in the file: the process can be read, so its slots stay out of the file.
  self.arm(1, 'after the answer');
  expect(self.file().toString('latin1')).not.toContain('after the answer');
  self.beat(1000);
  try {
    const fresh = watched.read(() => false);
    expect(fresh?.control[Control.HEARTBEAT]).toBe(1000);
    expect(fresh?.capacity).toBe(0);
    expect(self.findable.answer[0]).toBe(Answer.NONE);
    // Stale: the table is found in memory, and read from there.
    const stale = watched.read(() => true);
    expect(stale?.read(1, self.table.generation(1))?.label).toBe('after the answer');
    expect(self.findable.answer[0]).toBe(Answer.FOUND);
    // Heard at the next heartbeat: the file is written no more.
    self.beat(2000);
    expect(self.file().readInt32LE(8)).toBe(1000);
    expect(watched.read(() => false)?.control[Control.HEARTBEAT]).toBe(2000);
  } finally {
    watched.close();
  }
});

test('a table not found in memory after all is written whole to its file, and read from there once it is', () => {
  const self = watchedSelf();
  // A watcher told of a magic that is nowhere in the process's memory.
  const info = { ...self.info, memory: { magic: '5a17'.repeat(8), bytes: self.findable.bytes } };
  const watched = new WatchedTable(self.dir, 'self-0', info);
  watched.look();
  self.arm(0, 'armed unseen');
  self.beat(1000);
  try {
    // Not found, and said so: the file's slots, from before the first answer, are not read.
    expect(watched.read(() => true)?.capacity).toBe(0);
    expect(self.file().readInt32LE(32)).toBe(Answer.NOT_FOUND);
    expect(watched.read(() => true)?.capacity).toBe(0);
    // At its next heartbeat the process writes its whole table to the file, and says so there.
    self.beat(2000);
    expect(self.file().readInt32LE(32)).toBe(Answer.READS_FILE);
    const read = watched.read(() => true);
    expect(read?.control[Control.HEARTBEAT]).toBe(2000);
    expect(read?.read(0, self.table.generation(0))?.label).toBe('armed unseen');
    self.arm(1, 'armed after');
    expect(watched.read(() => true)?.read(1, self.table.generation(1))?.label).toBe('armed after');
  } finally {
    watched.close();
  }
});

test('a process whose file took the table over before the watcher answered says so again, until the watcher reads the file', () => {
  const self = watchedSelf();
  self.arm(0, 'armed first');
  // The table outgrows its region before the watcher has looked: the file holds it all, and says so.
  self.mirror.grown(self.table, [self.firstPage]);
  expect(self.file().readInt32LE(32)).toBe(Answer.READS_FILE);
  // The watcher's answer, written after it, stands in the file instead.
  const watched = new WatchedTable(self.dir, 'self-0', self.info);
  watched.look();
  self.beat(1000);
  try {
    expect(self.file().readInt32LE(32)).toBe(Answer.READS_FILE);
    expect(watched.read(() => true)?.read(0, self.table.generation(0))?.label).toBe('armed first');
  } finally {
    watched.close();
  }
});
