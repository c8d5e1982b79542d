import { describe, expect, test } from 'vitest';
import { markerLine, NODE, run, runFixture } from './helpers.js';

const fixture = (name: string) => `engine/${name}.mjs`;
const relative = (name: string) => `test/fixtures/engine/${name}.mjs`;

describe('BLOCKED: the event loop does not turn', () => {
  test.each([
    ['busy-loop', 'busy loop'],
    ['redos', 'redos'],
    ['microtask-starvation', 'microtask storm'],
    ['busy-sleep', 'busy sleep'],
    ['atomics-wait', 'Atomics.wait'],
  ])('%s: dumps the stuck line and ends the process with exit code 70', async (name, label) => {
    const result = await runFixture(fixture(name));
    expect(result.code).toBe(70);
    const [dump, ...others] = result.dumps();
    expect(others).toHaveLength(0);
    const line = markerLine(fixture(name), name);
    const lines = dump?.text.split('\n') ?? [];
    expect(lines[0]).toMatch(
      new RegExp(
        `^hangdump: BLOCKED — "${label}" exceeded 0\\.5s \\(event loop not turning for \\d+\\.\\ds\\)$`,
      ),
    );
    expect(lines[2]).toMatch(new RegExp(`^Stuck at ${relative(name)}:${line}:\\d+`));
    expect(dump?.text).toMatch(new RegExp(`^  > +${line} \\| .*HANG: ${name}`, 'm'));
    expect(dump?.json).toMatchObject({
      schemaVersion: 1,
      class: 'BLOCKED',
      blockedIn: 'javascript',
      label,
      budgetMs: 500,
      stuck: { frame: { file: relative(name), line, user: true } },
      process: { pid: expect.any(Number), node: expect.stringMatching(/^v\d+/) },
    });
    expect(dump?.json.loopStalledMs).toBeGreaterThanOrEqual(400);
    expect(result.stderr).toContain(
      `hangdump: BLOCKED "${label}" exceeded its budget; stuck at ${relative(name)}:${line}`,
    );
    expect(result.stderr).not.toContain('Waiting for the debugger');
  });

  test('a BLOCKED dump lists the live timers too', async () => {
    const result = await runFixture(fixture('busy-loop'));
    expect(result.dumps()[0]?.json.resources.timers).toContainEqual(
      expect.objectContaining({
        durationMs: 30_000,
        callback: expect.objectContaining({ line: markerLine(fixture('busy-loop'), 'reminder', 'TIMER') }),
      }),
    );
  });

  test('execSync: names the native call and the child, then finds the JavaScript line', async () => {
    const result = await runFixture(fixture('exec-sync'));
    expect(result.code).toBe(70);
    const [dump] = result.dumps();
    expect(dump?.json).toMatchObject({
      class: 'BLOCKED',
      blockedIn: 'native',
      native: {
        syscall: expect.stringMatching(/epoll|poll|wait/),
        children: expect.arrayContaining([expect.objectContaining({ command: 'sleep 30' })]),
      },
      stuck: { frame: { file: relative('exec-sync'), line: markerLine(fixture('exec-sync'), 'exec-sync') } },
    });
    expect(dump?.text.split('\n')[0]).toMatch(
      /^hangdump: BLOCKED — "execSync sleep" exceeded 0\.5s \(.*inside a native call\)$/,
    );
    expect(dump?.text).toContain('child process');
  });

  test("a worker thread inside a native call: the worker's own system call is named", async () => {
    const result = await runFixture(fixture('worker-fifo'));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('worker released');
    const [dump, ...others] = result.dumps();
    expect(others).toHaveLength(0);
    expect(dump?.json).toMatchObject({
      class: 'BLOCKED',
      blockedIn: 'native',
      label: 'worker fifo',
      native: { state: 'S', syscall: expect.stringMatching(/^open/) },
      process: { threadId: expect.any(Number) },
    });
    expect(dump?.json.process.threadId).toBeGreaterThan(0);
    expect(dump?.text).toContain('opening a file that does not open');
  });

  test("onBlocked: 'continue' writes the dump and lets the process go on", async () => {
    const result = await runFixture(fixture('continues'));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('survived');
    const [dump] = result.dumps();
    expect(dump?.json).toMatchObject({
      class: 'BLOCKED',
      stuck: { frame: { line: markerLine(fixture('continues'), 'continues') } },
    });
  });

  test('exitCode names the code the process ends with', async () => {
    const result = await runFixture(fixture('exit-code'));
    expect(result.code).toBe(3);
    expect(result.dumps()[0]?.json).toMatchObject({
      label: 'custom exit',
      stuck: { frame: { line: markerLine(fixture('exit-code'), 'exit-code') } },
    });
  });
});

