import type { DumpResult } from '../dump/result.js';

/**
 * The memory and messages shared by a guarded thread and its watchdog. Arming a guard writes a slot
 * of shared memory; no message is posted per guard. Slot constants live here and nowhere else.
 */

/** Words of the control block (an `Int32Array` at the start of the table's shared memory). */
export enum Control {
  /** Bumped and notified when the watchdog must re-read the table sooner than it planned. */
  WAKE = 0,
  /** The deadline the watchdog sleeps towards; armers notify only when theirs is earlier. */
  NEXT_WAKE = 1,
  /** The guarded thread's clock when its event loop last turned (heartbeat). */
  HEARTBEAT = 2,
  /** How many slots are in use or were, so the watchdog scans no further. */
  HIGH_WATER = 3,
  WORDS = 4,
}

/** Word offsets inside one slot. */
export enum Slot {
  /** Deadline in guarded-thread milliseconds (> 0), or one of `State`. */
  DEADLINE = 0,
  /** Incremented on every arm, so a reader can tell one guard from the next in the same slot. */
  GENERATION = 1,
  BUDGET_MS = 2,
  /** Bit 0: continue after BLOCKED; bits 8-15: exit code. */
  POLICY = 3,
  ARMED_AT = 4,
  LABEL_BYTES = 5,
  PATH_BYTES = 6,
  WORDS = 8,
}

/** Slot states other than a deadline (> 0). */
export enum State {
  FREE = 0,
  /** The watchdog asked the guarded thread to take a WAITING dump. */
  WAITING_SENT = -1,
  /** A dump was taken; the guard stays armed until its owner disarms it. */
  DUMPED = -2,
  /** The watchdog is taking a BLOCKED dump. */
  BLOCKED = -3,
}
/** Sleep "forever": the largest int32 deadline. */
export const NO_DEADLINE = 0x7fffffff;

export const LABEL_CAPACITY = 512;
export const PATH_CAPACITY = 4096;
export const SLOT_BYTES = Slot.WORDS * 4 + LABEL_CAPACITY + PATH_CAPACITY;
export const SLOTS_PER_PAGE = 64;
export const PAGE_BYTES = SLOT_BYTES * SLOTS_PER_PAGE;

/**
 * The table's first bytes, before its first page of slots, in shared memory and in a mirror file
 * alike: the control block, then (in memory) the magic by which a watching process finds the table,
 * then the watching process's answer (written into the file, and into the memory once found there).
 */
export const HEADER_BYTES = 64;
export const MAGIC_OFFSET = 16;
export const MAGIC_BYTES = 16;
/** One `Answer` word, written by the process that watches the table. */
export const ANSWER_OFFSET = 32;

/** How the watching process reads a guarded process's table. */
export enum Answer {
  /**
   * Not yet decided: the file is kept up to date, and the answer looked for (in the file, at each
   * arm and heartbeat).
   */
  NONE = 0,
  /**
   * It can read the process's memory, and looks for the table there when it needs the slots (a
   * heartbeat gone stale): the file need not hold the slots, only the control block, written at
   * each heartbeat.
   */
  READS_MEMORY = 1,
  /**
   * It reads the file: it cannot read the memory (no /proc, not permitted). Also written by the
   * process itself, once its file holds the whole table (it outgrew the region, or `NOT_FOUND`).
   */
  READS_FILE = 2,
  /** It found the table in the process's memory and reads the whole of it there: written into that memory. */
  FOUND = 3,
  /**
   * It did not find the table in the process's memory after all: the process writes its whole table
   * to the file, then answers `READS_FILE` itself. Until then no slot of the file is read.
   */
  NOT_FOUND = 4,
}

/** Heartbeat period of the guarded thread. */
export const HEARTBEAT_MS = 50;
/** A heartbeat older than this means the event loop is not turning right now. */
export const FRESH_HEARTBEAT_MS = 2 * HEARTBEAT_MS + 20;
/** How far ahead a thread busy writing dumps stores its heartbeat (`WatchdogClient.busy`). */
export const BUSY_HOLD_MS = 30_000;
/** An event loop stalled this long (or the whole budget, if shorter) is BLOCKED. */
export const BLOCKED_AFTER_MS = 1000;
/** How long a pause may take to land before the thread is deemed inside a native call. */
export const PAUSE_GRACE_MS = 250;
/**
 * How much longer a pause may take while /proc shows the thread using the CPU (running JavaScript or
 * V8 work, not waiting in a system call): on a loaded machine it may get the CPU seldom.
 */
export const RUNNING_GRACE_MS = 10_000;

/** What the guarded thread hands the watchdog when it starts it. */
export interface WatchdogData {
  control: Int32Array;
  pages: Uint8Array[];
  /** The guarded thread's `performance.timeOrigin`, to map the watchdog's clock onto its own. */
  timeOrigin: number;
  /** The guarded thread's kernel id, to read its state from /proc (see `kernelThreadId`). */
  tid: number | undefined;
}

/** Guarded thread -> watchdog. Posted only when the table grows a page, never per guard. */
export type ToWatchdog = { type: 'page'; page: Uint8Array };

/** Watchdog -> guarded thread. */
export type FromWatchdog =
  /** A deadline passed while the event loop turns: the guarded thread writes the WAITING dump itself. */
  | { type: 'waiting'; slot: number; generation: number }
  /** The watchdog wrote a BLOCKED dump and the process goes on (`onBlocked: 'continue'`). */
  | { type: 'blocked'; slot: number; generation: number; result: DumpResult };

/** The global symbol under which each guarded thread keeps its probes, by probe id. */
export const PROBES_KEY = 'hangdump.probes';

/** An expression, evaluated on the guarded thread, for its probe `id` (undefined where absent). */
export function probeExpression(id: string): string {
  return `globalThis[Symbol.for(${JSON.stringify(PROBES_KEY)})]?.[${JSON.stringify(id)}]`;
}
