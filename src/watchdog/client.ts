import { SHARE_ENV, Worker } from 'node:worker_threads';
import { now, setInterval, timeOrigin } from '../clock.js';
import type { ProcessFacts } from '../dump/model.js';
import type { DumpResult } from '../dump/result.js';
import type { ResolvedOptions } from '../options.js';
import { writeStderr } from '../stderr.js';
import { DeadlineTable } from './deadline-table.js';
import {
  Control,
  type FromWatchdog,
  HEARTBEAT_MS,
  NO_DEADLINE,
  SLOTS_PER_PAGE,
  type ToWatchdog,
  type WatchdogData,
} from './protocol.js';

/** What the guarded thread does when the watchdog reports. */
export interface WatchdogHandlers {
  /** A deadline passed while the event loop turns: write the WAITING dump now, on this thread. */
  onWaiting(slot: number, generation: number): void;
  /** The watchdog wrote a BLOCKED dump and let the process go on. */
  onBlocked(slot: number, generation: number, result: DumpResult): void;
}

/** An armed slot. */
export interface Armed {
  slot: number;
  generation: number;
}

/**
 * The guarded thread's side of the watchdog: starts the watchdog thread, hands out deadline slots,
 * and keeps the heartbeat by which the watchdog tells a turning event loop from a blocked one.
 */
export class WatchdogClient {
  readonly table: DeadlineTable;
  /** The heartbeat timer's callback: dumps leave hangdump's own timer out. */
  readonly heartbeat = (): void => this.#beat();
  readonly #free: number[] = [];
  /** Undefined when the thread could not start: guards then arm and disarm as usual, unwatched. */
  readonly #worker: Worker | undefined;

  constructor(probeId: string, facts: ProcessFacts, handlers: WatchdogHandlers) {
    const control = DeadlineTable.createControl();
    const page = DeadlineTable.createPage();
    this.table = new DeadlineTable(control, [page]);
    this.#addFreeSlots(0);
    Atomics.store(this.table.control, Control.NEXT_WAKE, NO_DEADLINE);
    this.#beat();
    // The heartbeat is the only timer hangdump keeps on the guarded thread; unref'd, it never keeps
    // the process alive, and it comes from node:timers, out of reach of fake timers.
    setInterval(this.heartbeat, HEARTBEAT_MS).unref();
    const workerData: WatchdogData & { probeId: string; process: ProcessFacts } = {
      control,
      pages: [page],
      timeOrigin,
      probeId,
      process: facts,
    };
    this.#worker = startWorker(workerData, handlers);
  }

  /** Arms a slot: a few shared-memory writes, and a wake-up only when this deadline comes first. */
  arm(options: ResolvedOptions): Armed {
    const slot = this.#free.pop() ?? this.#grow();
    const armedAt = now();
    const deadline = Math.ceil(armedAt + options.budgetMs);
    const generation = this.table.arm(slot, deadline, {
      budgetMs: options.budgetMs,
      armedAt: Math.floor(armedAt),
      onBlocked: options.onBlocked,
      exitCode: options.exitCode,
      label: options.label ?? '',
      path: options.path,
    });
    const control = this.table.control;
    if (slot >= Atomics.load(control, Control.HIGH_WATER))
      Atomics.store(control, Control.HIGH_WATER, slot + 1);
    if (deadline < Atomics.load(control, Control.NEXT_WAKE)) {
      Atomics.add(control, Control.WAKE, 1);
      Atomics.notify(control, Control.WAKE);
    }
    return { slot, generation };
  }

  disarm({ slot, generation }: Armed): void {
    this.table.disarm(slot, generation);
    this.#free.push(slot);
  }

  #beat(): void {
    Atomics.store(this.table.control, Control.HEARTBEAT, Math.floor(now()));
  }

  #grow(): number {
    const first = this.table.capacity;
    const page = DeadlineTable.createPage();
    this.table.addPage(page);
    this.#worker?.postMessage({ type: 'page', buffer: page } satisfies ToWatchdog);
    this.#addFreeSlots(first);
    return this.#free.pop() as number;
  }

  #addFreeSlots(first: number): void {
    // Lowest slots are handed out first, so the watchdog's scan stays short.
    for (let slot = first + SLOTS_PER_PAGE - 1; slot >= first; slot--) this.#free.push(slot);
  }
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
    // The watchdog's own bundle sits beside every bundled file of the package (see scripts/build.mjs).
    worker = new Worker(new URL('./watchdog.js', import.meta.url), {
      workerData,
      name: 'hangdump watchdog',
      // As little start-up as a worker can have: no flags of the parent's (loaders, --inspect), no
      // copy of the environment, no stdio streams (the watchdog writes to fd 2 itself).
      execArgv: [],
      env: SHARE_ENV,
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
    if (message.type === 'waiting') handlers.onWaiting(message.slot, message.generation);
    else handlers.onBlocked(message.slot, message.generation, message.result);
  });
  worker.on('error', (error) =>
    writeStderr(`hangdump: the watchdog thread failed (${error.message}); hangs will not be dumped\n`),
  );
  // After the listeners: adding a 'message' listener refs the port again.
  worker.unref();
  return worker;
}