describe('WAITING: the event loop turns, the guarded code waits', () => {
  test('a promise that never resolves', async () => {
    const result = await runFixture(fixture('never-resolves'));
    expect(result.code).toBe(0);
    const [dump] = result.dumps();
    expect(dump?.text.split('\n')[0]).toMatch(
      /^hangdump: WAITING — "never resolves" exceeded 0\.5s \(event loop turning, still waiting after 0\.\ds\)$/,
    );
    expect(dump?.json).toMatchObject({
      class: 'WAITING',
      stuck: { atGuard: true, frame: { file: relative('never-resolves') } },
    });
    expect(dump?.json.resources.active).toContainEqual({ type: 'Timeout', count: 2 });
    // Timers are read through the inspector: duration, and where the callback is.
    expect(dump?.json.resources.timers).toContainEqual({
      repeat: false,
      durationMs: 3000,
      ref: true,
      name: '',
      callback: expect.objectContaining({
        file: relative('never-resolves'),
        line: markerLine(fixture('never-resolves'), 'keep-alive', 'TIMER'),
      }),
    });
    expect(dump?.text).toMatch(
      /^ {2}setTimeout 3000 ms, callback at test\/fixtures\/engine\/never-resolves\.mjs:\d+:\d+$/m,
    );
  });

  test('promises: the innermost pending await is named, with the async functions awaiting it', async () => {
    const name = 'awaits-never-resolved';
    const result = await runFixture(fixture(name));
    expect(result.code).toBe(0);
    const [dump] = result.dumps();
    const line = (id: string) => markerLine(fixture(name), id);
    expect(dump?.json.stuck).toMatchObject({
      suspended: true,
      frame: { file: relative(name), line: line('innermost'), functionName: 'readConfig', user: true },
    });
    expect(dump?.json.stuck?.atGuard).toBeUndefined();
    // The chain: each async function at the await it is suspended in, innermost first.
    expect(dump?.json.stack.filter((f) => f.user).map((f) => [f.functionName, f.line])).toEqual([
      ['readConfig', line('innermost')],
      ['connect', line('middle')],
      ['', line('outer')],
    ]);
    const text = dump?.text.split('\n') ?? [];
    expect(text[2]).toBe(
      `Waiting at ${relative(name)}:${line('innermost')}:16 in readConfig (an await that never resumed)`,
    );
    expect(dump?.text).toMatch(new RegExp(`^  > +${line('innermost')} \\| .*HANG: innermost`, 'm'));
    expect(dump?.text).toMatch(
      new RegExp(
        `^Awaiting \\(innermost first\\):\n  at readConfig \\(${relative(name)}:${line('innermost')}:`,
        'm',
      ),
    );
    // Every await of the chain is among the pending promises, with where it was created.
    const awaits = dump?.json.promises?.pending
      .filter((p) => p.kind === 'await')
      .map((p) => p.createdAt[0]?.line);
    expect(awaits).toEqual(expect.arrayContaining([line('innermost'), line('middle'), line('outer')]));
    expect(dump?.json.promises?.count).toBeGreaterThanOrEqual(awaits?.length ?? 0);
    expect(dump?.text).toContain(`  await at connect (${relative(name)}:${line('middle')}:`);
    expect(result.stderr).toContain(`waiting at ${relative(name)}:${line('innermost')}:16; dump:`);
  });

  test('promises: the await is named, and the socket it waits on heads the resources it left open', async () => {
    const name = 'socket-never-answers';
    const result = await runFixture(fixture(name), { args: ['--promises'] });
    const [dump] = result.dumps();
    expect(dump?.json.stuck).toMatchObject({
      suspended: true,
      frame: { file: relative(name), line: markerLine(fixture(name), name) },
    });
    expect(dump?.json.stuck?.waitingOn).toBeUndefined();
    const created = markerLine(fixture(name), 'socket', 'CREATED');
    expect(dump?.text).toMatch(
      new RegExp(
        `^Still open, created during this guard \\(most relevant first\\):\n  Socket  127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:\\d+, read 0 B, written 0 B, reading, created at ${relative(name)}:${created}:\\d+$`,
        'm',
      ),
    );
  });

  test('promises: an await on an event that never fires names the await line', async () => {
    const name = 'event-never-fires';
    const result = await runFixture(fixture(name));
    const [dump] = result.dumps();
    expect(dump?.json).toMatchObject({
      class: 'WAITING',
      stuck: { suspended: true, frame: { file: relative(name), line: markerLine(fixture(name), 'once') } },
    });
    // `once` made the promise inside Node; the position given is the user's line that called it.
    expect(dump?.json.promises?.pending).toContainEqual({
      kind: 'promise',
      createdAt: expect.arrayContaining([
        expect.objectContaining({
          file: relative(name),
          line: markerLine(fixture(name), 'once'),
          user: true,
        }),
      ]),
    });
  });

  test('a socket that never answers: the server and both ends are listed', async () => {
    const result = await runFixture(fixture('socket-never-answers'));
    const [dump] = result.dumps();
    expect(dump?.json.class).toBe('WAITING');
    const handles = dump?.json.resources.handles.map((h) => `${h.type} ${h.description}`) ?? [];
    const port = /listening on 127\.0\.0\.1:(\d+)/.exec(handles.join('\n'))?.[1];
    expect(port).toBeDefined();
    expect(handles).toContainEqual(
      expect.stringMatching(new RegExp(`^Socket 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:${port}, read 0 B`)),
    );
    expect(dump?.text).toContain(`Server  listening on 127.0.0.1:${port}`);
    // No stack while WAITING: the answer is the socket this guard opened and still waits on.
    expect(dump?.json.stuck).toMatchObject({
      waitingOn: expect.stringMatching(new RegExp(`^Socket 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:${port}`)),
      frame: {
        file: relative('socket-never-answers'),
        line: markerLine(fixture('socket-never-answers'), 'socket', 'CREATED'),
      },
    });
    expect(dump?.json.resources.handles[0]).toMatchObject({ type: 'Socket', duringGuard: true, ref: true });
    // Its other end is the fixture's server.
    expect(dump?.json.stuck?.peer).toEqual({
      description: `Server listening on 127.0.0.1:${port}, 1 open connection`,
    });
    expect(dump?.text).toMatch(/^Waiting on Socket 127\.0\.0\.1:\d+ -> /m);
  });
});

