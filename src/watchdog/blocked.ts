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
import { GuardedThreadInspector, type Paused, readNativeBlock, type TimerDetail } from '../inspect/index.js';
import { SourceMapper } from '../sourcemap/index.js';
import type { DeadlineTable, SlotConfig } from './deadline-table.js';
import { type FromWatchdog, PAUSE_GRACE_MS, probeExpression, State } from './protocol.js';

/** A guard the watchdog has taken as BLOCKED. */
export interface BlockedGuard {
  slot: number;
  generation: number;
  /** The guarded thread's clock at its last heartbeat. */
  lastBeat: number;
}

/** What the BLOCKED procedure works with. */
export interface BlockedContext {
  table: DeadlineTable;
  probeId: string;
  process: ProcessFacts;
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
}

/** The watchdog's one session on the guarded thread, connected at the first BLOCKED hang. */
let session: GuardedThreadInspector | undefined;

function inspectorFor(context: BlockedContext): GuardedThreadInspector {
  const { threadId } = context.process;
  session ??= new GuardedThreadInspector({ isMainThread: threadId === 0, threadId });
  return session;
}

interface Written {
  guard: Armed;
  result: DumpResult | undefined;
}

/** How long to wait, after ending a blocking call's child processes, for the call to return. */
const NATIVE_RETURN_MS = 1000;

/**
 * Dumps guards whose event loop does not turn: pauses the thread once, writes a dump per guard, then
 * ends the process or lets it go on, as the guards ask (any guard asking to exit wins).
 */
export async function dumpBlocked(context: BlockedContext, guards: BlockedGuard[]): Promise<void> {
  const { table } = context;
  const inspector = inspectorFor(context);
  const armed = guards.flatMap((guard) => {
    const config = table.read(guard.slot, guard.generation);
    return config ? [{ ...guard, config }] : [];
  });
  if (armed.length === 0) return;
  const paused = await inspector.pause(PAUSE_GRACE_MS);
  const onMainThread = context.process.threadId === 0;
  // /proc names the main thread (its tid is the pid); a worker thread's tid is not known here.
  const native = paused
    ? undefined
    : readNativeBlock(context.process.pid, onMainThread ? context.process.pid : undefined);
  const written: Written[] = [];
  const snapshots = new Map<Armed, GuardedSnapshot | undefined>();
  for (const guard of armed) {
    const snapshot = paused ? await readSnapshot(context, paused, guard) : undefined;
    snapshots.set(guard, snapshot);
    written.push({ guard, result: writeBlockedDump(context, guard, { paused, snapshot, native }) });
    table.transition(guard.slot, State.BLOCKED, State.DUMPED);
  }
  // The timers take a walk of the heap: the dumps are on disk first, then completed in place.
  const timers = paused ? await inspector.readTimers(probe(context)) : [];
  for (const { guard, result } of timers.length > 0 ? written : []) {
    if (result) {
      const facts = { paused, snapshot: snapshots.get(guard), native, timers, rewrite: result.file };
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

function probe(context: BlockedContext): string {
  return probeExpression(context.probeId);
}

async function readSnapshot(
  context: BlockedContext,
  paused: Paused,
  guard: BlockedGuard,
): Promise<GuardedSnapshot | undefined> {
  const json = await inspectorFor(context).evaluate(
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
  if (native && facts.rewrite) {
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
  const now = context.clock();
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
    mapper: new SourceMapper(inspectorFor(context).scripts),
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
  const inspector = inspectorFor(context);
  let target = paused;
  if (!target && native && native.children.length > 0) {
    for (const child of native.children) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    target = await inspector.nextPause(NATIVE_RETURN_MS);
    if (target) {
      for (const { guard: each, result } of written) {
        if (!result) continue;
        const snapshot = await readSnapshot(context, target, each);
        writeBlockedDump(context, each, { paused: target, snapshot, native, rewrite: result.file });
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
  process.kill(context.process.pid, 'SIGKILL');
}
