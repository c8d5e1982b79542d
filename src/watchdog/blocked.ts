import type { ProcessFacts } from '../dump/index.js';
import {
  buildDump,
  type DumpResult,
  type GuardedSnapshot,
  reportDump,
  toResult,
  writeDump,
  writeStderr,
} from '../dump/index.js';
import type { NativeBlock } from '../dump/model.js';
import {
  GuardedThreadInspector,
  type Paused,
  readNativeBlock,
  runningDeadline,
  type TimerDetail,
} from '../inspect/index.js';
import { SourceMapper } from '../sourcemap/index.js';
import type { DeadlineTable, SlotConfig } from './deadline-table.js';
import { type FromWatchdog, PAUSE_GRACE_MS, probeExpression, RUNNING_GRACE_MS, State } from './protocol.js';

/** A guard the watchdog has taken as BLOCKED. */
export interface BlockedGuard {
  slot: number;
  generation: number;
  /** The guarded thread's clock at its last heartbeat. */
  lastBeat: number;
}

/** What the BLOCKED procedure works with. */
export interface BlockedContext {
  /** The guarded thread's table (a private copy when the watchdog is another process). */
  table: DeadlineTable;
  inspector: GuardedThreadInspector;
  /**
   * Claims a guard on the paused thread. A watchdog thread claimed its guards in shared memory
   * already; a watchdog process, which sees only a copy, claims them here.
   */
  claim?(paused: Paused, guard: BlockedGuard): Promise<boolean>;
  /**
   * For a watchdog that cannot leave a pause pending on a thread inside a native call (another
   * process: its inspector opens only when the call returns): whether the thread's event loop turns
   * again within `timeoutMs`, once the call's child processes were ended.
   */
  returned?(timeoutMs: number): Promise<boolean>;
  probeId: string;
  process: ProcessFacts;
  /** The guarded thread's kernel id, where known (Linux). */
  tid: number | undefined;
  post(message: FromWatchdog): void;
  /** The guarded thread's clock, read from the watchdog. */
  clock(): number;
  /** The guarded thread's time origin (epoch ms): its clock plus this is a date. */
  timeOrigin: number;
}

type Armed = BlockedGuard & { config: SlotConfig };

/** What one BLOCKED dump is made from. */
interface BlockedFacts {
  paused: Paused | undefined;
  /** The paused thread's live timers. */
  timers?: TimerDetail[];
  snapshot: GuardedSnapshot | undefined;
  native: NativeBlock | undefined;
  /** Rewrite this file (a native call returned after the first dump and its stack is now known). */
  rewrite?: string;
  /** When the first version was written: a rewrite completes that dump, it does not date it anew. */
  dumpedAt?: number;
  /** The native call returned, its children ended, and the thread went on without a pause. */
  wentOn?: boolean;
}

/** The watchdog thread's one session on the guarded thread, connected at the first BLOCKED hang. */
let session: GuardedThreadInspector | undefined;

/** The inspector of the thread this watchdog thread guards. */
export function threadInspector({ threadId }: ProcessFacts): GuardedThreadInspector {
  session ??= new GuardedThreadInspector({ isMainThread: threadId === 0, threadId });
  return session;
}

interface Written {
  guard: Armed;
  result: DumpResult | undefined;
  dumpedAt: number;
}

/** How long to wait, after ending a blocking call's child processes, for the call to return. */
const NATIVE_RETURN_MS = 1000;

/**
 * Dumps guards whose event loop does not turn: pauses the thread once, writes a dump per guard, then
 * ends the process or lets it go on, as the guards ask (any guard asking to exit wins).
 */
