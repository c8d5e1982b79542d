import type { DumpRequest, ResourceDetails } from '../dump/model.js';
import { readFrames } from '../stack/capture.js';
import { isNodeInternal, isOwnCode, isUserCode, type RawFrame } from '../stack/frame.js';
import { describeDetails } from './describe.js';
import {
  type ChildStdio,
  childStdioOf,
  type Described,
  handleDetails,
  requestDetails,
  workerHandle,
} from './details.js';
import { relevance } from './relevance.js';
import { pendingRequests } from './requests.js';
import { runtimeView } from './runtime-view.js';
import type { Creation } from './tracker.js';

/** The runtime's records, through the view this code was called with (see runtime-view.ts). */
const creationOf = (resource: object): Creation | undefined => runtimeView().creationOf(resource);
const trackedParents = (): object[] => runtimeView().trackedParents();

/**
 * What keeps the guarded thread's event loop busy, read for free at dump time: Node names every live
 * resource (`getActiveResourcesInfo`) and hands out the live handle objects, whose own fields give
 * the details (addresses, pids, command lines); the tracker adds where each was created.
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
  /** The facts the description is made of. */
  details?: ResourceDetails;
}

/** The live resources at the moment of a dump. */
export interface ResourceSnapshot {
  /** Every live resource by type, with counts (timers and pending requests included). */
  active: { type: string; count: number }[];
  /**
   * Details of the live handles that Node exposes as objects (at most {@link HANDLE_DETAIL_LIMIT}),
   * and of the HTTP requests they carry.
   */
  handles: HandleDetail[];
  /** How many more live handles there were, left out of `handles` (still counted in `active`). */
  handlesOmitted?: number;
  /** Pending requests (DNS, file system) with what is known of them. */
  requests?: DumpRequest[];
}

/**
 * At most this many handles are described one by one, so that a dump stays small and quick with
 * thousands of live handles (a pool of sockets, a MessagePort per worker): ~100 KB of JSON at most.
 */
export const HANDLE_DETAIL_LIMIT = 100;

interface ProcessWithHandles {
  _getActiveHandles?: () => unknown[];
}

/**
 * Reads the live resources of this thread, leaving out hangdump's own. Past
 * {@link HANDLE_DETAIL_LIMIT} handles, those created while one of `guards` was armed come first, then
 * those hangdump saw created, then ref'd ones, the newest first among equals.
 */
export function snapshotResources(guards: ReadonlySet<number> = new Set()): ResourceSnapshot {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  const { handles: live, childStdio } = liveHandles();
  const chosen = live.length > HANDLE_DETAIL_LIMIT ? mostRelevant(live, guards) : live;
  const requests = pendingRequests();
  return {
    active: [...counts].map(([type, count]) => ({ type, count })).sort((a, b) => b.count - a.count),
    handles: byChild(chosen, childStdio).flatMap((handle) => {
      const described = describeHandle(handle, childStdio);
      const request = carriedRequest(handle, described.createdAt);
      return request ? [request, described] : [described];
    }),
    ...(chosen.length < live.length ? { handlesOmitted: live.length - chosen.length } : {}),
    ...(requests.length > 0 ? { requests } : {}),
  };
}

/** The {@link HANDLE_DETAIL_LIMIT} most relevant handles, scored without describing them. */
function mostRelevant(handles: readonly Described[], guards: ReadonlySet<number>): Described[] {
  const score = (handle: Described): number => {
    const creation = creationOf(handle);
    return relevance({
      duringGuard: creation?.guard !== undefined && guards.has(creation.guard),
      // Before stacks are mapped, a recorded creation is the best sign of the user's code.
      fromUser: creation !== undefined,
      ref: refOf(typeOf(handle), handle),
    });
  };
  return handles
    .map((handle, index) => ({ handle, index, score: score(handle) }))
    .sort((a, b) => b.score - a.score || b.index - a.index)
    .slice(0, HANDLE_DETAIL_LIMIT)
    .map(({ handle }) => handle);
}

/** The live handles created while guard `guardId` was the current one: what a passing test left open. */
export function openResourcesOf(guardId: number): { type: string; description: string }[] {
  const { handles, childStdio } = liveHandles();
  return handles
    .filter((handle) => creationOf(handle)?.guard === guardId && !closing(handle))
    .map((handle) => {
      const { type, description } = describeHandle(handle, childStdio);
      return { type, description };
    });
}

/** Marks a handle {@link openCreatedHandles} returned: on the handle, seen by every copy of hangdump. */
const NAMED = Symbol.for('hangdump.namedOpen');

/**
 * The live handles that hangdump saw created (by any code on this thread, guarded or not) and that
 * keep the event loop alive: what a test file leaves behind. Each handle is returned once, so a
 * thread that runs several files (each with its own copy of hangdump, in Vitest's vm pools) names
 * it for the file that left it.
 */
export function openCreatedHandles(): HandleDetail[] {
  const { handles, childStdio } = liveHandles();
  const open: HandleDetail[] = [];
  for (const handle of handles) {
    if (handle[NAMED] || !creationOf(handle) || closing(handle)) continue;
    if (refOf(typeOf(handle), handle) === false) continue;
    Object.defineProperty(handle, NAMED, { value: true });
    open.push(describeHandle(handle, childStdio));
  }
  return open;
}