test('guards disarmed in time leave no dump and keep nothing alive', async () => {
  const result = await runFixture(fixture('passes'));
  expect(result.code).toBe(0);
  expect(result.stdout).toBe('done\n');
  expect(result.stderr).toBe('');
  expect(result.dumps()).toEqual([]);
  // Exits as soon as its own work is done: nothing of hangdump's holds it for the 5s budgets.
  expect(result.ms).toBeLessThan(4000);
});

test('fetch that gets no answer: the socket a library opened during the guard is named', async () => {
  const result = await run(NODE, ['examples/silent-server.mjs']);
  const [dump] = result.dumps();
  expect(dump?.json.stuck).toMatchObject({
    atGuard: true,
    waitingOn: expect.stringMatching(
      /^Socket 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+, read 0 B, written [1-9]\d* B, reading$/,
    ),
    frame: { file: 'examples/silent-server.mjs' },
    // Its other end is the example's own server (created before hangdump tracked anything: no line).
    peer: {
      description: expect.stringMatching(/^Server listening on 127\.0\.0\.1:\d+, 1 open connection$/),
    },
  });
  expect(dump?.text).toContain(
    'created during this guard, inside a library; guarded at examples/silent-server.mjs:',
  );
  expect(dump?.text).toMatch(
    /^ {2}its other end is in this process: Server listening on 127\.0\.0\.1:\d+, 1 open connection$/m,
  );
});

test("a request to localhost that the guard's own server, on every interface, never answers: the request, then the server", async () => {
  const result = await runFixture(fixture('mock-server-silent'));
  const [dump] = result.dumps();
  expect(dump?.json.stuck).toMatchObject({
    waitingOn: expect.stringMatching(/^ClientRequest GET http:\/\/localhost:\d+\/ping, waited /),
    frame: {
      file: relative('mock-server-silent'),
      line: markerLine(fixture('mock-server-silent'), 'request', 'CREATED'),
    },
    peer: {
      description: expect.stringMatching(/^Server listening on (\[::\]|0\.0\.0\.0):\d+, 1 open connection$/),
      createdAt: {
        file: relative('mock-server-silent'),
        line: markerLine(fixture('mock-server-silent'), 'server', 'CREATED'),
      },
    },
  });
});

test('a guard without a label: named by its call site, and the child process it waits on is found', async () => {
  const result = await runFixture(fixture('child-never-exits'));
  const [dump] = result.dumps();
  const line = markerLine(fixture('child-never-exits'), 'child', 'CREATED');
  expect(dump?.json.label).toMatch(/^test\/fixtures\/engine\/child-never-exits\.mjs:\d+$/);
  expect(dump?.json.stuck).toMatchObject({
    waitingOn: expect.stringMatching(/^ChildProcess pid \d+: sleep 30, running$/),
    frame: { file: relative('child-never-exits'), line },
  });
});
