import type { DeadlineTable } from './deadline-table.js';
import {
  answerOf,
  type MirrorInfo,
  readMirror,
  readMirrorTable,
  readTable,
  type SlotsWanted,
  writeAnswer,
} from './mirror.js';
import {
  closeMemory,
  findRegion,
  openMemory,
  type ProcessMemory,
  type ProcessRegion,
  stillMarked,
  writeRegionAnswer,
} from './process-memory.js';
import { Answer, Control, SLOTS_PER_PAGE } from './protocol.js';

/**
 * A watched process's deadline table as the watching process reads it. Where the process's memory
 * can be read, the process stops writing its slots to the mirror file and keeps only its heartbeat
 * there (see mirror.ts): the table is looked for in the memory once that heartbeat goes stale, and
 * read from there from then on. Elsewhere, and once the process has written its whole table to the
 * file again, from the mirror file.
 */
export class WatchedTable {
  readonly dir: string;
  /** The mirror's name (without suffix), unique per guarded thread. */
  readonly name: string;
  readonly info: MirrorInfo;
  /** The process's memory, open, where the table has not been looked for yet. */
  #memory: ProcessMemory | undefined;
  /** The table's region in the process's memory, once found. */
  #region: ProcessRegion | undefined;
  /** The mirror file holds the whole table. */
  #fileWhole = false;
  #looked = false;

  constructor(dir: string, name: string, info: MirrorInfo) {
    this.dir = dir;
    this.name = name;
    this.info = info;
  }

  /**
   * A private copy of the table as it stands now (its slots only where `wantSlots` wants them, by the
   * heartbeat); undefined when unreadable right now.
   */
  read(wantSlots?: SlotsWanted): DeadlineTable | undefined {
    this.look();
    if (this.#region) return this.#readRegion(this.#region, wantSlots);
    if (this.#fileWhole) return readMirrorTable(this.dir, this.name, wantSlots);
    return this.#readHeartbeat(wantSlots);
  }

  close(): void {
    const open = this.#region ?? this.#memory;
    if (open) closeMemory(open);
    this.#region = undefined;
    this.#memory = undefined;
  }

  /**
   * Once, at the process's announcement: whether its memory can be read from here, which the process
   * hears in its file (at its next arm or heartbeat). No more: the table is looked for only if needed.
   */
  look(): void {
    if (this.#looked) return;
    this.#looked = true;
    // A process that offered no memory writes its slots to the file: no answer to wait for.
    if (!this.info.memory) {
      this.#fileWhole = true;
      return;
    }
    this.#memory = openMemory(this.info.process.pid);
    this.#fileWhole = !this.#memory;
    this.#answer(this.#memory ? Answer.READS_MEMORY : Answer.READS_FILE);
  }

  /**
   * The file's control block, while that is all the file is sure to hold; and the slots from the
   * memory, looked for now, once the heartbeat says that they are wanted.
   */
  #readHeartbeat(wantSlots: SlotsWanted | undefined): DeadlineTable | undefined {
    const file = readMirror(this.dir, this.name, () => false);
    if (!file) return undefined;
    if (answerOf(file.header) === Answer.READS_FILE) {
      // The process wrote its whole table to the file: its table outgrew the region, or was not found.
      this.close();
      this.#fileWhole = true;
      return readMirrorTable(this.dir, this.name, wantSlots);
    }
    const memory = this.#memory;
    const wanted = wantSlots?.(file.table.control[Control.HEARTBEAT] as number) ?? true;
    if (!wanted || !memory) return file.table;
    this.#memory = undefined;
    const { magic, bytes } = this.info.memory as { magic: string; bytes: number };
    this.#region = findRegion(memory, magic, bytes);
    if (this.#region) {
      // Heard at the process's next heartbeat, if it comes: its file is written no more.
      writeRegionAnswer(this.#region, Answer.FOUND);
      return this.#readRegion(this.#region, wantSlots);
    }
    // Not there after all. The slots in the file are those written before the first answer, which
    // may have ended since: none are read until the process has written its whole table there.
    closeMemory(memory);
    this.#answer(Answer.NOT_FOUND);
    return file.table;
  }

  #readRegion(region: ProcessRegion, wantSlots: SlotsWanted | undefined): DeadlineTable | undefined {
    let read: ReturnType<typeof readTable>;
    try {
      // The region holds the table's first page only (a table that outgrows it moves to the file).
      read = readTable(region.fd, region.address, SLOTS_PER_PAGE, wantSlots);
    } catch {
      return undefined;
    }
    if (!read) return undefined;
    if (stillMarked(region, read.header)) return read.table;
    // The magic is gone: the table outgrew the region, and the whole of it is in the file now.
    this.close();
    this.#fileWhole = true;
    return readMirrorTable(this.dir, this.name, wantSlots);
  }

  #answer(answer: Answer): void {
    try {
      writeAnswer(this.dir, this.name, answer);
    } catch {
      // The mirror is gone (the process withdrew or ended): this table is forgotten at the next poll.
    }
  }
}
