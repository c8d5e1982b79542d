import { fileURLToPath } from 'node:url';
import type { TimerDetail } from '../inspect/timers.js';
import { describeDetails } from '../resources/describe.js';
import type { PendingPromises } from '../resources/promises.js';
import { relevance } from '../resources/relevance.js';
import type { HandleDetail, ResourceSnapshot } from '../resources/snapshot.js';
import type { SourceFrame, SourceMapper } from '../sourcemap/index.js';
import { isNodeInternal, isOwnCode, isUserCode, type RawFrame } from '../stack/frame.js';
import { codeFrame } from './code-frame.js';
import {
  type DumpFrame,
  type DumpHandle,
  type DumpPromise,
  type FinishedTest,
  type HangClass,
  type HangDump,
  type NativeBlock,
  type ProcessFacts,
  SCHEMA_VERSION,
} from './model.js';
import { relativePath } from './paths.js';
import { headline } from './text.js';
import { VERSION } from './version.js';

/** What the guarded thread tells about itself at the moment of a dump. */
export interface GuardedSnapshot {
  /** The id of the guard this snapshot is for: resources it created are marked `duringGuard`. */
  guardId?: number;
  /** Where the guard was set, when it captured that. */
  site: RawFrame[];
  resources: ResourceSnapshot;
  process: ProcessFacts;
  /** The guard's pending promises, when it tracks them. */
  promises?: PendingPromises;
  /** BLOCKED in a runner's worker: the tests of its file that finished just before (see `HangDump`). */
  finishedTests?: FinishedTest[];
}

/** Everything a dump is made of, gathered by the thread that takes it. */
export interface DumpInput {
  class: HangClass;
  blockedIn?: 'javascript' | 'native';
  /** The guard's label; empty when it had none (then the site names it). */
  label: string;
  budgetMs: number;
  armedAtEpoch: number;
  dumpedAtEpoch: number;
  loopStalledMs?: number;
  /** The stuck thread's stack, innermost first (BLOCKED in JavaScript). */
  stack: RawFrame[];
  snapshot: GuardedSnapshot | undefined;
  /** Used when the snapshot could not be read (a thread blocked in native code runs no JavaScript). */
  processFallback: ProcessFacts;
  native?: NativeBlock;
  /** Live timers, read through the inspector. */
  timers?: TimerDetail[];
  /** The scripts of the thread's workers by threadId, read through the inspector. */
  workerScripts?: ReadonlyMap<number, string>;
  mapper: SourceMapper;
  notes: string[];
}

