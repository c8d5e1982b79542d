import { Session } from 'node:inspector';
import { ScriptTable } from '../sourcemap/index.js';
import { type InspectorCall, readTimers, runSync, type TimerDetail } from './timers.js';

/**
 * This very thread, through a same-thread inspector session: its messages are dispatched
 * synchronously, so these work inside a runner's timeout handler with no await.
 */

/** The thread's scripts with their source map URLs: enabling the debugger makes V8 announce them all. */
export function readOwnScripts(): ScriptTable {
  const scripts = new ScriptTable();
  withSession((session) => {
    session.on('Debugger.scriptParsed', ({ params }) => scripts.add(params));
    session.post('Debugger.enable');
    session.post('Debugger.disable');
  });
  return scripts;
}

/**
 * The thread's live timers (see `readTimers`; `probe` is an expression for this thread's probe).
 * Slower than the rest of a dump (a walk of the heap), so dumps are written first and completed after.
 */
export function readOwnTimers(probe: string): TimerDetail[] {
  let timers: TimerDetail[] = [];
  withSession((session) => {
    timers = runSync(readTimers(probe), (call) => postSync(session, call));
  });
  return timers;
}

/**
 * The scripts this thread's workers run, by threadId: a Worker object does not keep its script,
 * the inspector's NodeWorker domain names it (`url`; empty for `eval` workers). Attaching to the
 * workers does not stop them, and detaching follows at once.
 */
export function readOwnWorkerScripts(): Map<number, string> {
  const scripts = new Map<number, string>();
  withSession((session) => {
    session.on('NodeWorker.attachedToWorker', ({ params }) => {
      // The title is `[worker <threadId>] <name>`, the one place the inspector gives the threadId.
      const threadId = /^\[worker (\d+)\]/.exec(params.workerInfo.title)?.[1];
      if (threadId !== undefined) scripts.set(Number(threadId), params.workerInfo.url);
    });
    session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    session.post('NodeWorker.disable');
  });
  return scripts;
}

function withSession(use: (session: Session) => void): void {
  const session = new Session();
  try {
    session.connect();
    use(session);
  } catch {
    // No inspector (a Node built without it), or a call it refused: what was read is kept.
  } finally {
    session.disconnect();
  }
}

function postSync(session: Session, { method, params }: InspectorCall): Record<string, unknown> {
  let result: Record<string, unknown> = {};
  session.post(method, params, (error, value) => {
    if (!error) result = value as Record<string, unknown>;
  });
  return result;
}
