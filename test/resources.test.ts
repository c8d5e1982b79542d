import { describe, expect, test } from 'vitest';
import type { DumpHandle } from '../src/index.js';
import { type Dump, markerLine, type Run, runFixture } from './helpers.js';

// One real resource of each kind per fixture, each waited on past a 0.3s budget: the WAITING dump
// must name the resource, its details and where the fixture created it.
const fixture = (name: string) => `resources/${name}.mjs`;
const relative = (name: string) => `test/fixtures/resources/${name}.mjs`;
/** `created at <file>:<line>:` of a marked line, as the text dump says it. */
const createdText = (name: string, id: string) =>
  `      created at ${relative(name)}:${markerLine(fixture(name), id, 'CREATED')}:`;
/** The line a fixture's guard is set on (the one after its `GUARD:` marker). */
const guardLine = (name: string) => markerLine(fixture(name), name, 'GUARD') + 1;

function dumpOf(result: Run, label: string): Dump {
  const dump = result.dumps().find((d) => d.json.label === label);
  if (!dump) throw new Error(`no dump "${label}"; stderr: ${result.stderr}`);
  expect(dump.json.class).toBe('WAITING');
  return dump;
}

function handle(dump: Dump, match: (h: DumpHandle) => boolean): DumpHandle {
  const found = dump.json.resources.handles.find(match);
  if (!found) throw new Error(`no such handle in ${JSON.stringify(dump.json.resources.handles, null, 2)}`);
  return found;
}

const createdAtLine = (name: string, id: string) =>
  expect.arrayContaining([
    expect.objectContaining({ file: relative(name), line: markerLine(fixture(name), id, 'CREATED') }),
  ]);