/** Assembles the dump: frames mapped to original positions, paths made relative, the culprit found. */
export function buildDump(input: DumpInput): HangDump {
  const processFacts = input.snapshot?.process ?? input.processFallback;
  const toDumpFrame = (raw: RawFrame): MappedFrame => {
    const source = input.mapper.map(raw);
    return {
      frame: relativeFrame(source, processFacts.cwd, isUserCode(source.file) && isUserCode(raw.url)),
      source,
    };
  };
  const mapFrames = (raws: readonly RawFrame[]) => raws.filter((raw) => !isOwnCode(raw.url)).map(toDumpFrame);
  const promises = input.snapshot?.promises?.pending.map(({ createdAt, derived }) => ({
    // A derived promise made in JavaScript (not by a builtin's `.then()`) is an await's.
    kind:
      derived && createdAt[0] && !isNodeInternal(createdAt[0].url)
        ? ('await' as const)
        : ('promise' as const),
    // Builtins (`new Promise`, `Promise.then`) have no position to show.
    createdAt: mapFrames(createdAt.filter((raw) => raw.url !== '')),
  }));
  // A WAITING thread has no stack; with promises tracked, the innermost pending await in user code
  // is where it is suspended, and the async functions awaiting it are its stack.
  const suspended = input.class === 'WAITING' && promises ? innermostAwait(promises) : undefined;
  const stack = suspended ? suspended.createdAt : mapFrames(input.stack);
  const site = mapFrames(input.snapshot?.site ?? []);
  const handles = rankHandles(
    (input.snapshot?.resources.handles ?? []).map((handle) => ({
      handle: withScript(handle, input.workerScripts, processFacts.cwd),
      ...(handle.createdAt ? { createdAt: mapFrames(handle.createdAt) } : {}),
    })),
    input.snapshot?.guardId,
  );
  // Without one, the best answer is the resource this guard created and still waits on: best, one
  // created from user code; else one it had a library create (fetch's socket). A listening server is
  // waited on through a connection to it: what connects comes first, the server named as its other end.
  const waitedOn =
    input.class === 'WAITING'
      ? (handles.find((h) => h.duringGuard && fromUser(h) && !isListening(h)) ??
        handles.find((h) => h.duringGuard && fromUser(h)) ??
        handles.find((h) => h.duringGuard && h.ref !== false))
      : undefined;
  const waitedAt = waitedOn && userFrameOf(waitedOn);
  const peer = waitedOn ? serverAtOtherEnd(waitedOn, handles) : undefined;
  const peerAt = peer && userFrameOf(peer);
  // Last, where the server at the other end was created: a runner's test has no site of its own, and
  // a library (fetch) made the socket, but the test's mock server is the user's.
  const culprit =
    stack.find((f) => f.frame.user) ??
    waitedAt ??
    (input.class === 'WAITING' ? site.find((f) => f.frame.user) : undefined) ??
    peerAt;
  const lines = culprit ? input.mapper.sourceLines(culprit.source) : undefined;
  const label =
    input.label || (site[0] ? `${site[0].frame.file}:${site[0].frame.line}` : '(unlabelled guard)');
  const elapsedMs = Math.max(0, Math.round(input.dumpedAtEpoch - input.armedAtEpoch));
  const dump: HangDump = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'hangdump', version: VERSION },
    class: input.class,
    ...(input.blockedIn ? { blockedIn: input.blockedIn } : {}),
    label,
    headline: '',
    budgetMs: input.budgetMs,
    elapsedMs,
    ...(input.loopStalledMs === undefined ? {} : { loopStalledMs: Math.round(input.loopStalledMs) }),
    armedAt: new Date(input.armedAtEpoch).toISOString(),
    dumpedAt: new Date(input.dumpedAtEpoch).toISOString(),
    ...(culprit
      ? {
          stuck: {
            frame: culprit.frame,
            code: lines ? codeFrame(lines, culprit.frame.line) : [],
            ...(suspended ? { suspended: true } : {}),
            ...(stack.includes(culprit) || culprit === waitedAt || culprit === peerAt
              ? {}
              : { atGuard: true }),
            ...(culprit === peerAt ? { atPeer: true } : {}),
            ...(!stack.includes(culprit) && waitedOn
              ? {
                  waitingOn: named(waitedOn),
                  ...(peer
                    ? {
                        peer: {
                          description: named(peer),
                          ...(peerAt ? { createdAt: peerAt.frame } : {}),
                        },
                      }
                    : {}),
                }
              : {}),
          },
        }
      : {}),
    stack: stack.map((f) => f.frame),
    site: site.map((f) => f.frame),
    ...(input.native ? { native: input.native } : {}),
    ...(promises && input.snapshot?.promises
      ? {
          promises: {
            count: input.snapshot.promises.count,
            pending: promises.map(
              ({ kind, createdAt }): DumpPromise => ({ kind, createdAt: createdAt.map((f) => f.frame) }),
            ),
          },
        }
      : {}),
    resources: {
      active: input.snapshot?.resources.active ?? [],
      handles: handles.map(({ createdAt, ...handle }) => ({
        ...handle,
        ...(createdAt ? { createdAt: createdAt.map((f) => f.frame) } : {}),
      })),
      ...(input.snapshot?.resources.requests ? { requests: input.snapshot.resources.requests } : {}),
      ...(input.snapshot?.resources.handlesOmitted
        ? { handlesOmitted: input.snapshot.resources.handlesOmitted }
        : {}),
      timers: (input.timers ?? []).map(({ location, ...timer }) => {
        if (!location) return timer;
        const source = input.mapper.mapLocation(location, timer.name);
        return { ...timer, callback: relativeFrame(source, processFacts.cwd, isUserCode(source.file)) };
      }),
    },
    process: processFacts,
    ...(input.class === 'BLOCKED' && input.snapshot?.finishedTests?.length
      ? { finishedTests: input.snapshot.finishedTests }
      : {}),
    notes: input.notes,
  };
  dump.headline = headline(dump);
  return dump;
}

/** A worker's handle with the script it runs, when the inspector named it. */
function withScript(
  handle: HandleDetail,
  scripts: ReadonlyMap<number, string> | undefined,
  cwd: string,
): HandleDetail {
  const details = handle.details;
  if (details?.kind !== 'worker' || details.threadId === undefined) return handle;
  const script = scripts?.get(details.threadId);
  if (script === undefined) return handle;
  const named = { ...details, script: script ? relativePath(scriptPath(script), cwd) : '(eval)' };
  return { ...handle, details: named, description: describeDetails(named) };
}

