import { readFrames } from '../stack/capture.js';
import type { RawFrame } from '../stack/frame.js';
import { creationOf } from './tracker.js';

/**
 * What keeps the guarded thread's event loop busy, read for free at dump time: Node names every live
 * resource (`getActiveResourcesInfo`) and hands out the live handle objects, whose own fields give
 * the details (addresses, pids, command lines).
 */

/** One live handle with the facts that identify it. */
export interface HandleDetail {
  /** `Server`, `Socket`, `ChildProcess`, … (the handle's class). */
  type: string;
  /** One line for people: `127.0.0.1:50312 -> 127.0.0.1:8080`, `pid 4242: sleep 60`. */
  description: string;
  /** Whether it keeps the event loop alive. */
  ref?: boolean;
  /** The id of the guard armed when it was created, if it was created while one was. */
  guard?: number;
  /** Where it was created (innermost first), when hangdump saw it created. */
  createdAt?: RawFrame[];
}

/** The live resources at the moment of a dump. */
export interface ResourceSnapshot {
  /** Every live resource by type, with counts (timers and pending requests included). */
  active: { type: string; count: number }[];
  /** Details of the live handles that Node exposes as objects, at most {@link HANDLE_DETAIL_LIMIT}. */
  handles: HandleDetail[];
  /** How many more live handles there were, left out of `handles` (still counted in `active`). */
  handlesOmitted?: number;
}

/**
 * At most this many handles are described one by one, so that a dump stays small and quick with
 * thousands of live handles (a pool of sockets, a MessagePort per worker): ~100 KB of JSON at most.
 */
export const HANDLE_DETAIL_LIMIT = 100;

type Described = { constructor?: { name?: string } } & Record<string, unknown>;

interface ProcessWithHandles {
  _getActiveHandles?: () => unknown[];
}

/**
 * Reads the live resources of this thread. Past {@link HANDLE_DETAIL_LIMIT} handles, those created
 * while one of `guards` was armed come first, then those hangdump saw created, then ref'd ones, the
 * newest first among equals.
 */
export function snapshotResources(guards: ReadonlySet<number> = new Set()): ResourceSnapshot {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  const live = ((process as ProcessWithHandles)._getActiveHandles?.() ?? []) as Described[];
  const chosen = live.length > HANDLE_DETAIL_LIMIT ? mostRelevant(live, guards) : live;
  return {
    active: [...counts].map(([type, count]) => ({ type, count })).sort((a, b) => b.count - a.count),
    handles: chosen.map(describeHandle),
    ...(chosen.length < live.length ? { handlesOmitted: live.length - chosen.length } : {}),
  };
}

/** The {@link HANDLE_DETAIL_LIMIT} most relevant handles, scored without describing them. */
function mostRelevant(handles: readonly Described[], guards: ReadonlySet<number>): Described[] {
  const score = (handle: Described): number => {
    const creation = creationOf(handle);
    let ref: boolean | undefined;
    try {
      ref = refOf(handle);
    } catch {
      // Scored as ref'd.
    }
    return (
      (creation?.guard !== undefined && guards.has(creation.guard) ? 4 : 0) +
      (creation ? 2 : 0) +
      (ref === false ? 0 : 1)
    );
  };
  return handles
    .map((handle, index) => ({ handle, index, score: score(handle) }))
    .sort((a, b) => b.score - a.score || b.index - a.index)
    .slice(0, HANDLE_DETAIL_LIMIT)
    .map(({ handle }) => handle);
}

/** The live handles created while guard `guardId` was the current one: what a passing test left open. */
export function openResourcesOf(guardId: number): { type: string; description: string }[] {
  return ((process as ProcessWithHandles)._getActiveHandles?.() ?? [])
    .filter((handle) => creationOf(handle as object)?.guard === guardId && !closing(handle as Described))
    .map((handle) => {
      const { type, description } = describeHandle(handle as Described);
      return { type, description };
    });
}

function describeHandle(handle: Described): HandleDetail {
  const type = handle.constructor?.name ?? typeof handle;
  const detail: HandleDetail = { type, description: '' };
  try {
    detail.description = describe(type, handle);
    const ref = refOf(handle);
    if (ref !== undefined) detail.ref = ref;
  } catch {
    // A handle in a state its own accessors reject: listed by type.
  }
  const creation = creationOf(handle);
  if (creation) {
    detail.createdAt = readFrames(creation.stack);
    if (creation.guard !== undefined) detail.guard = creation.guard;
  }
  return detail;
}

function describe(type: string, handle: Described): string {
  if (type === 'Server' || typeof handle.listen === 'function') return describeServer(handle);
  if (type === 'ChildProcess') return describeChild(handle);
  if (type === 'Socket' || 'remotePort' in handle) return describeSocket(handle);
  if (type === 'Worker') return `threadId ${String(handle.threadId)}`;
  return '';
}

function describeServer(server: Described): string {
  const address = (server.address as () => unknown)?.call(server);
  const where =
    address && typeof address === 'object'
      ? formatAddress(address as { address: string; port: number; family?: string })
      : String(address ?? 'not bound');
  return `listening on ${where}${server.listening === false ? ' (not listening)' : ''}`;
}

function describeSocket(socket: Described): string {
  if (socket.remotePort === undefined) {
    const fd = (socket._handle as { fd?: number } | undefined)?.fd;
    return fd === 0 || fd === 1 || fd === 2 ? (['stdin', 'stdout', 'stderr'][fd] as string) : 'pipe';
  }
  const local = formatAddress({ address: String(socket.localAddress), port: Number(socket.localPort) });
  const remote = formatAddress({ address: String(socket.remoteAddress), port: Number(socket.remotePort) });
  return `${local} -> ${remote}, read ${String(socket.bytesRead)} B, written ${String(socket.bytesWritten)} B`;
}

function describeChild(child: Described): string {
  const args = Array.isArray(child.spawnargs) ? child.spawnargs.join(' ') : String(child.spawnfile ?? '');
  return `pid ${String(child.pid)}: ${args}`;
}

function formatAddress({ address, port }: { address: string; port: number }): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Whether a handle keeps the loop alive: its own `hasRef()` (timers, servers) or its native handle's. */
function refOf(handle: Described): boolean | undefined {
  const holder = [handle, handle._handle as Described | undefined].find(
    (h) => typeof h?.hasRef === 'function',
  );
  return holder ? Boolean((holder.hasRef as () => boolean).call(holder)) : undefined;
}

/** A handle on its way out (a destroyed socket, a server that stopped listening): Node lists it a moment longer. */
function closing(handle: Described): boolean {
  return handle.destroyed === true || (typeof handle.listen === 'function' && handle.listening === false);
}
