import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeStderr } from '../stderr.js';
import type { BlockedGuard } from './blocked.js';
import { blockedAfter, classify } from './classify.js';
import type { DeadlineTable } from './deadline-table.js';
import { announcedName, listMirrors, type MirrorInfo, readMirrorInfo, removeMirror } from './mirror.js';
import { Control, FRESH_HEARTBEAT_MS, State } from './protocol.js';
import { WatchedTable } from './watched-table.js';

const DIR_PREFIX = 'hangdump-';
/** A watchdog directory, named by the process that made it. */
const DIR_NAME = new RegExp(`^${DIR_PREFIX}(\\d+)-`);
/** How often the mirrors are read: a few small files from memory, a few times a second. */
const POLL_MS = 100;
/**
 * Polls between two listings of the directory. Newcomers announce themselves through `fs.watch`
 * (see `#lookSoon`), so the listing only catches what it missed and the workers that withdrew; a
 * listing at every poll cost the runner's main process more than reading the tables did.
 */
const LIST_EVERY = 10;
/** Grace after a WAITING request that was not taken, as the watchdog thread gives it. */
const WAITING_GRACE_MS = 500;

/**
 * One watchdog for all the worker processes of a test run, in the runner's main process. Each worker
 * announces itself in `dir` and mirrors its deadline table and heartbeat into a file there (see
 * `mirror.ts`); only its heartbeat where this process can read the worker's memory, in which it finds
 * the table once it needs the slots (see `WatchedTable`). This process reads them,
 * and when a worker's event loop stops turning past a guard's deadline, opens that worker's inspector
 * (SIGUSR1), pauses it over a WebSocket and writes the BLOCKED dump, as a watchdog thread would from
 * inside. WAITING guards need no watchdog: the worker's heartbeat finds them itself.
 */
export class ProcessWatchdog {
  /** The directory the workers announce themselves in (handed to them by the runner integration). */
  readonly dir: string;
  readonly #timer: ReturnType<typeof setInterval>;
  /** Tells of each worker as it announces itself, between polls; undefined where it cannot. */
  readonly #announcements: fs.FSWatcher | undefined;
  /** Workers announced since the last look at the newcomers. */
  readonly #announced = new Set<string>();
  readonly #watched = new Map<string, WatchedTable>();
  /** Workers being dumped right now. */
  readonly #busy = new Set<string>();
  /** Guards dumped already, as `name:slot:generation`. */
  readonly #done = new Set<string>();
  readonly #close = (): void => this.close();
  #polls = 0;

