import { now, toEpoch } from '../clock.js';
import type { GuardedSnapshot } from '../dump/build.js';
import { buildDump, type DumpResult, reportDump, toResult, writeDump } from '../dump/index.js';
import { inspectOwnThread } from '../inspect/same-thread.js';
import { SourceMapper } from '../sourcemap/index.js';
import type { SlotConfig } from '../watchdog/deadline-table.js';

/**
 * Writes a WAITING dump on the guarded thread itself: its event loop turns, so it can read its own
 * resources and scripts directly, synchronously, before any cleanup (afterEach, a runner's timeout
 * handling) has run. The snapshot is taken by the caller: this module is loaded apart from the rest,
 * possibly by another module loader, and must not rely on the module state the tracker keeps.
 */
export function writeWaitingDump(
  config: SlotConfig,
  snapshot: GuardedSnapshot,
  probe: string,
): DumpResult | undefined {
  const own = inspectOwnThread(probe);
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
    mapper: new SourceMapper(own.scripts),
    notes: [],
  });
  const written = writeDump(dump, config.path);
  reportDump(dump, written);
  return written ? toResult(dump, written) : undefined;
}