export async function dumpBlocked(context: BlockedContext, guards: BlockedGuard[]): Promise<void> {
  const { table, inspector } = context;
  const readable = guards.flatMap((guard) => {
    const config = table.read(guard.slot, guard.generation);
    return config ? [{ ...guard, config }] : [];
  });
  if (readable.length === 0) return;
  const { pid } = context.process;
  const { tid } = context;
  const paused = await pauseWhileRunning(context, () => inspector.pause(PAUSE_GRACE_MS));
  const armed: Armed[] = [];
  for (const guard of readable) {
    if (!paused || !context.claim || (await context.claim(paused, guard))) armed.push(guard);
  }
  if (armed.length === 0) {
    if (paused) await inspector.resume();
    return;
  }
  const native = paused ? undefined : readNativeBlock(pid, tid);
  const written: Written[] = [];
  const snapshots = new Map<Armed, GuardedSnapshot | undefined>();
  for (const guard of armed) {
    const snapshot = paused ? await readSnapshot(context, paused, guard) : undefined;
    snapshots.set(guard, snapshot);
    const dumpedAt = context.clock();
    written.push({
      guard,
      dumpedAt,
      result: writeBlockedDump(context, guard, { paused, snapshot, native, dumpedAt }),
    });
    table.transition(guard.slot, State.BLOCKED, State.DUMPED);
  }
  // The timers take a walk of the heap: the dumps are on disk first, then completed in place.
  const timers = paused ? await inspector.readTimers(probe(context)) : [];
  for (const { guard, result, dumpedAt } of timers.length > 0 ? written : []) {
    if (result) {
      const facts = {
        paused,
        snapshot: snapshots.get(guard),
        native,
        timers,
        rewrite: result.file,
        dumpedAt,
      };
      writeBlockedDump(context, guard, facts);
    }
  }
  const exiting = armed.find((guard) => guard.config.onBlocked === 'exit');
  if (exiting) {
    await endProcess(context, exiting, paused, native, written);
    return;
  }
  for (const { guard, result } of written) {
    if (result) context.post({ type: 'blocked', slot: guard.slot, generation: guard.generation, result });
  }
  if (paused) await inspector.resume();
  // A pause that could not land (native call) lands when the call returns: let the thread go on then.
  else void inspector.nextPause(Number.POSITIVE_INFINITY).then((late) => late && inspector.resume());
}

/**
 * Waits for the thread's pause: `first` (a pause asked for, or awaited), then longer while the thread
 * keeps using the CPU, up to `RUNNING_GRACE_MS`. A pause lands at the next function or loop of
 * JavaScript, and a thread that uses the CPU runs JavaScript or V8 work (garbage collection
 * included): on a loaded machine it may get the CPU seldom, or sit in a lock of the garbage collector
 * at the moment /proc is read. A thread that uses none is inside a native call (undefined).
 */
async function pauseWhileRunning(
  { inspector, process: { pid }, tid }: BlockedContext,
  first: () => Promise<Paused | undefined>,
): Promise<Paused | undefined> {
  const passed = runningDeadline(pid, tid, 0, RUNNING_GRACE_MS);
  let paused = await first();
  if (!(await inspector.reachable())) return paused;
  while (!paused && !passed()) paused = await inspector.nextPause(PAUSE_GRACE_MS);
  return paused;
}

function probe(context: BlockedContext): string {
  return probeExpression(context.probeId);
}

async function readSnapshot(
  context: BlockedContext,
  paused: Paused,
  guard: BlockedGuard,
): Promise<GuardedSnapshot | undefined> {
  const json = await context.inspector.evaluate(
    paused,
    probe(context),
    `${probe(context)}.snapshot(${guard.slot}, ${guard.generation})`,
  );
  try {
    return typeof json === 'string' ? (JSON.parse(json) as GuardedSnapshot) : undefined;
  } catch {
    return undefined;
  }
}

