import { Session } from 'node:inspector';
import { ScriptTable } from '../sourcemap/index.js';
import { type InspectorCall, readTimers, runSync, type TimerDetail } from './timers.js';

/** What a thread reads of itself through the inspector at a WAITING dump. */
export interface OwnThread {
  /** Its scripts, with their source map URLs. */
  scripts: ScriptTable;
  /** Its live timers and where their callbacks are. */
  timers: TimerDetail[];
}

/**
 * Reads this very thread through a same-thread inspector session: its messages are dispatched
 * synchronously, so this works inside a runner's timeout handler with no await. Enabling the debugger
 * makes V8 announce every script; it is disabled again at once. `probe` is an expression for this
 * thread's hangdump probe (see `readTimers`).
 */
export function inspectOwnThread(probe: string): OwnThread {
  const scripts = new ScriptTable();
  let timers: TimerDetail[] = [];
  const session = new Session();
  try {
    session.connect();
    session.on('Debugger.scriptParsed', ({ params }) => scripts.add(params));
    session.post('Debugger.enable');
    session.post('Debugger.disable');
    timers = runSync(readTimers(probe), (call) => postSync(session, call));
  } catch {
    // No inspector (a Node built without it), or a call it refused: what was read is kept.
  } finally {
    session.disconnect();
  }
  return { scripts, timers };
}

function postSync(session: Session, { method, params }: InspectorCall): Record<string, unknown> {
  let result: Record<string, unknown> = {};
  session.post(method, params, (error, value) => {
    if (!error) result = value as Record<string, unknown>;
  });
  return result;
}
