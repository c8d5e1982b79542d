/**
 * The watchdog thread. It sleeps on the deadline table until the earliest deadline, then decides, from
 * the guarded thread's heartbeat, whether the guard is WAITING (ask the guarded thread to dump itself)
 * or BLOCKED (pause it through the inspector and dump it from here).
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { ProcessFacts } from '../dump/model.js';
import { writeStderr } from '../stderr.js';
import type { BlockedGuard } from './blocked.js';
import { blockedAfter, classify } from './classify.js';
import { DeadlineTable } from './deadline-table.js';
import {
  Control,
  FRESH_HEARTBEAT_MS,
  type FromWatchdog,
  NO_DEADLINE,
  State,
  type ToWatchdog,
  type WatchdogData,
} from './protocol.js';

const data = workerData as WatchdogData & { probeId: string; process: ProcessFacts };
const port = parentPort;
if (!port) throw new Error('hangdump: the watchdog runs as a worker thread');

const table = new DeadlineTable(data.control, data.pages);
const control = table.control;
/** Guards whose WAITING dump was asked for: if not taken by then, the thread is blocked after all. */
const waitingSince = new Map<number, { generation: number; until: number }>();

/** The guarded thread's clock, read from this thread. */
function clock(): number {
  return performance.timeOrigin + performance.now() - data.timeOrigin;
}

// The listener is also what keeps this thread's event loop alive between inspector replies.
port.on('message', (message: ToWatchdog) => {
  if (message.type === 'page') table.addPage(message.page);
});

function post(message: FromWatchdog): void {
  port?.postMessage(message);
}

/** One pass over the table: acts on what is due, returns the next moment worth waking for. */
async function scan(): Promise<number> {
  const now = clock();
  const lastBeat = Atomics.load(control, Control.HEARTBEAT);
  const blocked: BlockedGuard[] = [];
  let next = NO_DEADLINE;
  const slots = Math.min(Atomics.load(control, Control.HIGH_WATER), table.capacity);
  for (let slot = 0; slot < slots; slot++) {
    const deadline = table.deadline(slot);
    const generation = table.generation(slot);
    if (deadline === State.WAITING_SENT) {
      const watch = waitingSince.get(slot);
      if (watch?.generation !== generation) continue;
      if (now - lastBeat <= FRESH_HEARTBEAT_MS) {
        // The loop turns (the guarded thread may be busy writing other dumps): the request stands.
        watch.until = Math.max(watch.until, now + blockedAfter(table.budgetMs(slot)));
      } else if (now >= watch.until && table.transition(slot, State.WAITING_SENT, State.BLOCKED)) {
        blocked.push({ slot, generation, lastBeat });
        continue;
      }
      next = Math.min(next, watch.until);
      continue;
    }
    if (deadline <= 0) continue;
    if (deadline > now) {
      next = Math.min(next, deadline);
      continue;
    }
    const budgetMs = table.budgetMs(slot);
    const verdict = classify(now, lastBeat, budgetMs);
    if ('recheckAt' in verdict) {
      next = Math.min(next, verdict.recheckAt);
    } else if (verdict.class === 'WAITING') {
      if (table.transition(slot, deadline, State.WAITING_SENT)) {
        const until = now + blockedAfter(budgetMs) + 500;
        waitingSince.set(slot, { generation, until });
        next = Math.min(next, until);
        post({ type: 'waiting', slot, generation });
      }
    } else if (table.transition(slot, deadline, State.BLOCKED)) {
      blocked.push({ slot, generation, lastBeat });
    }
  }
  for (const slot of waitingSince.keys()) {
    if (table.deadline(slot) !== State.WAITING_SENT) waitingSince.delete(slot);
  }
  if (blocked.length > 0) {
    // Loaded at the first BLOCKED hang only, so that the watchdog starts small and fast.
    const { dumpBlocked, threadInspector } = await import('./blocked.js');
    const context = {
      table,
      inspector: threadInspector(data.process),
      probeId: data.probeId,
      process: data.process,
      tid: data.tid,
      post,
      clock,
      timeOrigin: data.timeOrigin,
    };
    await dumpBlocked(context, blocked);
    return clock();
  }
  return next;
}

async function run(): Promise<void> {
  for (;;) {
    const seq = Atomics.load(control, Control.WAKE);
    // An armer notifies only when its deadline comes before NEXT_WAKE: while the scan runs, every
    // arm must notify (it may land in a slot already scanned), and then the scan runs again.
    Atomics.store(control, Control.NEXT_WAKE, NO_DEADLINE);
    const next = await scan();
    Atomics.store(control, Control.NEXT_WAKE, next);
    if (Atomics.load(control, Control.WAKE) !== seq) continue;
    const timeout = next === NO_DEADLINE ? Number.POSITIVE_INFINITY : Math.max(0, next - clock());
    const wait = Atomics.waitAsync(control, Control.WAKE, seq, timeout);
    if (wait.async) await wait.value;
  }
}

run().catch((error: unknown) => {
  writeStderr(`hangdump: the watchdog stopped: ${(error as Error)?.stack ?? String(error)}\n`);
});
