import type {
  ChildDetails,
  RequestDetails,
  ResourceDetails,
  ServerDetails,
  SocketDetails,
  WorkerDetails,
} from '../dump/model.js';
import { requestUrl } from './describe.js';

/**
 * The facts of one live resource, read from its own object at dump time (nothing is recorded ahead
 * but the creation). Node's objects are read as they are: public fields where they exist, the few
 * internal ones wtfnode and Node's diagnostic report rely on where they do not. Callers catch.
 */

/** A handle object as Node hands it out: its fields are read, never trusted. */
export type Described = { constructor?: { name?: string } } & Record<PropertyKey, unknown>;

type Stream = 'stdin' | 'stdout' | 'stderr';
const STREAMS: readonly Stream[] = ['stdin', 'stdout', 'stderr'];

/** A child's stdio pipe: which stream of which child (the pipe itself does not say). */
export interface ChildStdio {
  stream: Stream;
  child: Described;
}

/** The facts of a live handle, by what it is; undefined for kinds without any. */
export function handleDetails(
  type: string,
  handle: Described,
  childStdio: ReadonlyMap<object, ChildStdio>,
): ResourceDetails | undefined {
  if (type === 'ChildProcess' || Array.isArray(handle.spawnargs)) return childDetails(handle);
  if (type === 'Worker') return workerDetails(handle);
  if (type === 'MessagePort') return { kind: 'port', listening: listens(handle, 'message') };
  if (type === 'FSWatcher' || type === 'StatWatcher') return { kind: 'watcher' };
  if (typeof handle.listen === 'function' && '_connections' in handle) return serverDetails(handle);
  if ('remotePort' in handle) return socketDetails(handle, childStdio.get(handle));
  return undefined;
}

function serverDetails(server: Described): ServerDetails {
  const details: ServerDetails = { kind: 'server', listening: server.listening !== false };
  const address = call(server, 'address');
  if (typeof address === 'string') details.address = address;
  else if (isObject(address)) details.address = formatAddress(address.address, address.port);
  else if (typeof server._pipeName === 'string') details.address = server._pipeName;
  if (typeof server._connections === 'number') details.connections = server._connections;
  return details;
}

function socketDetails(socket: Described, stdio: ChildStdio | undefined): SocketDetails {
  const details: SocketDetails = { kind: 'socket' };
  const handle = isObject(socket._handle) ? socket._handle : undefined;
  if (socket.remotePort !== undefined) {
    details.local = formatAddress(socket.localAddress, socket.localPort);
    details.remote = formatAddress(socket.remoteAddress, socket.remotePort);
  } else if (stdio) {
    const pid = stdio.child.pid;
    details.childStdio = { stream: stdio.stream, ...(typeof pid === 'number' ? { pid } : {}) };
  } else if (handle?.fd === 0 || handle?.fd === 1 || handle?.fd === 2) {
    details.stdio = STREAMS[handle.fd];
  } else {
    const server = (socket.server ?? socket._server) as Described | null | undefined;
    if (typeof server?._pipeName === 'string') details.path = server._pipeName;
  }
  if (typeof socket.bytesRead === 'number') details.bytesRead = socket.bytesRead;
  if (typeof socket.bytesWritten === 'number') details.bytesWritten = socket.bytesWritten;
  if (socket.connecting === true) details.state = 'connecting';
  else if (socket.readable !== false && handle) {
    if (handle.reading === true) details.state = 'reading';
    else details.state = call(socket, 'isPaused') === true ? 'paused' : 'not reading';
  }
  const http = httpExchange(socket._httpMessage);
  if (http) details.http = http;
  return details;
}

/** `GET http://127.0.0.1:8080/path` for a client request, `GET /path` for a response being served. */
function httpExchange(message: unknown): string | undefined {
  if (!isObject(message)) return undefined;
  const request = requestDetails(message, undefined);
  if (request) return `${request.method} ${requestUrl(request)}`;
  const served = isObject(message.req) ? message.req : undefined;
  return typeof served?.method === 'string' ? `${served.method} ${String(served.url)}` : undefined;
}

/**
 * An HTTP client request, when `message` is one (a socket's `_httpMessage`). `createdAt` is
 * `Date.now()` at its creation, when the tracker saw it.
 */
export function requestDetails(
  message: Described,
  createdAt: number | undefined,
): RequestDetails | undefined {
  if (typeof message.method !== 'string' || typeof message.path !== 'string' || !('res' in message)) {
    return undefined;
  }
  const header = call(message, 'getHeader', 'host');
  return {
    kind: 'request',
    method: message.method,
    protocol: typeof message.protocol === 'string' ? message.protocol : 'http:',
    host: typeof header === 'string' ? header : String(message.host),
    path: message.path,
    ...(createdAt === undefined ? {} : { waitedMs: Math.max(0, Date.now() - createdAt) }),
    responseStarted: isObject(message.res),
  };
}

function childDetails(child: Described): ChildDetails {
  const details: ChildDetails = {
    kind: 'child',
    command: Array.isArray(child.spawnargs)
      ? child.spawnargs.map((arg) => quote(String(arg))).join(' ')
      : String(child.spawnfile ?? ''),
    state: 'running',
    openStdio: STREAMS.filter((stream) => {
      const pipe = child[stream] as Described | null | undefined;
      return isObject(pipe) && pipe.destroyed !== true;
    }),
  };
  if (typeof child.pid === 'number') details.pid = child.pid;
  if (typeof child.exitCode === 'number') {
    details.state = 'exited';
    details.exitCode = child.exitCode;
  } else if (typeof child.signalCode === 'string') {
    details.state = 'killed';
    details.signal = child.signalCode;
  }
  return details;
}

/** The stdio pipes of these children, each mapped to its child and stream. */
export function childStdioOf(children: readonly Described[]): Map<object, ChildStdio> {
  const pipes = new Map<object, ChildStdio>();
  for (const child of children) {
    for (const stream of STREAMS) {
      const pipe = child[stream];
      if (isObject(pipe)) pipes.set(pipe, { stream, child });
    }
  }
  return pipes;
}

function workerDetails(worker: Described): WorkerDetails {
  const threadId = typeof worker.threadId === 'number' ? worker.threadId : undefined;
  return {
    kind: 'worker',
    ...(threadId === undefined || threadId < 0 ? {} : { threadId }),
    // Node sets a worker's threadId to -1 when its thread has ended.
    state: threadId === -1 ? 'exited' : 'running',
  };
}

/** A worker's native handle (null once its thread has ended): its `hasRef()` says if it holds the loop. */
export function workerHandle(worker: Described): Described | undefined {
  const key = Object.getOwnPropertySymbols(worker).find((symbol) => symbol.description === 'kHandle');
  const handle = key === undefined ? undefined : worker[key];
  return isObject(handle) ? handle : undefined;
}

function listens(emitter: Described, event: string): boolean {
  const count = call(emitter, 'listenerCount', event);
  return typeof count === 'number' && count > 0;
}

/** Calls a method of a foreign object if it has it. */
function call(target: Described, method: string, ...args: unknown[]): unknown {
  const fn = target[method];
  return typeof fn === 'function' ? fn.apply(target, args) : undefined;
}

function isObject(value: unknown): value is Described {
  return typeof value === 'object' && value !== null;
}

function formatAddress(address: unknown, port: unknown): string {
  const host = String(address);
  return host.includes(':') ? `[${host}]:${String(port)}` : `${host}:${String(port)}`;
}

/** An argument as a shell would need it: quoted when it holds spaces or shell syntax. */
function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