  constructor() {
    const parent = memoryBackedDir();
    removeOrphans(parent);
    // Named by this process, so that a later run can tell it is an orphan once this one is gone.
    this.dir = fs.mkdtempSync(path.join(parent, `${DIR_PREFIX}${process.pid}-`));
    this.#timer = setInterval(() => this.#poll(), POLL_MS).unref();
    this.#announcements = watchAnnouncements(this.dir, (name) => this.#lookSoon(name));
    process.once('exit', this.#close);
  }

  /** Stops watching and removes the directory. */
  close(): void {
    clearInterval(this.#timer);
    this.#announcements?.close();
    for (const watched of this.#watched.values()) watched.close();
    this.#watched.clear();
    process.off('exit', this.#close);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * A worker that has just announced itself is looked at now rather than at the next poll: until it
   * hears that its memory can be read from here, each of its arms writes its mirror file.
   */
  #lookSoon(name: string): void {
    if (this.#announced.size === 0) {
      setImmediate(() => {
        for (const announced of this.#announced) {
          if (!this.#watched.has(announced)) this.#watch(announced)?.look();
        }
        this.#announced.clear();
      }).unref();
    }
    this.#announced.add(name);
  }

  #poll(): void {
    if (!this.#announcements || this.#polls++ % LIST_EVERY === 0) this.#list();
    for (const watched of this.#watched.values()) {
      if (this.#busy.has(watched.name)) continue;
      const now = clockOf(watched.info)();
      const stale = (heartbeat: number): boolean => now - heartbeat > FRESH_HEARTBEAT_MS;
      // Only a worker whose loop stands still may be gone: a live one is not asked.
      let gone: boolean | undefined;
      const goneNow = (): boolean => {
        gone ??= !alive(watched.info.process.pid);
        return gone;
      };
      // A loop that turned lately holds no BLOCKED guard (see `classify`), nor does a process that
      // ended: their slots are not read (nor looked for in the memory of one that ended).
      const table = watched.read((heartbeat) => stale(heartbeat) && !goneNow());
      if ((!table || stale(Atomics.load(table.control, Control.HEARTBEAT))) && goneNow()) {
        removeMirror(this.dir, watched.name);
        this.#forget(watched);
        continue;
      }
      if (!table) continue;
      const blocked = this.#findBlocked(watched.name, table, now);
      if (blocked.length > 0) void this.#dump(watched, blocked);
    }
  }

  /** Lists the directory: watches the workers not known yet, forgets those that withdrew. */
  #list(): void {
    const names = listMirrors(this.dir);
    // A worker that withdrew (its mirror failed): forgotten, in case its pid comes back as another.
    for (const [known, watched] of this.#watched) if (!names.includes(known)) this.#forget(watched);
    for (const name of names) if (!this.#watched.has(name)) this.#watch(name);
  }

  #watch(name: string): WatchedTable | undefined {
    const info = readMirrorInfo(this.dir, name);
    if (!info) return undefined;
    const watched = new WatchedTable(this.dir, name, info);
    this.#watched.set(name, watched);
    return watched;
  }

  #forget(watched: WatchedTable): void {
    watched.close();
    this.#watched.delete(watched.name);
  }

  /** The guards of one worker whose deadline passed while its event loop stood still. */
  #findBlocked(name: string, table: DeadlineTable, now: number): BlockedGuard[] {
    const lastBeat = Atomics.load(table.control, Control.HEARTBEAT);
    const slots = Math.min(Atomics.load(table.control, Control.HIGH_WATER), table.capacity);
    const blocked: BlockedGuard[] = [];
    for (let slot = 0; slot < slots; slot++) {
      const deadline = table.deadline(slot);
      const generation = table.generation(slot);
      if (this.#done.has(`${name}:${slot}:${generation}`)) continue;
      const budgetMs = table.budgetMs(slot);
      const stalled =
        deadline === State.WAITING_SENT
          ? now - lastBeat >= blockedAfter(budgetMs) + WAITING_GRACE_MS
          : deadline > 0 && deadline <= now && 'stalledMs' in classify(now, lastBeat, budgetMs);
      if (stalled) blocked.push({ slot, generation, lastBeat });
    }
    return blocked;
  }

  async #dump(watched: WatchedTable, guards: BlockedGuard[]): Promise<void> {
    const { name, info } = watched;
    this.#busy.add(name);
    try {
      const table = watched.read();
      // Loaded at the first BLOCKED worker only: the runner's main process starts small.
      const { dumpWorkerProcess } = await import('./remote-dump.js');
      const heartbeat = () => {
        const copy = watched.read();
        return copy && Atomics.load(copy.control, Control.HEARTBEAT);
      };
      if (table) await dumpWorkerProcess(info, table, guards, clockOf(info), heartbeat);
    } catch (error) {
      writeStderr(`hangdump: could not dump worker process ${info.process.pid}: ${String(error)}\n`);
    } finally {
      for (const { slot, generation } of guards) this.#done.add(`${name}:${slot}:${generation}`);
      this.#busy.delete(name);
    }
  }
}

/** Calls `announced` with a worker's name as it announces itself in `dir`; undefined where `fs.watch` fails. */
function watchAnnouncements(dir: string, announced: (name: string) => void): fs.FSWatcher | undefined {
  try {
    const watcher = fs.watch(dir, { persistent: false }, (_event, file) => {
      const name = file ? announcedName(file) : undefined;
      if (name !== undefined) announced(name);
    });
    // Polling goes on without it.
    watcher.on('error', () => watcher.close());
    return watcher;
  } catch {
    return undefined;
  }
}

/** A guarded process's clock (milliseconds since its time origin), read from this process. */
function clockOf(info: MirrorInfo): () => number {
  return () => performance.timeOrigin + performance.now() - info.timeOrigin;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Where the mirrors live: memory (`/dev/shm`) where there is one, so that their writes never reach a disk. */
function memoryBackedDir(): string {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}

/**
 * Removes the directories of watchdogs whose process is gone: one killed (a CI timeout, SIGKILL) had
 * no chance to remove its own, and memory-backed files outlive it.
 */
function removeOrphans(parent: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(parent);
  } catch {
    return;
  }
  for (const entry of entries) {
    const owner = DIR_NAME.exec(entry)?.[1];
    if (owner === undefined || alive(Number(owner))) continue;
    try {
      fs.rmSync(path.join(parent, entry), { recursive: true, force: true });
    } catch {
      // Another user's, or being removed by another run: not ours to insist on.
    }
  }
}
