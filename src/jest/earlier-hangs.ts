import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findDumps } from '../dump/read.js';
import { dumpLine } from '../dump/result.js';
import { formatFrame, formatPosition } from '../dump/text.js';
import { DEFAULT_DIR } from '../options.js';
import { isMainThread, threadId } from '../thread.js';

/** A block that BLOCKED in an earlier attempt of the file, as the next attempt needs it. */
interface Hang {
  label: string;
  class: 'BLOCKED';
  position?: string;
  /** The stuck frame as a stack line, with an absolute path, for Jest's code frame. */
  frame?: string;
  file: string;
}

/** One file's record: the worker (process and thread) running it, and what ended the attempts before. */
interface Ledger {
  pid: number;
  threadId: number;
  hangs: Hang[];
}

/**
 * A BLOCKED test ends its Jest worker (the child process, exit code 70, or the worker thread); Jest
 * starts a new worker and runs the whole file again (up to `maxRetries` times), where the same test
 * would hang again for its whole budget. So each worker notes, per file, that it runs it (a small file
 * in the temp directory, kept while the file runs): an attempt that finds the note of an ended worker
 * of the same Jest run reads that worker's BLOCKED dumps, and those tests fail at once, naming their
 * dump, while the rest of the file runs as usual.
 */
export class EarlierHangs {
  readonly #note: string;
  readonly #hangs: Hang[];

  private constructor(note: string, hangs: Hang[]) {
    this.#note = note;
    this.#hangs = hangs;
  }

  /**
   * Starts the record of one file in this worker; undefined in band (a BLOCKED test ends Jest itself,
   * no attempt follows) or where the temp directory cannot be written.
   */
  static forFile(key: string): EarlierHangs | undefined {
    const jest = jestProcess();
    if (jest === undefined) return undefined;
    const hash = createHash('sha1').update(key).digest('hex').slice(0, 16);
    const note = path.join(os.tmpdir(), 'hangdump-jest', `${jest}-${hash}.json`);
    try {
      const hangs = earlierHangs(note, jest);
      fs.mkdirSync(path.dirname(note), { recursive: true });
      fs.writeFileSync(note, JSON.stringify({ pid: process.pid, threadId, hangs } satisfies Ledger));
      return new EarlierHangs(note, hangs);
    } catch {
      return undefined;
    }
  }

  /** For a block that BLOCKED in an earlier attempt: a function that fails at once in its place. */
  standIn(label: string): (() => never) | undefined {
    const hang = this.#hangs.find((h) => h.label === label);
    if (!hang) return undefined;
    const message = [
      'hangdump: not run again: it BLOCKED the event loop in an earlier attempt of this file, whose worker hangdump ended (Jest then ran the file again).',
      dumpLine(hang),
    ].join('\n');
    return () => {
      const error = new Error(message);
      // Jest shows the code of a stack's first frame: the stuck line, not hangdump's own.
      error.stack = `Error: ${message}${hang.frame ? `\n    ${hang.frame}` : ''}`;
      throw error;
    };
  }

  /** The file ran to its end: no later attempt follows. */
  release(): void {
    fs.rmSync(this.#note, { force: true });
  }
}

/** The process id of the Jest that runs this worker: its parent, or this process for worker threads. */
function jestProcess(): number | undefined {
  if (process.env.JEST_WORKER_ID === undefined) return undefined;
  if (!isMainThread) return process.pid;
  return process.send === undefined ? undefined : process.ppid;
}

/** The hangs of the attempts before this one in the same Jest run, if the last one was ended. */
function earlierHangs(note: string, jest: number): Hang[] {
  let ledger: Ledger;
  let written: number;
  try {
    ledger = JSON.parse(fs.readFileSync(note, 'utf8')) as Ledger;
    written = fs.statSync(note).mtimeMs;
  } catch {
    return [];
  }
  if (!endedInThisRun(ledger, written, jest)) return [];
  const dir = path.resolve(process.env.HANGDUMP_DIR || DEFAULT_DIR);
  const { dumps } = findDumps([dir], { since: new Date(written) });
  const found = dumps
    .filter(
      ({ dump }) =>
        dump.class === 'BLOCKED' &&
        dump.process.pid === ledger.pid &&
        dump.process.threadId === ledger.threadId,
    )
    .map(
      ({ dump, text }): Hang => ({
        label: dump.label,
        class: 'BLOCKED',
        ...(dump.stuck
          ? {
              position: formatPosition(dump.stuck.frame),
              frame: formatFrame({
                ...dump.stuck.frame,
                file: path.resolve(dump.process.cwd, dump.stuck.frame.file),
              }),
            }
          : {}),
        file: text,
      }),
    );
  return [...ledger.hangs, ...found];
}

/**
 * Whether the worker that left a note was ended in this Jest run. Another thread of this process left
 * it (notes go when their file ends), or a dead process did, after this Jest started: a note left by an
 * earlier run whose process id came back is older.
 */
function endedInThisRun(ledger: Ledger, written: number, jest: number): boolean {
  if (ledger.pid === process.pid) return ledger.threadId !== threadId;
  const jestStarted = startedAt(jest);
  return !isAlive(ledger.pid) && jestStarted !== undefined && written >= jestStarted;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** When a process started (epoch ms, to the second at worst), or undefined where that cannot be read. */
function startedAt(pid: number): number | undefined {
  try {
    if (process.platform === 'linux') {
      // Field 22 of /proc/<pid>/stat, in clock ticks (USER_HZ, 100) since boot; `btime` is the boot time.
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
      const boot = Number(/^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))?.[1]);
      return Number.isFinite(ticks + boot) ? boot * 1000 + ticks * 10 - 1000 : undefined;
    }
    const started = Date.parse(
      execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8' }),
    );
    return Number.isNaN(started) ? undefined : started - 1000;
  } catch {
    return undefined;
  }
}
