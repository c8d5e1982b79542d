import type { RawFrame } from './frame.js';

/** A stack captured now and turned into frames only if a dump needs it (V8 formats lazily). */
export interface CapturedStack {
  stack?: unknown;
}

const CAPTURE_LIMIT = 12;

/**
 * Captures the current stack above `above` without formatting it: cheap (V8 records the frames, the
 * strings are built on first read). The user's `Error.stackTraceLimit` is honoured nowhere else.
 */
export function captureStack(above: (...args: never[]) => unknown): CapturedStack {
  const holder: CapturedStack = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = CAPTURE_LIMIT;
  Error.captureStackTrace(holder, above);
  Error.stackTraceLimit = limit;
  return holder;
}

/**
 * Reads a captured stack as frames. `Error.prepareStackTrace` is swapped for the one read only, so
 * a runner's or the user's own formatter (source-map-support, Vitest's) sees no change.
 */
export function readFrames(captured: CapturedStack): RawFrame[] {
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (_error, sites) => sites.map(toRawFrame);
  try {
    const frames = captured.stack;
    return Array.isArray(frames) ? (frames as RawFrame[]) : [];
  } catch {
    return [];
  } finally {
    Error.prepareStackTrace = previous;
  }
}

function toRawFrame(site: NodeJS.CallSite): RawFrame {
  return {
    url: site.getScriptNameOrSourceURL?.() ?? site.getFileName() ?? '',
    line: site.getLineNumber() ?? 0,
    column: site.getColumnNumber() ?? 0,
    functionName: site.getFunctionName() ?? site.getMethodName() ?? '',
  };
}
