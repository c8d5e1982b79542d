/**
 * The dump: one model, written twice — as text for people (`*.txt`) and as its JSON twin (`*.json`)
 * for tools. The JSON is versioned by `schemaVersion`; readers check it (see `parseDump`).
 */

export const SCHEMA_VERSION = 1;

/**
 * BLOCKED: the event loop does not turn (busy loop, ReDoS, a synchronous call that never returns).
 * WAITING: it turns, but the guarded code awaits something that never comes.
 */
export type HangClass = 'BLOCKED' | 'WAITING';

/** A stack frame at its original source position. `file` is relative to the process's cwd when inside it. */
export interface DumpFrame {
  functionName: string;
  file: string;
  line: number;
  column: number;
  /** The user's own code: not Node's, not a dependency's, not hangdump's. */
  user: boolean;
  /** Where V8 ran it, when a source map moved the position. */
  generated?: { file: string; line: number; column: number };
}

/** A live handle in a dump. */
export interface DumpHandle {
  /** `Server`, `Socket`, `ChildProcess`, … */
  type: string;
  /** `listening on 127.0.0.1:8080`, `127.0.0.1:50312 -> 127.0.0.1:8080, read 0 B…`, `pid 4242: sleep 60`. */
  description: string;
  /** Whether it keeps the event loop alive. */
  ref?: boolean;
  /** Created while this dump's guard was armed (during this test). */
  duringGuard?: boolean;
  /** Where it was created, innermost first, when hangdump saw it created. */
  createdAt?: DumpFrame[];
  /** The facts `description` is made of, by kind, for tools. */
  details?: ResourceDetails;
}

/**
 * Facts about one live resource, by `kind`, as far as Node exposes them (each field is left out
 * when it could not be read). Resources of other kinds have no details: their type and creation stack.
 */
export type ResourceDetails =
  | SocketDetails
  | ServerDetails
  | RequestDetails
  | ChildDetails
  | WorkerDetails
  | PortDetails
  | WatcherDetails
  | LookupDetails
  | FileRequestDetails;

/** A TCP or Unix socket, or a pipe (stdio, a child's stdio). */
export interface SocketDetails {
  kind: 'socket';
  /** `127.0.0.1:50312` (TCP). */
  local?: string;
  remote?: string;
  /** The Unix socket's path, when Node keeps it (a server's side). */
  path?: string;
  /** This process's own stdio. */
  stdio?: 'stdin' | 'stdout' | 'stderr';
  /** A child process's stdio: which stream, and the child's pid. */
  childStdio?: { stream: 'stdin' | 'stdout' | 'stderr'; pid?: number };
  bytesRead?: number;
  bytesWritten?: number;
  /** `reading`: waits for data; `paused`: would not take it; `connecting`: not connected yet. */
  state?: 'connecting' | 'reading' | 'paused' | 'not reading';
  /** The HTTP exchange it carries: `GET http://127.0.0.1:8080/path` (client) or `GET /path` (server). */
  http?: string;
}

/** A TCP or Unix server. */
export interface ServerDetails {
  kind: 'server';
  /** `127.0.0.1:8080` or the Unix socket's path. */
  address?: string;
  listening: boolean;
  /** Open connections it accepted. */
  connections?: number;
}

/** An HTTP client request (`http.request`, `http.get`), found through the socket that carries it. */
export interface RequestDetails {
  kind: 'request';
  method: string;
  /** `http:` or `https:`. */
  protocol: string;
  /** The `Host` it was sent to, with the port. */
  host: string;
  path: string;
  /** From the request's creation to the dump, when hangdump saw it created. */
  waitedMs?: number;
  /** Whether the response's head has arrived. */
  responseStarted: boolean;
}

/** A child process. */
export interface ChildDetails {
  kind: 'child';
  pid?: number;
  command: string;
  state: 'running' | 'exited' | 'killed';
  /** When `exited`. */
  exitCode?: number;
  /** When `killed`: the signal that ended it. */
  signal?: string;
  /** Its stdio streams still open on this side (they keep the loop alive after it ended). */
  openStdio: ('stdin' | 'stdout' | 'stderr')[];
}

/** A worker thread. */
export interface WorkerDetails {
  kind: 'worker';
  threadId?: number;
  /** The script it runs (a `file:` URL, a path relative to the cwd, or empty for `eval`), when known. */
  script?: string;
  state: 'running' | 'exited';
}

/** A `MessagePort` (`ref`: whether it keeps the loop alive). */
export interface PortDetails {
  kind: 'port';
  /** Whether anything listens for its messages. */
  listening: boolean;
}

/** An `fs.watch` or `fs.watchFile` watcher: Node keeps its path in native memory only. */
export interface WatcherDetails {
  kind: 'watcher';
}

/** A DNS request (`dns.lookup`, `dns.lookupService`, `dns.resolve*`). */
export interface LookupDetails {
  kind: 'lookup';
  host?: string;
}

/** A pending file-system request (`FSReqCallback`, `FSReqPromise`). */
export interface FileRequestDetails {
  kind: 'file';
  /** The file it waits on, when a thread of Node's pool is seen blocked on it (Linux). */
  path?: string;
  /** The system call that thread waits in. */
  syscall?: string;
}

/** A pending request (DNS, file system, …): not a handle, but it keeps the loop alive until it completes. */
export interface DumpRequest {
  /** `GetAddrInfoReqWrap`, `FSReqCallback`, … */
  type: string;
  description: string;
  details?: ResourceDetails;
}

