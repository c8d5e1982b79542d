import { closeSync } from 'node:fs';
import { clearTimeout as realClearTimeout, setTimeout as realSetTimeout } from 'node:timers';
import { toEpoch } from '../clock.js';
import type { FinishedTest } from '../dump/model.js';
import type { DumpResult } from '../dump/result.js';
import { removeLatest } from '../latest.js';
import type { RunnerOptions } from '../options.js';
import { unwatchPromises, watchPromises } from '../resources/promises.js';
import { startTracking } from '../resources/tracker.js';
import type { CapturedStack } from '../stack/capture.js';
import { writeStderr } from '../stderr.js';
import { isMainThread, threadId } from '../thread.js';
import { type Armed, WatchdogClient } from '../watchdog/client.js';
import type { LabelPart } from '../watchdog/label-part.js';
import { PROBES_KEY, probeExpression, State } from '../watchdog/protocol.js';
import { processFacts } from './facts.js';
import { dumpWriter, threadSnapshots } from './lazy.js';

/** Where the watchdog finds this thread's probes while it holds the thread paused. */
const PROBES = Symbol.for(PROBES_KEY);

/** What the watchdog evaluates on the paused thread. */
export interface Probe {
  /** The guard's site, resources and process facts, as JSON; undefined when that code cannot be loaded. */
  snapshot(slot: number, generation: number): string | undefined;
  /** Ends the process at once: `process.exit` may be replaced (Vitest workers make it throw). */
  exit(code: number): void;
  /**
   * Claims a guard for a BLOCKED dump taken by a watchdog in another process (which cannot reach
   * this thread's shared memory); false when it was disarmed or dumped meanwhile.
   */
  claim(slot: number, generation: number): boolean;
  /** Node's Timeout prototype, by which a dump finds the live timers. */
  timeoutPrototype: object;
  /** Callbacks of hangdump's own timers, which dumps leave out. */
  ownCallbacks: unknown[];
}

/** Node's Timeout prototype, from a timer of `node:timers` (fake timers replace only the globals). */
const TIMEOUT_PROTOTYPE = (() => {
  const timer = realSetTimeout(() => {}, 0);
  realClearTimeout(timer);
  return Object.getPrototypeOf(timer) as object;
})();

/** A guard's thread-side record: what shared memory cannot hold, and the slot it is armed in. */
export interface GuardRecord extends Armed {
  readonly site: CapturedStack | undefined;
  /** Unique on this thread: marks the resources created while this guard was the current one. */
  id: number;
  dump: DumpResult | undefined;
  /** Armed with `promises: true`: its pending promises are tracked. */
  promises?: boolean;
}

const reallyExit = (process as unknown as { reallyExit: (code: number) => void }).reallyExit.bind(process);

/**
 * Ends the process from inside the watchdog's pause. Node prints "Waiting for the debugger to
 * disconnect..." when a process exits with an inspector session attached: that session is the
 * watchdog's own, and the line would only mislead, so stderr is closed first (hangdump's own lines
 * were written synchronously before).
 */
function exitNow(code: number): void {
  try {
    closeSync(2);
  } catch {
    // Already closed.
  }
  reallyExit(code);
}

/**
 * Everything hangdump keeps on a guarded thread: the watchdog client, the records of armed guards,
 * and the probe the watchdog evaluates. Created at the first arm.
 */
class GuardRuntime {
  readonly #records: (GuardRecord | undefined)[] = [];
  /** Armed guards in arming order: the last one is "the current test" for resources created now. */
  readonly #armed: GuardRecord[] = [];
  /** Guards armed so far on this thread: each gets the next number as its id. */
  #guards = 0;
  readonly #client: WatchdogClient;
  /** An expression for this thread's probe, for a dump that inspects this thread. */
  readonly #probe: string;
  /** The guard of the test running now: the concurrent test's own, else the last armed. */
  readonly #currentGuard = () => currentGuard?.()?.id ?? this.#armed.at(-1)?.id;

