import { now, toEpoch } from '../clock.js';
import type { GuardedSnapshot } from '../dump/build.js';
import { buildDump, type DumpResult, relativePath, reportDump, toResult, writeDump } from '../dump/index.js';
import { readOwnScripts, readOwnTimers, readOwnWorkerScripts } from '../inspect/same-thread.js';
import type { TimerDetail } from '../inspect/timers.js';
import { SourceMapper } from '../sourcemap/index.js';
import { isUserCode, type RawFrame } from '../stack/frame.js';
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
  const mapper = new SourceMapper(readOwnScripts());
  // Only when there are workers: attaching to them is the one way to learn their scripts.
  const workerScripts = entries.some(({ snapshot }) =>
    snapshot.resources.handles.some((h) => h.type === 'Worker'),
  )
    ? readOwnWorkerScripts()
    : undefined;
  const dumpOf = ({ config, snapshot }: WaitingEntry, dumpedAtEpoch: number, timers: TimerDetail[]) =>
    buildDump({
      class: 'WAITING',
      label: config.label,
      budgetMs: config.budgetMs,
      armedAtEpoch: toEpoch(config.armedAt),
      dumpedAtEpoch,
      stack: [],
      snapshot,
      processFallback: snapshot.process,
      timers,
      ...(workerScripts ? { workerScripts } : {}),
      mapper,
      notes: [],
    });
  const written = entries.map((entry) => {
    const dump = dumpOf(entry, toEpoch(now()), []);
    const files = writeDump(dump, entry.config.path);
    reportDump(dump, files);
    beat();
    return { dump, files };
  });
  // The timers take a walk of the heap: the dumps are on disk first, then completed in place.
  const timers = readOwnTimers(probe);
  return written.map(({ dump, files }, index) => {
    if (!files) return undefined;
    if (timers.length > 0) {
      writeDump(dumpOf(entries[index] as WaitingEntry, Date.parse(dump.dumpedAt), timers), files.file);
      beat();
    }
    return toResult(dump, files);
  });
}

/**
 * Where each of these stacks leaves the user's code, at its original source position
 * (`file:line:column`, relative to the working directory): where a resource was created. Lives
 * here because the source maps are read here, in the module loaded only when a dump needs it.
 */
export function userPositions(stacks: readonly (readonly RawFrame[])[]): (string | undefined)[] {
  const mapper = new SourceMapper(readOwnScripts());
  return stacks.map((stack) => {
    const raw = stack.find((frame) => isUserCode(frame.url));
    if (!raw) return undefined;
    const { file, line, column } = mapper.map(raw);
    return `${relativePath(file, process.cwd())}:${line}:${column}`;
  });
}

/** The one-line forms of a dump, for runner adapters that load this module only once a dump exists. */
export { dumpLine, dumpSummary } from '../dump/result.js';
