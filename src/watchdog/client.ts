import type { Worker } from 'node:worker_threads';
import { now, setInterval, timeOrigin } from '../clock.js';
import type { ProcessFacts } from '../dump/model.js';
import type { DumpResult } from '../dump/result.js';
import { writeStderr } from '../stderr.js';
import { kernelThreadId } from '../thread.js';
import { DeadlineTable, type SlotPolicy } from './deadline-table.js';
import type { LabelPart } from './label-part.js';
import { TableMirror } from './mirror.js';
import {
  BUSY_HOLD_MS,
  Control,
  type FromWatchdog,
  HEARTBEAT_MS,
  NO_DEADLINE,
  SLOTS_PER_PAGE,
  State,
  type ToWatchdog,
  type WatchdogData,
} from './protocol.js';
import { allocatePage, allocateTable, type FindableTable } from './table-memory.js';

/** What the guarded thread does when the watchdog reports. */
export interface WatchdogHandlers {
  /** Deadlines passed while the event loop turns: write their WAITING dumps now, on this thread. */
  onWaiting(): void;
  /** The watchdog wrote a BLOCKED dump and let the process go on. */
  onBlocked(slot: number, generation: number, result: DumpResult): void;
}

/** An armed slot: set by `arm`. */
export interface Armed {
  slot: number;
  generation: number;
}

/**
 * The guarded thread's side of the watchdog: hands out deadline slots, and keeps the heartbeat by
 * which the watchdog tells a turning event loop from a blocked one. The watchdog is a thread of this
 * process, started here; or, when a test runner's main process watches its workers itself
 * (`watchedFrom`, a directory), that process, which reads a mirror of the table from a file.
 */
