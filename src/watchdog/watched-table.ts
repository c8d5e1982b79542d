import type { DeadlineTable } from './deadline-table.js';
import { type MirrorInfo, readMirrorTable, readTable, type SlotsWanted, writeAnswer } from './mirror.js';
import {
  closeRegion,
  findRegion,
  type ProcessRegion,
  stillMarked,
  writeRegionAnswer,
} from './process-memory.js';
import { Answer, SLOTS_PER_PAGE } from './protocol.js';

/**
 * A watched process's deadline table as the watching process reads it: from the process's memory
 * once found there (the process then stops writing its mirror file: see mirror.ts), else from the
 * mirror file.
 */
export class WatchedTable {
  readonly dir: string;
  /** The mirror's name (without suffix), unique per guarded thread. */
  readonly name: string;
  readonly info: MirrorInfo;
  #region: ProcessRegion | undefined;
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
    const region = this.#region;
    if (!region) return readMirrorTable(this.dir, this.name, wantSlots);
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
    return readMirrorTable(this.dir, this.name, wantSlots);
  }

  close(): void {
    if (this.#region) closeRegion(this.#region);
    this.#region = undefined;
  }

  /** Looks for the table in the process's memory, once, and tells the process where it is read. */
  look(): void {
    if (this.#looked) return;
    this.#looked = true;
    const { memory, process } = this.info;
    if (!memory) return;
    this.#region = findRegion(process.pid, memory.magic, memory.bytes, memory.address);
    // In its memory, the process hears the answer at its next arm; in the file, at its next heartbeat.
    if (this.#region) writeRegionAnswer(this.#region, Answer.READS_MEMORY);
    try {
      writeAnswer(this.dir, this.name, this.#region ? Answer.READS_MEMORY : Answer.READS_FILE);
    } catch {
      // The mirror is gone (the process withdrew or ended): this table is forgotten at the next poll.
    }
  }
}