function writeBlockedDump(
  context: BlockedContext,
  guard: Armed,
  facts: BlockedFacts,
): DumpResult | undefined {
  const { paused, snapshot, native } = facts;
  const notes: string[] = [];
  if (native && facts.wentOn) {
    notes.push(
      'The thread was inside a native call. hangdump ended the child processes it waited for, so that the call returned; the code went on (the call fails with its own error, at its own line).',
    );
  } else if (native && facts.rewrite) {
    notes.push(
      'The thread was inside a native call. hangdump ended the child processes it waited for, so that the call returned and the JavaScript stack could be read.',
    );
  } else if (native) {
    notes.push(
      'The thread is inside a native call and runs no JavaScript: its JavaScript stack and resources cannot be read while it waits.',
    );
  } else if (!snapshot) {
    notes.push(
      'The guarded thread could not be inspected for its resources (no hangdump probe in its context).',
    );
  }
  const now = facts.dumpedAt ?? context.clock();
  const dump = buildDump({
    class: 'BLOCKED',
    blockedIn: native ? 'native' : 'javascript',
    label: guard.config.label,
    budgetMs: guard.config.budgetMs,
    armedAtEpoch: context.timeOrigin + guard.config.armedAt,
    dumpedAtEpoch: context.timeOrigin + now,
    loopStalledMs: now - guard.lastBeat,
    stack: paused?.frames ?? [],
    snapshot,
    processFallback: context.process,
    ...(native ? { native } : {}),
    ...(facts.timers ? { timers: facts.timers } : {}),
    mapper: new SourceMapper(context.inspector.scripts),
    notes,
  });
  const written = writeDump(dump, facts.rewrite ?? guard.config.path);
  if (facts.rewrite === undefined) reportDump(dump, written);
  return written ? toResult(dump, written) : undefined;
}

/**
 * Ends the process after its BLOCKED dumps. A paused thread runs the probe's `exit` (the real
 * `process.reallyExit`: runners replace `process.exit`). A thread inside a native call cannot: when
 * it waits for child processes (`execSync`), those are ended so the call returns and the pending pause
 * lands on the JavaScript line, which is added to the dump; otherwise the process gets SIGKILL.
 */
async function endProcess(
  context: BlockedContext,
  guard: Armed,
  paused: Paused | undefined,
  native: NativeBlock | undefined,
  written: Written[],
): Promise<void> {
  const { exitCode } = guard.config;
  const { inspector } = context;
  let target = paused;
  if (!target && native && native.children.length > 0) {
    for (const child of native.children) kill(child.pid);
    if (context.returned) {
      if (!(await context.returned(NATIVE_RETURN_MS))) {
        kill(context.process.pid);
        return;
      }
      for (const { guard: each, result, dumpedAt } of written) {
        if (result)
          writeBlockedDump(context, each, {
            paused,
            snapshot: undefined,
            native,
            rewrite: result.file,
            dumpedAt,
            wentOn: true,
          });
      }
      return;
    }
    // The call returns and the thread runs again (using the CPU): its pause lands, late on a loaded machine.
    target = await pauseWhileRunning(context, () => inspector.nextPause(NATIVE_RETURN_MS));
    if (target) {
      for (const { guard: each, result, dumpedAt } of written) {
        if (!result) continue;
        const snapshot = await readSnapshot(context, target, each);
        writeBlockedDump(context, each, { paused: target, snapshot, native, rewrite: result.file, dumpedAt });
      }
    }
  }
  if (context.process.threadId !== 0) {
    // A worker thread (a runner's thread pool): end that thread only, never the process around it.
    writeStderr(`hangdump: ending worker thread ${context.process.threadId}, as onBlocked is 'exit'\n`);
    if (!(await inspector.terminateWorker().catch(() => false))) {
      writeStderr(`hangdump: could not end worker thread ${context.process.threadId}; it is left running\n`);
    }
    return;
  }
  writeStderr(
    `hangdump: ending the process (exit code ${target ? exitCode : 'SIGKILL'}), as onBlocked is 'exit'\n`,
  );
  if (target) await inspector.evaluate(target, probe(context), `${probe(context)}.exit(${exitCode})`);
  // Still here: the probe was unreachable, or the thread runs no JavaScript.
  kill(context.process.pid);
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