  constructor() {
    const probeId = `${process.pid}-${threadId}-${Math.random().toString(36).slice(2, 10)}`;
    const global = globalThis as Record<symbol, Record<string, Probe> | undefined>;
    global[PROBES] ??= Object.create(null) as Record<string, Probe>;
    const probes = global[PROBES];
    const probe: Probe = {
      snapshot: (slot, generation) => {
        const snapshots = threadSnapshots.load();
        if (!snapshots) return undefined;
        const snapshot = snapshots.takeSnapshot(this.#record(slot, generation));
        const finishedTests = this.#finishedBefore(slot, generation);
        return JSON.stringify(finishedTests?.length ? { ...snapshot, finishedTests } : snapshot);
      },
      exit: exitNow,
      claim: (slot, generation) => this.#record(slot, generation) !== undefined && this.#claim(slot),
      timeoutPrototype: TIMEOUT_PROTOTYPE,
      ownCallbacks: [],
    };
    probes[probeId] = probe;
    this.#probe = probeExpression(probeId);
    startTracking(this.#currentGuard);
    this.#client = new WatchdogClient(
      probeId,
      processFacts(),
      {
        onWaiting: () => this.#onWaiting(),
        onBlocked: (slot, generation, result) => {
          const record = this.#record(slot, generation);
          if (record) this.#dumped(record, result);
        },
      },
      watchingProcess,
    );
    probe.ownCallbacks.push(this.#client.heartbeat);
  }

  /** Arms `record` (which gets its slot, generation and id) for `budgetMs`; the label as `DeadlineTable.arm` takes it. */
  arm(
    budgetMs: number,
    options: RunnerOptions,
    record: GuardRecord,
    prefix: LabelPart,
    name: string,
    suffix: LabelPart,
  ): void {
    this.#client.arm(budgetMs, options, record, prefix, name, suffix);
    record.id = ++this.#guards;
    this.#records[record.slot] = record;
    this.#armed.push(record);
    if (options.promises) {
      record.promises = true;
      watchPromises(this.#currentGuard);
    }
  }

  /** Disarms a record armed by `arm`; its slot may be armed again at once. */
  disarm(record: GuardRecord): void {
    const { slot, generation } = record;
    if (this.#records[slot] === record) {
      this.#records[slot] = undefined;
      removeLatest(this.#armed, record);
      if (record.promises) this.#stopWatchingPromises(record);
    }
    this.#client.disarm(slot, generation);
  }

  /** See `WatchdogClient.everyHeartbeat`. */
  everyHeartbeat(callback: () => void): void {
    this.#client.everyHeartbeat(callback);
  }

  /**
   * Takes the WAITING dump now, on this thread, unless one was taken: a runner calls this at its own
   * timeout, which may fire a moment before the watchdog's message arrives.
   */
  dumpNow(armed: Armed): DumpResult | undefined {
    this.#takeWaiting([armed]);
    return this.#record(armed.slot, armed.generation)?.dump;
  }

  /** Dumps, in one pass, every guard the watchdog has asked about by now (they expired together). */
  #onWaiting(): void {
    const asked = () =>
      this.#records.flatMap((record, slot) =>
        record && this.#client.table.deadline(slot) === State.WAITING_SENT
          ? [{ slot, generation: record.generation }]
          : [],
      );
    if (dumpWriter.load() && threadSnapshots.load()) this.#takeWaiting(asked());
    else {
      Promise.all([dumpWriter.preload(), threadSnapshots.preload()]).then(
        () => this.#takeWaiting(asked()),
        (error: unknown) => writeStderr(`hangdump: could not load the dump code: ${String(error)}\n`),
      );
    }
  }

  /**
   * Writes the WAITING dumps of the guards still armed and not yet dumped: claims each slot from
   * whatever it holds (its deadline, or the watchdog's request), so that the runner's timeout and the
   * watchdog's message, racing each other, take one dump between them.
   */
  #takeWaiting(guards: readonly Armed[]): void {
    // Loading the writer and reading the resources take a while the first time: hangdump's own work.
    this.#client.busy();
    try {
      const writer = dumpWriter.load();
      const snapshots = threadSnapshots.load();
      if (!writer || !snapshots) return;
      const claimed = guards.flatMap(({ slot, generation }) => {
        const record = this.#record(slot, generation);
        const config = this.#client.table.read(slot, generation);
        return record && config && this.#claim(slot) ? [{ record, config }] : [];
      });
      if (claimed.length === 0) return;
      const shared = snapshots.sharedSnapshot(claimed.map(({ record }) => record.id));
      const entries = claimed.map(({ record, config }) => ({
        config,
        snapshot: snapshots.takeSnapshot(record, shared),
      }));
      const results = writer.writeWaitingDumps(entries, this.#probe, this.#client.busy);
      for (const [index, { record }] of claimed.entries()) this.#dumped(record, results[index]);
    } catch (error) {
      writeStderr(`hangdump: could not take a WAITING dump: ${String(error)}\n`);
    } finally {
      this.#client.beat();
    }
  }

  /** A guard has its dump: its promises need no more watching (a hung test may stay armed for long). */
  #dumped(record: GuardRecord, dump: DumpResult | undefined): void {
    record.dump = dump;
    this.#stopWatchingPromises(record);
  }

  #stopWatchingPromises(record: GuardRecord): void {
    if (!record.promises) return;
    record.promises = false;
    unwatchPromises();
  }

