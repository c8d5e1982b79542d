import type { CodeLine, DumpFrame, DumpHandle, HangDump } from './model.js';

/** `5s`, `0.5s`, `1.25s`: a budget as people write it. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

/** `5.0s`: a measured duration. */
export function formatDuration(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/**
 * A label as it can be shown in a line: control characters (a newline, a terminal's escape
 * sequences) written as escapes, so that a test's name never breaks a line or recolours a terminal.
 */
export function printable(label: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it escapes.
  return label.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    const named = ({ '\n': '\\n', '\r': '\\r', '\t': '\\t' } as Record<string, string>)[c];
    return named ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** The dump's first line: its class, the label and the budget, and what was seen of the event loop. */
export function headline(
  dump: Pick<HangDump, 'class' | 'blockedIn' | 'label' | 'budgetMs' | 'elapsedMs' | 'loopStalledMs'>,
): string {
  if (dump.elapsedMs < dump.budgetMs) {
    return `hangdump: ${dump.class} — "${printable(dump.label)}" within its ${formatSeconds(dump.budgetMs)} budget (dumped on request after ${formatDuration(dump.elapsedMs)})`;
  }
  const exceeded = `hangdump: ${dump.class} — "${printable(dump.label)}" exceeded ${formatSeconds(dump.budgetMs)}`;
  if (dump.class === 'WAITING') {
    return `${exceeded} (event loop turning, still waiting after ${formatDuration(dump.elapsedMs)})`;
  }
  const stalled = `event loop not turning for ${formatDuration(dump.loopStalledMs ?? dump.elapsedMs)}`;
  return `${exceeded} (${stalled}${dump.blockedIn === 'native' ? ', inside a native call' : ''})`;
}

/** `file:line:column` of a frame. */
export function formatPosition(frame: Pick<DumpFrame, 'file' | 'line' | 'column'>): string {
  return `${frame.file}:${frame.line}:${frame.column}`;
}

/** One stack line in the familiar V8 form. */
export function formatFrame(frame: DumpFrame): string {
  const where = formatPosition(frame);
  return frame.functionName ? `at ${frame.functionName} (${where})` : `at ${where}`;
}

/** The code frame: numbered lines, the stuck one marked, a caret under the column. */
export function formatCode(code: readonly CodeLine[], column: number): string[] {
  const width = String(code.at(-1)?.line ?? 0).length;
  const out: string[] = [];
  for (const line of code) {
    out.push(`${line.marker ? '>' : ' '} ${String(line.line).padStart(width)} | ${line.text}`);
    if (line.marker) out.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, column - 1))}^`);
  }
  return out;
}

/** Renders the whole dump as text for people. */
export function renderText(dump: HangDump): string {
  const out: string[] = [dump.headline, ''];
  if (dump.stuck) {
    const { frame, code, atGuard, atPeer, waitingOn, peer, suspended } = dump.stuck;
    const name = frame.functionName ? ` in ${frame.functionName}` : '';
    const at = `${formatPosition(frame)}${name}`;
    // One of three: an await (with `promises`), a resource waited on, or a line.
    if (suspended) out.push(`Waiting at ${at} (an await that never resumed)`);
    else if (waitingOn) {
      out.push(
        `Waiting on ${waitingOn}`,
        atGuard
          ? `  created during this guard, inside a library; guarded at ${at}`
          : atPeer
            ? '  created during this guard, inside a library'
            : `  created at ${at}, during this guard`,
      );
      if (peer) {
        const created = peer.createdAt ? `, created at ${formatPosition(peer.createdAt)}` : '';
        out.push(`  its other end is in this process: ${peer.description}${created}`);
      }
    } else out.push(`${atGuard ? 'Guarded at' : 'Stuck at'} ${at}`);
    out.push(...formatCode(code, frame.column).map((l) => `  ${l}`), '');
  }
  out.push(...renderOpenedDuringGuard(dump));
  if (dump.class === 'WAITING') {
    out.push(
      'The event loop was turning: the guarded code awaits something that never came (a promise nobody',
      'resolves, a socket or child process that never answers, a timer that never fires). The live',
      'resources below are what it may be waiting on.',
      '',
    );
  }
  if (dump.native) {
    const { state, syscall, wchan, explanation, children } = dump.native;
    out.push(`Blocked in a native call: ${explanation}`);
    out.push(
      `  thread state ${state}${syscall ? `, system call ${syscall}` : ''}${wchan ? `, kernel ${wchan}` : ''}`,
    );
    for (const child of children) out.push(`  child process ${child.pid}: ${child.command}`);
    out.push('');
  }
  if (dump.stack.length > 0) {
    const title = dump.class === 'WAITING' ? 'Awaiting (innermost first):' : 'Stack (innermost first):';
    out.push(title, ...dump.stack.map((f) => `  ${formatFrame(f)}`), '');
  }
  out.push(...renderPromises(dump));
  // From the first frame of user code: runners set guards from deep inside their own frames.
  const site = dump.site.slice(
    Math.max(
      0,
      dump.site.findIndex((f) => f.user),
    ),
  );
  if (site.length > 0 && !dump.stuck?.atGuard) {
    out.push('Guarded at:', ...site.slice(0, 3).map((f) => `  ${formatFrame(f)}`), '');
  }
  out.push(...renderResources(dump), '');
  const p = dump.process;
  out.push(
    'Process:',
    `  pid ${p.pid}, thread ${p.threadId}, Node ${p.node} ${p.platform}-${p.arch}${p.runner ? `, runner ${p.runner}` : ''}`,
    `  argv: ${[...p.execArgv, ...p.argv.slice(1)].join(' ') || '(none)'}`,
    `  cwd: ${p.cwd}`,
    `  budget ${formatSeconds(dump.budgetMs)}, armed ${dump.armedAt}, dumped ${dump.dumpedAt} (after ${formatDuration(dump.elapsedMs)})`,
  );
  if (dump.notes.length > 0) out.push('', 'Notes:', ...dump.notes.map((n) => `  ${n}`));
  out.push('');
  return out.join('\n');
}

/** At most this many resources are named in the top section. */
const OPENED_SHOWN = 5;

/** WAITING: the resources this guard opened and that are still open, the likeliest waited-on first. */
function renderOpenedDuringGuard(dump: HangDump): string[] {
  if (dump.class !== 'WAITING') return [];
  const opened = dump.resources.handles.filter((h) => h.duringGuard);
  // One resource, named already as the one waited on: nothing to add.
  if (opened.length === 0 || (opened.length === 1 && dump.stuck?.waitingOn)) return [];
  const out = ['Still open, created during this guard (most relevant first):'];
  for (const handle of opened.slice(0, OPENED_SHOWN)) {
    const origin = handle.createdAt?.find((f) => f.user);
    out.push(
      `  ${handle.type}${handle.description ? `  ${handle.description}` : ''}${origin ? `, created ${formatFrame(origin)}` : ''}`,
    );
  }
  if (opened.length > OPENED_SHOWN) out.push(`  … and ${opened.length - OPENED_SHOWN} more below`);
  return [...out, ''];
}

/** The guard's pending promises, when tracked: where each was created, most recent first. */
function renderPromises(dump: HangDump): string[] {
  if (!dump.promises) return [];
  const { count, pending } = dump.promises;
  if (count === 0) return ['Pending promises created during this guard: none', ''];
  const out = [`Pending promises created during this guard: ${count}; from user code, most recent first:`];
  for (const { kind, createdAt } of pending) {
    const where = createdAt.find((f) => f.user) ?? createdAt[0];
    out.push(`  ${kind === 'await' ? 'await' : 'promise'} ${where ? formatFrame(where) : '(no position)'}`);
  }
  return [...out, ''];
}

function renderResources(dump: HangDump): string[] {
  const { active, handles, timers = [], requests = [] } = dump.resources;
  const total = active.reduce((sum, r) => sum + r.count, 0);
  if (total === 0 && handles.length === 0) return ['Live resources: none'];
  const out = [`Live resources (${total}):`];
  for (const { type, count } of active) out.push(`  ${type} ×${count}`);
  if (handles.length > 0) out.push('Handles (most relevant first):');
  // Handles that read alike (a pool's MessagePorts) are one line with a count.
  const lines = handles.map(handleLines);
  for (let i = 0; i < lines.length; ) {
    let same = 1;
    while (lines[i + same]?.join('\n') === lines[i]?.join('\n')) same++;
    const [first = '', ...rest] = lines[i] ?? [];
    out.push(same > 1 ? `${first} ×${same}` : first, ...rest);
    i += same;
  }
  if (dump.resources.handlesOmitted) {
    out.push(`  … and ${dump.resources.handlesOmitted} more handles (counted above)`);
  }
  if (requests.length > 0) out.push('Pending requests:');
  for (const request of requests)
    out.push(`  ${request.type}${request.description ? `  ${request.description}` : ''}`);
  if (timers.length > 0) out.push('Timers:');
  for (const timer of timers) {
    const kind = timer.repeat ? 'setInterval' : 'setTimeout';
    const callback = timer.callback
      ? `, callback ${formatFrame(timer.callback)}`
      : timer.name
        ? `, callback ${timer.name}`
        : '';
    out.push(`  ${kind} ${timer.durationMs} ms${timer.ref ? '' : ' (unref)'}${callback}`);
  }
  return out;
}

/** A handle in a line, and where it was created in a second one when known. */
function handleLines(handle: DumpHandle): string[] {
  const flags = [handle.duringGuard ? 'created during this guard' : '', handle.ref === false ? 'unref' : '']
    .filter(Boolean)
    .join(', ');
  const line = `  ${handle.type}${handle.description ? `  ${handle.description}` : ''}${flags ? `  (${flags})` : ''}`;
  const origin = handle.createdAt?.find((f) => f.user);
  return origin ? [line, `      created ${formatFrame(origin)}`] : [line];
}
