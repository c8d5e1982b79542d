import {
  closeSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { ProcessFacts } from '../dump/model.js';
import { DeadlineTable } from './deadline-table.js';
import {
  Control,
  LABEL_CAPACITY,
  PAGE_BYTES,
  PATH_CAPACITY,
  SLOT_BYTES,
  SLOTS_PER_PAGE,
  Slot,
} from './protocol.js';

/**
 * A copy of a guarded process's deadline table in a file, for a watchdog in another process: the
 * test runner's main process, which watches all its worker processes from one place instead of one
 * watchdog thread per worker (a thread costs each short-lived worker ~25 ms of CPU to start; a write
 * to a file in memory costs about a microsecond). Arming writes its slot at once, one `pwrite` (a
 * guard the watcher does not see cannot be dumped); a disarm waits for the next heartbeat, which
 * writes the control block and the slots freed since (or the next arm of the slot overwrites it).
 */

/** What the watchdog process needs to know of a guarded process, written once beside its table. */
export interface MirrorInfo {
  probeId: string;
  /** The guarded thread's `performance.timeOrigin`: its clock plus this is a date. */
  timeOrigin: number;
  process: ProcessFacts;
  /** The inspector's URL when it was already open (`--inspect`): no need to open it. */
  inspectorUrl?: string;
}

/** Bytes before the first slot: the control block, padded. */
const HEADER_BYTES = 64;
const INFO_SUFFIX = '.json';
const TABLE_SUFFIX = '.table';

/** The guarded process's side: keeps the file in step with the shared-memory table. */
export class TableMirror {
  readonly #fd: number;
  /** The files' common path, without their suffix. */
  readonly #base: string;
  /**
   * The path each slot's copy holds: paths rarely change, so they are written only when they do (a
   * slot without one needs none: its words say so).
   */
  readonly #paths: (string | undefined)[] = [];
  /**
   * Slots freed since the last heartbeat, each once (`#listed`). A slot armed again meanwhile stays
   * listed: the heartbeat then writes its new deadline, which its copy holds already. (An array and
   * flags, not a Set: the Set's add and delete at every guard cost as much as the guard's table.)
   */
  readonly #freed: number[] = [];
  readonly #listed: boolean[] = [];

  private constructor(fd: number, base: string) {
    this.#fd = fd;
    this.#base = base;
  }

  /** Creates the table file and then, atomically, its info file (which announces it); throws on failure. */
  static create(dir: string, name: string, info: MirrorInfo): TableMirror {
    const base = join(dir, name);
    const fd = openSync(`${base}${TABLE_SUFFIX}`, 'w+', 0o600);
    const temporary = `${base}.tmp`;
    writeFileSync(temporary, JSON.stringify(info), { mode: 0o600 });
    renameSync(temporary, `${base}${INFO_SUFFIX}`);
    return new TableMirror(fd, base);
  }

  /**
   * Withdraws this process from the watching one, when the mirror can no longer be kept: its table
   * would stand still, heartbeat included, and read as a blocked process. The announcement goes
   * first, so that the watcher forgets the process before its table disappears. Best effort.
   */
  withdraw(): void {
    try {
      removeFiles(this.#base);
    } catch {
      // Nothing more can be done from here.
    }
    try {
      closeSync(this.#fd);
    } catch {
      // Closed already: a likely cause of the failure.
    }
  }

  /** At each heartbeat: the control block, and the slots freed since the last one. */
  writeControl(table: DeadlineTable): void {
    writeSync(this.#fd, new Uint8Array(table.control.buffer), 0, Control.WORDS * 4, 0);
    for (const slot of this.#freed) {
      this.#listed[slot] = false;
      this.writeState(table, slot);
    }
    this.#freed.length = 0;
  }

  /** An armed slot: its words and label, and its path when that changed. */
  writeSlot(table: DeadlineTable, slot: number, path: string | undefined): void {
    const bytes = table.slotBytes(slot);
    const offset = HEADER_BYTES + slot * SLOT_BYTES;
    if (this.#paths[slot] !== path) {
      this.#paths[slot] = path;
      const at = Slot.WORDS * 4 + LABEL_CAPACITY;
      writeSync(this.#fd, bytes, at, PATH_CAPACITY, offset + at);
    }
    writeSync(this.#fd, bytes, 0, Slot.WORDS * 4 + table.labelLength(slot), offset);
  }

  /** A freed slot, written at the next heartbeat. */
  freed(slot: number): void {
    if (this.#listed[slot]) return;
    this.#listed[slot] = true;
    this.#freed.push(slot);
  }

  /** Just the slot's first word: its deadline or state, after a transition. */
  writeState(table: DeadlineTable, slot: number): void {
    writeSync(this.#fd, table.slotBytes(slot), 0, 4, HEADER_BYTES + slot * SLOT_BYTES);
  }
}

/** A guarded process as the watchdog process sees it: its info and a fresh copy of its table. */
export interface MirroredProcess {
  /** The file name without its suffix, unique per guarded thread. */
  name: string;
  info: MirrorInfo;
  table: DeadlineTable;
}

/** The guarded processes announced in `dir`. */
export function listMirrors(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((file) => file.endsWith(INFO_SUFFIX))
      .map((file) => file.slice(0, -INFO_SUFFIX.length));
  } catch {
    return [];
  }
}

/** Reads the info of a guarded process; undefined when it is unreadable. */
export function readMirrorInfo(dir: string, name: string): MirrorInfo | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, `${name}${INFO_SUFFIX}`), 'utf8')) as MirrorInfo;
  } catch {
    return undefined;
  }
}

/**
 * A private copy of a guarded process's table as it stands now (its slots in use only: this runs
 * several times a second); undefined when unreadable.
 */
export function readMirrorTable(dir: string, name: string): DeadlineTable | undefined {
  let fd: number;
  try {
    fd = openSync(join(dir, `${name}${TABLE_SUFFIX}`), 'r');
  } catch {
    return undefined;
  }
  try {
    const control = new Int32Array(Control.WORDS);
    if (readSync(fd, control, 0, control.byteLength, 0) < control.byteLength) return undefined;
    const slots = Math.max(0, control[Control.HIGH_WATER] as number);
    const pages = Array.from({ length: Math.ceil(slots / SLOTS_PER_PAGE) }, (_, index) => {
      const page = new Uint8Array(Math.min(PAGE_BYTES, (slots - index * SLOTS_PER_PAGE) * SLOT_BYTES));
      readSync(fd, page, 0, page.byteLength, HEADER_BYTES + index * PAGE_BYTES);
      return page.buffer;
    });
    return new DeadlineTable(control.buffer, pages);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Forgets a guarded process that has ended. */
export function removeMirror(dir: string, name: string): void {
  removeFiles(join(dir, name));
}

/** A mirror's files, its announcement first. */
function removeFiles(base: string): void {
  for (const suffix of [INFO_SUFFIX, TABLE_SUFFIX]) rmSync(`${base}${suffix}`, { force: true });
}
