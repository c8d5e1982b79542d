import { now, toEpoch } from '../clock.js';
import { buildDump, type DumpResult, reportDump, toResult, writeDump } from '../dump/index.js';
import { readOwnScripts } from '../inspect/same-thread.js';
import { SourceMapper } from '../sourcemap/index.js';
import type { CapturedStack } from '../stack/capture.js';
import type { SlotConfig } from '../watchdog/deadline-table.js';
import { takeSnapshot } from './snapshot.js';

/**
 * Writes a WAITING dump on the guarded thread itself: its event loop turns, so it can read its own
 * resources and scripts directly, synchronously, before any cleanup (afterEach, a runner's timeout
 * handling) has run.
 */
export function writeWaitingDump(
  config: SlotConfig,
  site: CapturedStack | undefined,
): DumpResult | undefined {
  const snapshot = takeSnapshot(site);
  const dump = buildDump({
    class: 'WAITING',
    label: config.label,
    budgetMs: config.budgetMs,
    armedAtEpoch: toEpoch(config.armedAt),
    dumpedAtEpoch: toEpoch(now()),
    stack: [],
    snapshot,
    processFallback: snapshot.process,
    mapper: new SourceMapper(readOwnScripts()),
    notes: [],
  });
  const written = writeDump(dump, config.path);
  reportDump(dump, written);
  return written ? toResult(dump, written) : undefined;
}