describe.concurrent('WAITING dumps name each kind of resource with its details', () => {
  test('HTTP requests, one never answered and one whose body never ends: method, host, path, waited', async () => {
    const dump = dumpOf(await runFixture(fixture('http-request')), 'http request');
    const server = handle(dump, (h) => h.type === 'Server');
    expect(server.details).toMatchObject({ kind: 'server', listening: true, connections: 2 });
    const address = server.details?.kind === 'server' ? server.details.address : undefined;
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    const request = handle(dump, (h) => h.details?.kind === 'request' && h.details.path === '/slow?id=7');
    expect(request).toMatchObject({
      type: 'ClientRequest',
      duringGuard: true,
      details: { kind: 'request', method: 'GET', protocol: 'http:', host: address, responseStarted: false },
      createdAt: createdAtLine('http-request', 'request'),
    });
    // Created during the guard, a moment after it was armed (how long a moment depends on the load).
    const waitedMs = request.details?.kind === 'request' ? request.details.waitedMs : undefined;
    expect(waitedMs).toBeGreaterThan(0);
    expect(waitedMs).toBeLessThanOrEqual(dump.json.elapsedMs + 20);
    // The request is what the code waits on, ahead of the socket that carries it and points at it.
    expect(dump.json.stuck).toMatchObject({
      waitingOn: expect.stringMatching(
        new RegExp(`^ClientRequest GET http://${address}/stream, waited \\d+\\.\\ds, response started$`),
      ),
      frame: {
        file: relative('http-request'),
        line: markerLine(fixture('http-request'), 'stream', 'CREATED'),
      },
    });
    expect(
      handle(
        dump,
        (h) => h.details?.kind === 'socket' && h.details.http === `GET http://${address}/slow?id=7`,
      ),
    ).toMatchObject({ type: 'Socket', details: { remote: address, state: 'reading', bytesRead: 0 } });
    expect(dump.text).toMatch(
      new RegExp(
        `^ {2}ClientRequest {2}GET http://${address}/slow\\?id=7, waited \\d+\\.\\ds, no response yet`,
        'm',
      ),
    );
    expect(dump.text).toContain(`  Server  listening on ${address}, 2 open connections`);
    expect(dump.text).toContain(', carries GET /slow?id=7');
    expect(dump.text).toContain(createdText('http-request', 'request'));
  });

  test('TCP sockets: one waiting to read, one paused; the server counts both connections', async () => {
    const dump = dumpOf(await runFixture(fixture('tcp-socket')), 'tcp socket');
    expect(handle(dump, (h) => h.type === 'Server').details).toMatchObject({ connections: 2 });
    expect(handle(dump, (h) => h.details?.kind === 'socket' && h.details.state === 'paused')).toMatchObject({
      duringGuard: true,
      createdAt: createdAtLine('tcp-socket', 'paused'),
    });
    expect(dump.json.stuck).toMatchObject({
      waitingOn: expect.stringMatching(
        /^Socket 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+, read 0 B, written 0 B, reading$/,
      ),
      frame: { line: markerLine(fixture('tcp-socket'), 'reader', 'CREATED') },
    });
    expect(dump.text).toMatch(
      /^ {2}Socket {2}127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+, read 0 B, written 0 B, paused/m,
    );
    expect(dump.text).toMatch(/^ {2}Server {2}listening on 127\.0\.0\.1:\d+, 2 open connections/m);
    expect(dump.text).toContain(createdText('tcp-socket', 'paused'));
  });

  test('a Unix socket server with two connections: its path, on the server and its side of each', async () => {
    const dump = dumpOf(await runFixture(fixture('unix-socket')), 'unix socket');
    const server = handle(dump, (h) => h.type === 'Server');
    expect(server).toMatchObject({
      details: {
        kind: 'server',
        address: expect.stringMatching(/hangdump-unix-\w+\/server\.sock$/),
        connections: 2,
      },
      createdAt: createdAtLine('unix-socket', 'server'),
    });
    const path = server.details?.kind === 'server' ? server.details.address : '';
    const accepted = dump.json.resources.handles.filter(
      (h) => h.details?.kind === 'socket' && h.details.path,
    );
    expect(accepted.map((h) => h.details)).toEqual([
      expect.objectContaining({ path, state: 'reading' }),
      expect.objectContaining({ path, state: 'reading' }),
    ]);
    expect(handle(dump, (h) => h.type === 'Socket' && h.duringGuard === true)).toMatchObject({
      details: { kind: 'socket', state: 'reading', bytesRead: 0 },
      createdAt: createdAtLine('unix-socket', 'client'),
    });
    expect(dump.text).toContain(`  Server  listening on ${path}, 2 open connections`);
    expect(dump.text).toContain(`  Socket  unix ${path}, read 0 B, written 0 B, reading`);
    expect(dump.text).toContain(createdText('unix-socket', 'client'));
  });

  test('child processes: a running `sleep 30`, and one that exited while its stdout stays open', async () => {
    const dump = dumpOf(await runFixture(fixture('child-process')), 'child process');
    const running = handle(dump, (h) => h.details?.kind === 'child' && h.details.command === 'sleep 30');
    expect(running).toMatchObject({
      ref: true,
      duringGuard: true,
      details: { state: 'running', pid: expect.any(Number) },
      createdAt: createdAtLine('child-process', 'running'),
    });
    const exited = handle(dump, (h) => h.details?.kind === 'child' && h.details.state === 'exited');
    expect(exited).toMatchObject({
      details: { command: "sh -c 'sleep 30 & exit 3'", exitCode: 3, openStdio: ['stdout'] },
      createdAt: createdAtLine('child-process', 'exited'),
    });
    const pid = exited.details?.kind === 'child' ? exited.details.pid : undefined;
    // Its open pipe is what keeps the loop alive: named as its stdout, created where the child was.
    expect(
      handle(dump, (h) => h.details?.kind === 'socket' && h.details.childStdio?.pid === pid),
    ).toMatchObject({
      details: { childStdio: { stream: 'stdout' } },
      createdAt: createdAtLine('child-process', 'exited'),
    });
    expect(dump.json.stuck?.waitingOn).toMatch(/^ChildProcess pid \d+: sleep 30, running$/);
    expect(dump.text).toContain(
      `  ChildProcess  pid ${pid}: sh -c 'sleep 30 & exit 3', exited with code 3, stdout open`,
    );
    expect(dump.text).toContain(`  Socket  stdout of child pid ${pid}, read 0 B`);
    expect(dump.text).toContain(createdText('child-process', 'exited'));
  });

  test('a worker thread that never ends: its threadId and script; hangdump’s own thread left out', async () => {
    const dump = dumpOf(await runFixture(fixture('worker')), 'worker');
    const workers = dump.json.resources.handles.filter((h) => h.type === 'Worker');
    expect(workers).toEqual([
      expect.objectContaining({
        ref: true,
        duringGuard: true,
        details: {
          kind: 'worker',
          threadId: expect.any(Number),
          script: relative('forever-worker'),
          state: 'running',
        },
        createdAt: createdAtLine('worker', 'worker'),
      }),
    ]);
    expect(dump.json.stuck?.waitingOn).toMatch(
      /^Worker threadId \d+: test\/fixtures\/resources\/forever-worker\.mjs, running$/,
    );
    expect(dump.text).toContain(createdText('worker', 'worker'));
  });

  // Node announces these on no diagnostics channel: no creation stack, so the dump points at the guard.
  test('a ref’d MessagePort waiting for a message', async () => {
    const dump = dumpOf(await runFixture(fixture('message-port')), 'message port');
    expect(handle(dump, (h) => h.type === 'MessagePort')).toMatchObject({
      ref: true,
      details: { kind: 'port', listening: true },
    });
    expect(dump.json.stuck).toMatchObject({ atGuard: true, frame: { line: guardLine('message-port') } });
    expect(dump.text).toContain('  MessagePort  receiving messages');
  });

  test('an fs.watch watcher', async () => {
    const dump = dumpOf(await runFixture(fixture('fs-watch')), 'fs watch');
    expect(handle(dump, (h) => h.type === 'FSWatcher')).toMatchObject({
      ref: true,
      details: { kind: 'watcher' },
    });
    expect(dump.json.resources.active).toContainEqual({ type: 'FSEventWrap', count: 1 });
    expect(dump.json.stuck).toMatchObject({ atGuard: true, frame: { line: guardLine('fs-watch') } });
    expect(dump.text).toContain('  FSWatcher  watching a path Node does not expose');
  });

  test.runIf(process.platform === 'linux')(
    'a read of a FIFO nobody writes: the pending request and its file',
    async () => {
      const dump = dumpOf(await runFixture(fixture('fifo')), 'fifo');
      // Node 26 no longer lists pending file requests: then the blocked thread is listed by itself.
      expect(dump.json.resources.requests).toContainEqual({
        type: expect.stringMatching(/^(FSReqPromise|FileSystemCall)$/),
        description: expect.stringMatching(/^on \/.*\/hangdump-fifo-\w+\/fifo, in open(at)?$/),
        details: {
          kind: 'file',
          path: expect.stringMatching(/hangdump-fifo-\w+\/fifo$/),
          syscall: expect.stringMatching(/^open/),
        },
      });
      expect(dump.json.stuck).toMatchObject({ atGuard: true, frame: { line: guardLine('fifo') } });
      expect(dump.text).toMatch(
        /^Pending requests:\n {2}(FSReqPromise|FileSystemCall) {2}on \/.*\/fifo, in open/m,
      );
    },
  );

  test.runIf(process.platform === 'linux')(
    'a DNS lookup queued behind a busy thread pool: its host',
    async () => {
      const result = await runFixture(fixture('dns-lookup'), { env: { UV_THREADPOOL_SIZE: '1' } });
      const dump = dumpOf(result, 'dns lookup');
      expect(dump.json.resources.requests).toContainEqual({
        type: 'GetAddrInfoReqWrap',
        description: 'looking up localhost',
        details: { kind: 'lookup', host: 'localhost' },
      });
      expect(dump.json.stuck).toMatchObject({ atGuard: true, frame: { line: guardLine('dns-lookup') } });
      expect(dump.text).toContain('  GetAddrInfoReqWrap  looking up localhost');
    },
  );

  test('stdin read from a pipe that stays open', async () => {
    const dump = dumpOf(await runFixture(fixture('stdin'), { holdStdin: true }), 'stdin');
    expect(handle(dump, (h) => h.details?.kind === 'socket' && h.details.stdio === 'stdin')).toMatchObject({
      ref: true,
      details: { state: 'reading' },
    });
    expect(dump.json.stuck).toMatchObject({ atGuard: true, frame: { line: guardLine('stdin') } });
    expect(dump.text).toMatch(/^ {2}Socket {2}stdin, reading$/m);
  });

  test('an immediate that sets itself again forever: counted', async () => {
    const dump = dumpOf(await runFixture(fixture('immediates')), 'immediates');
    expect(dump.json.resources.active).toContainEqual({ type: 'Immediate', count: 1 });
    expect(dump.json.stuck).toMatchObject({ atGuard: true, frame: { line: guardLine('immediates') } });
    expect(dump.text).toMatch(/^ {2}Immediate ×1$/m);
  });
});

