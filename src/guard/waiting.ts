import { now, toEpoch } from '../clock.js';
import type { GuardedSnapshot } from '../dump/build.js';
import { buildDump, type DumpResult, reportDump, toResult, writeDump } from '../dump/index.js';
import { inspectOwnThread } from '../inspect/same-thread.js';
import { SourceMapper } from '../sourcemap/index.js';
import type { SlotConfig } from '../watchdog/deadline-table.js';

/** One guard to dump, with what its thread told about itself. */
export interface WaitingEntry {
  config: SlotConfig;
  snapshot: GuardedSnapshot;
}

/**
 * Writes WAITING dumps on the guarded thread itself: its event loop turns, so it can read its own
 * resources, scripts and timers directly, synchronously, before any cleanup (afterEach, a runner's
 * timeout handling) has run. Guards that expired together share one look at the thread. `beat` keeps
 * the heartbeat fresh between dumps, so that the watchdog does not take a thread busy writing many
 * dumps for a blocked one. Snapshots are taken by the caller: this module is loaded apart from the
 * rest, possibly by another module loader, and must not rely on the module state the tracker keeps.
 */
export function writeWaitingDumps(
  entries: readonly WaitingEntry[],
  probe: string,
  beat: () => void,
): (DumpResult | undefined)[] {
  const own = inspectOwnThread(probe);
  const mapper = new SourceMapper(own.scripts);
  return entries.map(({ config, snapshot }) => {
    const dump = buildDump({
      class: 'WAITING',
      label: config.label,
      budgetMs: config.budgetMs,
      armedAtEpoch: toEpoch(config.armedAt),
      dumpedAtEpoch: toEpoch(now()),
      stack: [],
      snapshot,
      processFallback: snapshot.process,
      timers: own.timers,
      mapper,
      notes: [],
    });
    const written = writeDump(dump, config.path);
    reportDump(dump, written);
    beat();
    return written ? toResult(dump, written) : undefined;
  });
}