/** A live timer in a dump. */
export interface DumpTimer {
  /** `setInterval` rather than `setTimeout`. */
  repeat: boolean;
  durationMs: number;
  /** Whether it keeps the event loop alive. */
  ref: boolean;
  /** The callback's name, if it has one. */
  name: string;
  /** Where the callback is (not known for built-in callbacks such as a promise's `resolve`). */
  callback?: DumpFrame;
}

/** A promise created during the guard and still pending at the dump (guards armed with `promises`). */
export interface DumpPromise {
  /** `await`: an await suspended at `createdAt[0]`; `promise`: a promise made there (`new Promise`, `.then()`, an async function's call). */
  kind: 'await' | 'promise';
  /** Where it was created, innermost first (for an await, the async functions awaiting it follow). */
  createdAt: DumpFrame[];
}

/** The guard's pending promises, when it tracked them. */
export interface DumpPromises {
  /** How many of the promises created during the guard were pending (of the thread's most recent 1,000). */
  count: number;
  /** The most recent ones created in user code, most recent first (at most 20). */
  pending: DumpPromise[];
}

/** What was alive at the dump. */
export interface DumpResources {
  /** Every live resource by type with counts, as Node names them (timers and requests included). */
  active: { type: string; count: number }[];
  /**
   * The live handles, most relevant first: created during the guard, from user code, keeping the loop
   * alive. At most 100: the others are counted in `handlesOmitted` (and by type in `active`).
   */
  handles: DumpHandle[];
  /** How many live handles are left out of `handles`. */
  handlesOmitted?: number;
  /** Live timers (at most 25), those keeping the loop alive first. */
  timers: DumpTimer[];
  /** Pending requests with what is known of them (their counts are in `active`). */
  requests?: DumpRequest[];
}

/** The lines around the stuck position; `marker` is true on the stuck line. */
export interface CodeLine {
  line: number;
  text: string;
  marker: boolean;
}

/** A thread blocked inside a native call, as Linux's /proc tells it. */
export interface NativeBlock {
  /** The thread's state letter from /proc: R running, S sleeping, D disk wait, … */
  state: string;
  /** The system call it waits in (`epoll_pwait`, `read`, `futex`, …), or undefined when running. */
  syscall?: string;
  /** The kernel function it sleeps in. */
  wchan?: string;
  /** What this most likely is, in words. */
  explanation: string;
  /** Live descendant processes of the blocked process, children first (what `execSync` waits for). */
  children: { pid: number; command: string }[];
}

/** Facts about the process that hung; never the values of environment variables. */
export interface ProcessFacts {
  pid: number;
  threadId: number;
  node: string;
  platform: string;
  arch: string;
  argv: string[];
  execArgv: string[];
  cwd: string;
  /** The test runner, recognised by the names of the variables it sets (`vitest`, `jest`, `node:test`). */
  runner?: string;
}

/** A hang dump (JSON twin schema, version 1). */
export interface HangDump {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'hangdump'; version: string };
  class: HangClass;
  /** BLOCKED only: running JavaScript (exact stack) or inside a native call. */
  blockedIn?: 'javascript' | 'native';
  label: string;
  /** The text dump's first line. */
  headline: string;
  budgetMs: number;
  /** From arming to the dump. */
  elapsedMs: number;
  /** BLOCKED only: how long the event loop had not turned at the dump. */
  loopStalledMs?: number;
  armedAt: string;
  dumpedAt: string;
  /**
   * The innermost frame of user code where the thread is stuck, with the code around it. A WAITING
   * thread has no stack: then this is where the resource it most likely waits on was created
   * (`waitingOn`), else where the guard was set (`atGuard`); with `promises`, the await it is
   * suspended at (`suspended`).
   */
  stuck?: {
    frame: DumpFrame;
    code: CodeLine[];
    /** WAITING with `promises`: an `await` suspended at `frame` that never resumed. */
    suspended?: boolean;
    /** No stack is known (WAITING): this is where the guard was set. */
    atGuard?: boolean;
    /** WAITING: this is where `peer`, the server at the other end of `waitingOn`, was created. */
    atPeer?: boolean;
    /** WAITING: the resource the code most likely waits on, created at `frame` unless `atGuard` or `atPeer`. */
    waitingOn?: string;
    /**
     * WAITING on a socket or HTTP request whose other end is a server of this same process (a test's
     * own mock server): that server, and where it was created when user code created it.
     */
    peer?: { description: string; createdAt?: DumpFrame };
  };
  /**
   * BLOCKED: the paused thread's stack, innermost first. WAITING with `promises`: the innermost
   * pending await in user code and the async functions awaiting it.
   */
  stack: DumpFrame[];
  /** Where the guard was set (the test's definition, the `armHangDump` call), when known. */
  site: DumpFrame[];
  native?: NativeBlock;
  /** The guard's pending promises, when it was armed with `promises: true`. */
  promises?: DumpPromises;
  resources: DumpResources;
  process: ProcessFacts;
  /**
   * BLOCKED in a test runner's worker: the tests of the same file that finished in the second
   * before the guard was armed. A runner sends results in batches, and the last batch may not have
   * left the worker when hangdump ended it: the runner's reporter gives these their results.
   */
  finishedTests?: FinishedTest[];
  /** What the dump could not gather, in words (the dump is still written). */
  notes: string[];
}

/** A test that finished before the hang, as its runner's worker had recorded it. */
export interface FinishedTest {
  /** As dump labels name tests: `file > describe > test`. */
  name: string;
  state: 'pass' | 'skip';
  durationMs?: number;
}
