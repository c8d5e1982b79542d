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
  ANSWER_OFFSET,
  Answer,
  Control,
  HEADER_BYTES,
  LABEL_CAPACITY,
  PAGE_BYTES,
  PATH_CAPACITY,
  SLOT_BYTES,
  SLOTS_PER_PAGE,
  Slot,
} from './protocol.js';
import type { FindableTable } from './table-memory.js';

/**
 * A copy of a guarded process's deadline table in a file, for a watchdog in another process: the
 * test runner's main process, which watches all its worker processes from one place instead of one
 * watchdog thread per worker (a thread costs each short-lived worker ~25 ms of CPU to start; a write
 * to a file in memory costs about a microsecond). Arming writes its slot at once, one `pwrite` (a
 * guard the watcher does not see cannot be dumped); a disarm waits for the next heartbeat, which
 * writes the control block and the slots freed since (or the next arm of the slot overwrites it).
 *
 * The slots are written only until the watcher answers that it can read this process's memory
 * (`Answer.READS_MEMORY`, see table-memory.ts): from then on the file holds the control block alone,
 * written at each heartbeat, by which the watcher sees the event loop turn without reading the
 * memory. Only a heartbeat gone stale makes it look for the table there; once it has found it, it
 * says so in the memory (`Answer.FOUND`), and nothing more is written here. The file takes over the
 * slots again, for good, when the table outgrows the region the watcher reads, or when the watcher
 * could not find it there (`Answer.NOT_FOUND`); the process then answers `READS_FILE` itself.
 */

/** What the watchdog process needs to know of a guarded process, written once beside its table. */
export interface MirrorInfo {
  probeId: string;
  /** The guarded thread's `performance.timeOrigin`: its clock plus this is a date. */
  timeOrigin: number;
  process: ProcessFacts;
  /** The inspector's URL when it was already open (`--inspect`): no need to open it. */
  inspectorUrl?: string;
  /** How to find the table in the process's memory, when it can be found there. */
  memory?: { magic: string; bytes: number };
}

const INFO_SUFFIX = '.json';
const TABLE_SUFFIX = '.table';

/** The guarded process's side: keeps the file in step with the shared-memory table. */
export class TableMirror {
  readonly #fd: number;
  /** The files' common path, without their suffix. */
  readonly #base: string;
  /** The magic that lets the watcher find the table in memory; cleared when the file takes over. */
  readonly #magic: Uint8Array | undefined;
  /** The watcher's answer (see `Answer`): what the file must hold. Set by `#follow`. */
  #answer = Answer.NONE;
  /**
   * Whether the file holds the slots: until the watcher answers, and for good once it reads the file.
   * A field, not a method: the client asks at every arm and disarm. Set by `#follow` alone.
   */
  readonly holdsSlots: boolean = true;
  /** Where the watcher writes `Answer.FOUND` into this process's memory, when the table is there. */
  readonly #answerInMemory: Int32Array | undefined;
  /** The answer as read from the file (made once: it is read at each heartbeat). */
  readonly #answerInFile = new Int32Array(1);
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

  private constructor(fd: number, base: string, memory: FindableTable | undefined) {
    this.#fd = fd;
    this.#base = base;
    this.#magic = memory?.magicBytes;
    this.#answerInMemory = memory?.answer;
    this.#follow(memory ? Answer.NONE : Answer.READS_FILE);
  }