  /** Moves an armed slot to DUMPED; false when it is free, dumped, or being dumped as BLOCKED. */
  #claim(slot: number): boolean {
    for (;;) {
      const state = this.#client.table.deadline(slot);
      if (state <= 0 && state !== State.WAITING_SENT) return false;
      if (this.#client.transition(slot, state, State.DUMPED)) return true;
    }
  }

  /**
   * For a BLOCKED dump, which the watchdog takes inside its pause: the tests the runner finished in
   * the second before the guard was armed, whose results may still wait in the runner's batch.
   */
  #finishedBefore(slot: number, generation: number): FinishedTest[] | undefined {
    const armedAt = this.#client.table.read(slot, generation)?.armedAt;
    if (!finishedTests || armedAt === undefined) return undefined;
    try {
      return finishedTests(toEpoch(armedAt) - FINISHED_WINDOW_MS);
    } catch {
      // The runner's own state, read as it stood: hangdump's trouble, never the dump's.
      return undefined;
    }
  }

  #record(slot: number, generation: number): GuardRecord | undefined {
    const record = this.#records[slot];
    return record?.generation === generation ? record : undefined;
  }
}

let runtime: GuardRuntime | undefined;
/** See `reportFinishedTests`. */
let finishedTests: ((sinceEpoch: number) => FinishedTest[]) | undefined;
/** How far before a BLOCKED guard's arming its file's finished tests are listed: a runner's batch is shorter. */
const FINISHED_WINDOW_MS = 1000;

/**
 * For a runner adapter: how to list the tests of the running file that finished since an epoch
 * time, which BLOCKED dumps then carry (see `HangDump.finishedTests`).
 */
export function reportFinishedTests(list: (sinceEpoch: number) => FinishedTest[]): void {
  finishedTests = list;
}
/** Which guard's code runs now, where the caller knows better than "the guard armed last". */
let currentGuard: (() => GuardRecord | undefined) | undefined;

/**
 * Tells the resource tracker whose code runs now, for guards armed side by side (a runner's
 * concurrent tests, each in its own async context): a resource then belongs to that guard, not to
 * the one armed last. `current` returns a guard from `armHangDump`, or undefined to fall back.
 */
export function followCurrentGuard(current: () => object | undefined): void {
  currentGuard = current as () => GuardRecord | undefined;
}
/** The directory through which another process watches this one, if one does. */
let watchingProcess: string | undefined;

/**
 * Has this thread watched by the test runner's main process (which reads its deadline table from a
 * file in `dir`) rather than by a watchdog thread of its own. Takes effect if no guard was armed yet
 * and this is a process's main thread on Linux (where the watcher can find the inspector's port).
 */
export function watchFromProcess(dir: string): void {
  if (!runtime && isMainThread && process.platform === 'linux') watchingProcess = dir;
}

/** Runs `callback` at every heartbeat of this thread (see `WatchdogClient.everyHeartbeat`). */
export function everyHeartbeat(callback: () => void): void {
  guardRuntime().everyHeartbeat(callback);
}

/** This thread's runtime, started on first use. */
export function guardRuntime(): GuardRuntime {
  runtime ??= new GuardRuntime();
  return runtime;
}