export class WatchdogClient {
  readonly table: DeadlineTable;
  /** The heartbeat timer's callback: dumps leave hangdump's own timer out. */
  readonly heartbeat = (): void => {
    const beat = this.#beat();
    if (this.#mirror) this.#findWaiting(beat);
    for (const callback of this.#everyBeat) callback();
  };
  /**
   * For a thread about to write dumps, and between them: its own work is no blocked loop, however
   * long a first dump takes (loading the writer, reading source maps, on a loaded machine). The
   * heartbeat is stored ahead, and `beat` takes it back.
   */
  readonly busy = (): void => {
    this.#beat(BUSY_HOLD_MS);
  };
  /** Stores the heartbeat now. */
  readonly beat = (): void => {
    this.#beat();
  };
  readonly #everyBeat: (() => void)[] = [];
  readonly #free: number[] = [];
  /** The table's high-water mark (see `Control.HIGH_WATER`), which this thread alone raises. */
  #highWater = 0;
  readonly #handlers: WatchdogHandlers;
  readonly #workerData: WatchdogData & { probeId: string; process: ProcessFacts };
  /** The watchdog thread; undefined when watched from another process, or when it could not start. */
  #worker: Worker | undefined;
  /** The table's file copy, when another process watches this one. */
  #mirror: TableMirror | undefined;

  constructor(probeId: string, facts: ProcessFacts, handlers: WatchdogHandlers, watchedFrom?: string) {
    // Watched from another process, the table goes where that process can find it (table-memory.ts).
    const { control, firstPage: page, findable } = allocateTable(watchedFrom !== undefined);
    this.table = new DeadlineTable(control, [page]);
    this.#handlers = handlers;
    this.#addFreeSlots(0);
    Atomics.store(this.table.control, Control.NEXT_WAKE, NO_DEADLINE);
    this.#workerData = { control, pages: [page], timeOrigin, tid: kernelThreadId(), probeId, process: facts };
    this.#mirror = watchedFrom === undefined ? undefined : openMirror(watchedFrom, probeId, facts, findable);
    this.#beat();
    // The heartbeat is the only timer hangdump keeps on the guarded thread; unref'd, it never keeps
    // the process alive, and it comes from node:timers, out of reach of fake timers.
    setInterval(this.heartbeat, HEARTBEAT_MS).unref();
    if (!this.#mirror) this.#startThread();
  }

  /**
   * Arms a slot for `armed`, whose slot and generation it sets: a few shared-memory writes, and a
   * wake-up only when this deadline comes first. The label in parts, as `DeadlineTable.arm` takes it.
   */
  arm(
    budgetMs: number,
    policy: SlotPolicy,
    armed: Armed,
    prefix: LabelPart,
    name: string,
    suffix: LabelPart,
  ): void {
    const slot = this.#free.pop() ?? this.#grow();
    const armedAt = now();
    const deadline = Math.ceil(armedAt + budgetMs);
    armed.slot = slot;
    armed.generation = this.table.arm(
      slot,
      deadline,
      Math.floor(armedAt),
      budgetMs,
      policy,
      prefix,
      name,
      suffix,
    );
    const control = this.table.control;
    // Only this thread raises the high-water mark: its own count spares a read of shared memory.
    const grown = slot >= this.#highWater;
    if (grown) {
      this.#highWater = slot + 1;
      Atomics.store(control, Control.HIGH_WATER, this.#highWater);
    }
    const mirror = this.#mirror;
    if (mirror) {
      // Once the watcher reads the memory, an arm that raises no high-water mark writes nothing.
      if (grown || mirror.holdsSlots) this.#mirrorSlot(mirror, slot, policy.path, grown);
    } else if (deadline < Atomics.load(control, Control.NEXT_WAKE)) {
      Atomics.add(control, Control.WAKE, 1);
      Atomics.notify(control, Control.WAKE);
    }
  }

  disarm(slot: number, generation: number): void {
    this.table.disarm(slot, generation);
    if (this.#mirror?.holdsSlots) this.#mirror.freed(slot);
    this.#free.push(slot);
  }

  /**
   * Runs `callback` at every heartbeat (every 50 ms while the event loop turns): for work that can
   * wait until a guarded block has run a while, which most never do. It must not throw.
   */
  everyHeartbeat(callback: () => void): void {
    this.#everyBeat.push(callback);
  }

  /** Moves a slot from one state to another (see `DeadlineTable.transition`), mirrored. */
  transition(slot: number, from: number, to: number): boolean {
    const moved = this.table.transition(slot, from, to);
    if (moved) this.#mirrored((mirror) => mirror.writeState(this.table, slot));
    return moved;
  }

  /** Stores the heartbeat (`aheadMs` in the future, for a thread busy with hangdump's own work). */
  #beat(aheadMs = 0): number {
    const beat = Math.floor(now());
    Atomics.store(this.table.control, Control.HEARTBEAT, beat + aheadMs);
    this.#mirrored((mirror) => mirror.writeControl(this.table));
    return beat;
  }

  /**
   * Watched from another process, this thread finds its own WAITING guards at its heartbeat: the
   * heartbeat runs, so the loop turns.
   */
  #findWaiting(beat: number): void {
    let due = false;
    for (let slot = 0; slot < this.#highWater; slot++) {
      const deadline = this.table.deadline(slot);
      if (deadline > 0 && deadline <= beat && this.transition(slot, deadline, State.WAITING_SENT)) due = true;
    }
    if (due) this.#handlers.onWaiting();
  }

  /** Writes an armed slot to the mirror (not through `#mirrored`: a closure per arm is garbage per arm). */
  #mirrorSlot(mirror: TableMirror, slot: number, path: string | undefined, grown: boolean): void {
    try {
      mirror.writeSlot(this.table, slot, path);
      if (grown) mirror.writeControl(this.table);
    } catch (error) {
      this.#mirrorFailed(error);
    }
  }

  /**
   * Runs a write to the mirror. A mirror that fails (a full disk) is hangdump's own trouble: the
   * watchdog thread takes over, as if there had been no watching process.
   */
  #mirrored(write: (mirror: TableMirror) => void): void {
    const mirror = this.#mirror;
    if (!mirror) return;
    try {
      write(mirror);
    } catch (error) {
      this.#mirrorFailed(error);
    }
  }

  /** A mirror that failed is withdrawn, and the watchdog thread takes over. */
  #mirrorFailed(error: unknown): void {
    this.#mirror?.withdraw();
    this.#mirror = undefined;
    writeStderr(
      `hangdump: the watchdog's table could not be written (${String(error)}); watching from a thread\n`,
    );
    this.#startThread();
  }