  /**
   * Creates the table file and then, atomically, its info file (which announces it, with how to
   * find the table in memory if it can be found there); throws on failure.
   */
  static create(dir: string, name: string, info: MirrorInfo, memory?: FindableTable): TableMirror {
    const base = join(dir, name);
    const fd = openSync(`${base}${TABLE_SUFFIX}`, 'w+', 0o600);
    const announced: MirrorInfo = memory
      ? { ...info, memory: { magic: memory.magic, bytes: memory.bytes } }
      : info;
    const temporary = `${base}.tmp`;
    writeFileSync(temporary, JSON.stringify(announced), { mode: 0o600 });
    renameSync(temporary, `${base}${INFO_SUFFIX}`);
    return new TableMirror(fd, base, memory);
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

  /**
   * At each heartbeat, until the watcher has found the table in memory: the control block, the slots
   * freed since the last one where the file holds the slots, and a look at the watcher's answer.
   */
  writeControl(table: DeadlineTable): void {
    if (this.#answer !== Answer.READS_FILE && this.#answerInMemory?.[0] === Answer.FOUND) {
      this.#follow(Answer.FOUND);
    }
    if (this.#answer === Answer.FOUND) return;
    writeSync(this.#fd, table.control, 0, Control.WORDS * 4, 0);
    for (const slot of this.#freed) {
      this.#listed[slot] = false;
      this.writeState(table, slot);
    }
    this.#freed.length = 0;
    this.#hear(table);
  }

  /** An armed slot: its words and label, and its path when that changed. */
  writeSlot(table: DeadlineTable, slot: number, path: string | undefined): void {
    if (!this.holdsSlots) return;
    if (this.#answer === Answer.NONE && this.#hear(table) === Answer.READS_MEMORY) return;
    const bytes = table.slotBytes(slot);
    const offset = HEADER_BYTES + slot * SLOT_BYTES;
    if (this.#paths[slot] !== path) {
      this.#paths[slot] = path;
      const at = Slot.WORDS * 4 + LABEL_CAPACITY;
      writeSync(this.#fd, bytes, at, PATH_CAPACITY, offset + at);
    }
    writeSync(this.#fd, bytes, 0, Slot.WORDS * 4 + table.labelLength(slot), offset);
  }

  /** A freed slot, written at the next heartbeat where the file holds the slots. */
  freed(slot: number): void {
    if (!this.holdsSlots || this.#listed[slot]) return;
    this.#listed[slot] = true;
    this.#freed.push(slot);
  }

  /** Just the slot's first word: its deadline or state, after a transition. */
  writeState(table: DeadlineTable, slot: number): void {
    if (!this.holdsSlots) return;
    writeSync(this.#fd, table.slotBytes(slot), 0, 4, HEADER_BYTES + slot * SLOT_BYTES);
  }

  /**
   * The table has grown a page, beyond the region the watcher can find: the file takes over for good,
   * written whole first if it did not hold the slots.
   */
  grown(table: DeadlineTable, pages: readonly Uint8Array[]): void {
    if (!this.holdsSlots) {
      for (const [index, page] of pages.entries())
        writeSync(this.#fd, page, 0, page.byteLength, pageOffset(index));
      // What the file holds now is the table's whole: every slot's path included.
      this.#paths.length = 0;
    }
    writeSync(this.#fd, table.control, 0, Control.WORDS * 4, 0);
    this.#takenOver();
  }

  /** Takes `answer` as the one to follow: what the file holds from now on. */
  #follow(answer: number): void {
    this.#answer = answer;
    (this as { holdsSlots: boolean }).holdsSlots = answer === Answer.NONE || answer === Answer.READS_FILE;
  }

  /**
   * Reads the watcher's answer in the file and acts on it; returns the answer this mirror follows
   * now. Once the file holds the table, it says so (`READS_FILE`) for as long as the watcher's own
   * answer, written before it read that, may stand there instead.
   */
  #hear(table: DeadlineTable): number {
    const heard = this.#readAnswer();
    if (this.#answer === Answer.READS_FILE) {
      if (heard !== Answer.READS_FILE) this.#takenOver();
    } else if (heard === Answer.NOT_FOUND) {
      // The watcher did not find the table in memory: the file takes it over, whole.
      if (!this.holdsSlots) this.#writeSlots(table);
      this.#takenOver();
    } else if (heard !== Answer.NONE) {
      this.#follow(heard);
    }
    return this.#answer;
  }

  /**
   * The file holds the whole table, for good (its control block is current: written at each heartbeat
   * and each growth of the high-water mark): the answer says so, for a watcher that reads the file's
   * header, and the magic is cleared, for one that reads the memory.
   */
  #takenOver(): void {
    this.#follow(Answer.READS_FILE);
    this.#answerInFile[0] = Answer.READS_FILE;
    writeSync(this.#fd, this.#answerInFile, 0, 4, ANSWER_OFFSET);
    this.#magic?.fill(0);
  }

  /** Every slot in use, whole, once the file takes over a table it did not hold. */
  #writeSlots(table: DeadlineTable): void {
    const slots = Atomics.load(table.control, Control.HIGH_WATER);
    for (let slot = 0; slot < slots; slot++) {
      writeSync(this.#fd, table.slotBytes(slot), 0, SLOT_BYTES, HEADER_BYTES + slot * SLOT_BYTES);
    }
    this.#paths.length = 0;
  }

  #readAnswer(): number {
    readSync(this.#fd, this.#answerInFile, 0, 4, ANSWER_OFFSET);
    return this.#answerInFile[0] as number;
  }
}

/** The guarded processes announced in `dir`. */
export function listMirrors(dir: string): string[] {
  try {
    return readdirSync(dir).flatMap((file) => announcedName(file) ?? []);
  } catch {
    return [];
  }
}

/** The guarded process a file of a watchdog's directory announces, by its name; undefined for other files. */
export function announcedName(file: string): string | undefined {
  return file.endsWith(INFO_SUFFIX) ? file.slice(0, -INFO_SUFFIX.length) : undefined;
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
 * A private copy of a guarded process's table as its mirror file holds it now; undefined when
 * unreadable. `wantSlots` as for `readTable`.
 */
export function readMirrorTable(
  dir: string,
  name: string,
  wantSlots?: SlotsWanted,
): DeadlineTable | undefined {
  return readMirror(dir, name, wantSlots)?.table;
}

/** As `readMirrorTable`, with the file's header (see `answerOf`). */
export function readMirror(dir: string, name: string, wantSlots?: SlotsWanted): TableRead | undefined {
  let fd: number;
  try {
    fd = openSync(join(dir, `${name}${TABLE_SUFFIX}`), 'r');
  } catch {
    return undefined;
  }
  try {
    return readTable(fd, 0, Number.POSITIVE_INFINITY, wantSlots);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The watching process's `Answer` in a table's header, as read by `readTable`. */
export function answerOf(header: Uint8Array): number {
  return new Int32Array(header.buffer, header.byteOffset + ANSWER_OFFSET, 1)[0] as number;
}

/** A table read by `readTable`, and the header it was read from. */
export interface TableRead {
  header: Uint8Array;
  table: DeadlineTable;
}

/** Whether the slots of a table whose heartbeat is `heartbeat` are worth reading. */
export type SlotsWanted = (heartbeat: number) => boolean;

/**
 * Reads a table laid out as in shared memory and in a mirror file (header, then pages of slots) from
 * `fd` at `position`: its header, and a copy of its slots in use only (this runs several times a
 * second), at most `maxSlots`, and none when `wantSlots` says so. Undefined when the control block
 * cannot be read whole.
 */
export function readTable(
  fd: number,
  position: number,
  maxSlots = Number.POSITIVE_INFINITY,
  wantSlots?: SlotsWanted,
): TableRead | undefined {
  const header = new Uint8Array(HEADER_BYTES);
  // A file may end before the header does: its process wrote no slot, and nobody its magic.
  if (readSync(fd, header, 0, HEADER_BYTES, position) < Control.WORDS * 4) return undefined;
  const control = new Int32Array(header.buffer, 0, Control.WORDS);
  const wanted = wantSlots?.(control[Control.HEARTBEAT] as number) ?? true;
  const slots = wanted ? Math.max(0, Math.min(control[Control.HIGH_WATER] as number, maxSlots)) : 0;
  const pages = Array.from({ length: Math.ceil(slots / SLOTS_PER_PAGE) }, (_, index) => {
    const page = new Uint8Array(Math.min(PAGE_BYTES, (slots - index * SLOTS_PER_PAGE) * SLOT_BYTES));
    readSync(fd, page, 0, page.byteLength, position + pageOffset(index));
    return page;
  });
  return { header, table: new DeadlineTable(control, pages) };
}

/** Writes the watching process's `Answer` into a mirror file, for its process to read. */
export function writeAnswer(dir: string, name: string, answer: number): void {
  const fd = openSync(join(dir, `${name}${TABLE_SUFFIX}`), 'r+');
  try {
    writeSync(fd, new Int32Array([answer]), 0, 4, ANSWER_OFFSET);
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

function pageOffset(index: number): number {
  return HEADER_BYTES + index * PAGE_BYTES;
}