/**
 * Node's live handles, plus what its list leaves out: running workers, and children that ended
 * while their stdio pipes stay open. hangdump's own watchdog thread is left out.
 */
function liveHandles(): { handles: Described[]; childStdio: Map<object, ChildStdio> } {
  const handles = ((process as ProcessWithHandles)._getActiveHandles?.() ?? []) as Described[];
  try {
    const parents = trackedParents() as Described[];
    const childStdio = childStdioOf(parents.filter((parent) => Array.isArray(parent.spawnargs)));
    const listed = new Set<object>(handles);
    const stdioOpen = new Set(
      [...childStdio].filter(([pipe]) => listed.has(pipe)).map(([, { child }]) => child),
    );
    const extra = parents.filter((parent) =>
      Array.isArray(parent.spawnargs)
        ? !listed.has(parent) && stdioOpen.has(parent)
        : typeof parent.threadId === 'number' && parent.threadId >= 0 && !ownWorker(parent),
    );
    return { handles: [...handles, ...extra], childStdio };
  } catch {
    // A worker or child in a state its own fields reject: Node's list alone.
    return { handles, childStdio: new Map() };
  }
}

/** Node's order, but each child's stdio pipes right after the child: the child is what the code made. */
function byChild(handles: readonly Described[], childStdio: ReadonlyMap<object, ChildStdio>): Described[] {
  const pipesOf = new Map<object, Described[]>();
  for (const handle of handles) {
    const child = childStdio.get(handle)?.child;
    if (child) pipesOf.set(child, [...(pipesOf.get(child) ?? []), handle]);
  }
  const ordered = handles.flatMap((handle) =>
    childStdio.has(handle) ? [] : [handle, ...(pipesOf.get(handle) ?? [])],
  );
  const placed = new Set(ordered);
  return [...ordered, ...handles.filter((handle) => !placed.has(handle))];
}

/** hangdump's watchdog: a worker whose creator, the first frame outside Node, is hangdump's code. */
function ownWorker(worker: object): boolean {
  const creation = creationOf(worker);
  const creator = creation && readFrames(creation.stack).find((frame) => !isNodeInternal(frame.url));
  return creator !== undefined && isOwnCode(creator.url);
}

function describeHandle(handle: Described, childStdio: ReadonlyMap<object, ChildStdio>): HandleDetail {
  const detail: HandleDetail = { type: typeOf(handle), description: '' };
  try {
    const details = handleDetails(detail.type, handle, childStdio);
    if (details) {
      detail.details = details;
      detail.description = describeDetails(details);
    }
  } catch {
    // A handle in a state its own accessors reject: listed by type.
  }
  const ref = refOf(detail.type, handle);
  if (ref !== undefined) detail.ref = ref;
  // A child's pipe was created with its child: that is where the user's code made it.
  const stdio = childStdio.get(handle);
  addCreation(detail, (stdio ? creationOf(stdio.child) : undefined) ?? creationOf(handle));
  return detail;
}

/**
 * The HTTP client request a socket carries, as an entry of its own: what the code waits on. Node
 * announces a request once its head is written, often from no user frame: then the socket's
 * creation, in the same call, says where the code made it.
 */
function carriedRequest(
  socket: Described,
  socketCreatedAt: RawFrame[] | undefined,
): HandleDetail | undefined {
  try {
    const message = socket._httpMessage;
    if (typeof message !== 'object' || message === null) return undefined;
    const creation = creationOf(message);
    const details = requestDetails(message as Described, creation?.at);
    if (!details) return undefined;
    const request: HandleDetail = {
      type: typeOf(message as Described),
      description: describeDetails(details),
    };
    request.details = details;
    addCreation(request, creation);
    if (socketCreatedAt && !request.createdAt?.some((frame) => isUserCode(frame.url))) {
      request.createdAt = socketCreatedAt;
    }
    return request;
  } catch {
    return undefined;
  }
}

function addCreation(detail: HandleDetail, creation: Creation | undefined): void {
  if (!creation) return;
  detail.createdAt = readFrames(creation.stack);
  if (creation.guard !== undefined) detail.guard = creation.guard;
}

function typeOf(handle: Described): string {
  const name = handle.constructor?.name;
  return typeof name === 'string' && name ? name : typeof handle;
}

/** Whether a handle keeps the loop alive: its own `hasRef()` (timers, servers) or its native handle's. */
function refOf(type: string, handle: Described): boolean | undefined {
  try {
    const own = [handle, handle._handle as Described | undefined];
    const holder = (type === 'Worker' ? [...own, workerHandle(handle)] : own).find(
      (h) => typeof h?.hasRef === 'function',
    );
    return holder ? Boolean((holder.hasRef as () => boolean).call(holder)) : undefined;
  } catch {
    // A handle whose accessors reject its state: not known.
    return undefined;
  }
}

/** A handle on its way out (a destroyed socket, a server that stopped listening): Node lists it a moment longer. */
function closing(handle: Described): boolean {
  return handle.destroyed === true || (typeof handle.listen === 'function' && handle.listening === false);
}