  #startThread(): void {
    this.#worker = startWorker(this.#workerData, this.#handlers);
  }

  #grow(): number {
    const first = this.table.capacity;
    const page = allocatePage();
    this.table.addPage(page);
    this.#workerData.pages.push(page);
    this.#worker?.postMessage({ type: 'page', page } satisfies ToWatchdog);
    this.#mirrored((mirror) => mirror.grown(this.table, this.#workerData.pages));
    this.#addFreeSlots(first);
    return this.#free.pop() as number;
  }

  #addFreeSlots(first: number): void {
    // Lowest slots are handed out first, so the watchdog's scan stays short.
    for (let slot = first + SLOTS_PER_PAGE - 1; slot >= first; slot--) this.#free.push(slot);
  }
}

/**
 * Announces this thread to the watching process. Its inspector opens on a signal from there (port 0,
 * so that several processes can open theirs at once); if it is open already (`--inspect`), its URL is
 * handed over instead. Undefined when the mirror cannot be written: the thread watchdog takes over.
 */
function openMirror(
  dir: string,
  probeId: string,
  facts: ProcessFacts,
  findable: FindableTable | undefined,
): TableMirror | undefined {
  // A Node built without an inspector cannot be inspected from another process.
  if (!process.features.inspector) return undefined;
  // Loading node:inspector costs each worker a millisecond: asked only when a flag may have opened it
  // (the watching process also tries the ports already open, for one opened from code).
  const inspectorUrl = inspectorFlagged() ? process.getBuiltinModule('node:inspector').url() : undefined;
  try {
    const mirror = TableMirror.create(
      dir,
      `${facts.pid}-${facts.threadId}`,
      { probeId, timeOrigin, process: facts, ...(inspectorUrl ? { inspectorUrl } : {}) },
      findable,
    );
    if (!inspectorUrl) process.debugPort = 0;
    return mirror;
  } catch {
    return undefined;
  }
}

/** Whether `--inspect` (or `--inspect-brk`, `--inspect-wait`) was given to this process. */
function inspectorFlagged(): boolean {
  return [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => arg.includes('--inspect'));
}

/**
 * Starts the watchdog thread. Its failure to start (a sandbox without threads, a damaged install) is
 * hangdump's own trouble: said once on stderr, never thrown into the code that armed a guard.
 */
function startWorker(
  workerData: WatchdogData & { probeId: string; process: ProcessFacts },
  handlers: WatchdogHandlers,
): Worker | undefined {
  let worker: Worker;
  try {
    // Loaded here, not imported: a process watched from another one never starts a thread.
    const threads = process.getBuiltinModule('node:worker_threads');
    // The watchdog's own bundle sits beside every bundled file of the package (see scripts/build.mjs).
    worker = new threads.Worker(new URL('./watchdog.js', import.meta.url), {
      workerData,
      name: 'hangdump watchdog',
      // As little start-up as a worker can have: no flags of the parent's (loaders, --inspect), no
      // copy of the environment, no stdio streams (the watchdog writes to fd 2 itself).
      execArgv: [],
      env: threads.SHARE_ENV,
      stdout: true,
      stderr: true,
    });
  } catch (error) {
    writeStderr(
      `hangdump: the watchdog thread could not start (${String(error)}); hangs will not be dumped\n`,
    );
    return undefined;
  }
  worker.on('message', (message: FromWatchdog) => {
    if (message.type === 'waiting') handlers.onWaiting();
    else handlers.onBlocked(message.slot, message.generation, message.result);
  });
  worker.on('error', (error) =>
    writeStderr(`hangdump: the watchdog thread failed (${error.message}); hangs will not be dumped\n`),
  );
  // After the listeners: adding a 'message' listener refs the port again.
  worker.unref();
  return worker;
}