describe.concurrent('every dump reads them, whatever state the handles are in', () => {
  test('a BLOCKED dump gives the same details, read from the paused thread', async () => {
    const [dump] = (await runFixture(fixture('blocked'))).dumps();
    expect(dump?.json).toMatchObject({ class: 'BLOCKED', blockedIn: 'javascript' });
    expect(dump?.json.resources.handles).toContainEqual(
      expect.objectContaining({
        type: 'ChildProcess',
        duringGuard: true,
        details: {
          kind: 'child',
          pid: expect.any(Number),
          command: 'sleep 30',
          state: 'running',
          openStdio: ['stdin', 'stdout', 'stderr'],
        },
        createdAt: createdAtLine('blocked', 'child'),
      }),
    );
    expect(dump?.text).toMatch(
      /^ {2}ChildProcess {2}pid \d+: sleep 30, running {2}\(created during this guard\)$/m,
    );
  });

  test('handles whose own accessors throw are listed by type, and the dump is written', async () => {
    const result = await runFixture(fixture('throwing-accessors'));
    const dump = dumpOf(result, 'throwing accessors');
    const types = dump.json.resources.handles.map((h) => h.type);
    expect(types).toEqual(expect.arrayContaining(['Unreadable', 'Unaddressable', 'Server']));
    expect(handle(dump, (h) => h.type === 'Unreadable')).toMatchObject({ description: '', ref: true });
    expect(dump.text).toMatch(/^ {2}Unaddressable {2}\(created during this guard\)$/m);
  });
});