function scriptPath(url: string): string {
  try {
    return url.startsWith('file:') ? fileURLToPath(url) : url;
  } catch {
    return url;
  }
}

type MappedFrame = { frame: DumpFrame; source: SourceFrame };

/**
 * The innermost of the pending awaits in user code (`pending` is most recent first). An await's stack
 * holds the functions awaiting it, as callers (it suspended before its caller's own await) or as
 * async frames (after): the innermost is the one whose stack holds the most other pending awaits;
 * among equals, the most recent.
 */
function innermostAwait<T extends { kind: 'await' | 'promise'; createdAt: MappedFrame[] }>(
  pending: readonly T[],
): T | undefined {
  const awaits = pending.filter((p) => p.kind === 'await' && p.createdAt[0]?.frame.user);
  const line = ({ frame }: MappedFrame) => `${frame.file}:${frame.line}`;
  const tops = awaits.map((p) => line(p.createdAt[0] as MappedFrame));
  let best: T | undefined;
  let bestOuter = -1;
  for (const candidate of awaits) {
    const callers = new Set(candidate.createdAt.slice(1).map(line));
    const outer = tops.filter((top) => callers.has(top)).length;
    if (outer > bestOuter) {
      best = candidate;
      bestOuter = outer;
    }
  }
  return best;
}

function relativeFrame(frame: SourceFrame, cwd: string, user: boolean): DumpFrame {
  return {
    functionName: frame.functionName,
    file: relativePath(frame.file, cwd),
    line: frame.line,
    column: frame.column,
    user,
    ...(frame.generated
      ? { generated: { ...frame.generated, file: relativePath(frame.generated.file, cwd) } }
      : {}),
  };
}

interface RankedHandle extends Omit<DumpHandle, 'createdAt'> {
  createdAt?: MappedFrame[];
}

/** The first frame of user code in a handle's creation stack: where the user's code created it. */
function userFrameOf(handle: RankedHandle): MappedFrame | undefined {
  return handle.createdAt?.find((f) => f.frame.user);
}

function fromUser(handle: RankedHandle): boolean {
  return userFrameOf(handle) !== undefined;
}

/** A handle as a dump's one-line answer names it: `Socket 127.0.0.1:50312 -> …`. */
function named({ type, description }: RankedHandle): string {
  return `${type} ${description}`.trim();
}

function isListening({ details }: RankedHandle): boolean {
  return details?.kind === 'server' && details.listening;
}

/** Hosts a server listens on when it listens on every interface of the machine. */
const ANY_HOST = new Set(['0.0.0.0', '[::]']);

/** `host` and `:port` of `127.0.0.1:8080` or `[::1]:8080`. */
function splitAddress(address: string): [host: string, port: string] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon), address.slice(colon)];
}

/**
 * The listening server of this process that a waited-on socket or HTTP request is connected to, if
 * any: a test's own mock server that never answers is a common WAITING hang, and where that server
 * was created is the line to look at. A server on every interface, or a request to `localhost`,
 * matches by port.
 */
function serverAtOtherEnd(waited: RankedHandle, handles: readonly RankedHandle[]): RankedHandle | undefined {
  const { details } = waited;
  const to =
    details?.kind === 'socket' ? details.remote : details?.kind === 'request' ? details.host : undefined;
  if (to === undefined || !to.includes(':')) return undefined;
  const [toHost, toPort] = splitAddress(to);
  return handles.find(({ details: server }) => {
    if (server?.kind !== 'server' || !server.listening || server.address === undefined) return false;
    if (server.address === to) return true;
    const [host, port] = splitAddress(server.address);
    return port === toPort && (ANY_HOST.has(host) || toHost === 'localhost');
  });
}

/**
 * Most relevant first: created while the dumped guard was armed, by user code, keeping the event
 * loop alive. The sort is stable, so Node's own order breaks ties.
 */
function rankHandles(
  handles: { handle: HandleDetail; createdAt?: MappedFrame[] }[],
  guardId: number | undefined,
): RankedHandle[] {
  const ranked = handles.map(({ handle, createdAt }): RankedHandle => {
    const { guard, createdAt: _raw, ...rest } = handle;
    return {
      ...rest,
      ...(guardId !== undefined && guard === guardId ? { duringGuard: true } : {}),
      ...(createdAt ? { createdAt } : {}),
    };
  });
  const score = (h: RankedHandle) =>
    relevance({
      duringGuard: h.duringGuard === true,
      fromUser: fromUser(h),
      ref: h.ref,
    });
  return ranked.sort((a, b) => score(b) - score(a));
}
