import { Session } from 'node:inspector';
import { ScriptTable } from '../sourcemap/index.js';

/**
 * The scripts of this very thread with their source map URLs, read through a same-thread inspector
 * session: its messages are dispatched synchronously, so this works inside a message handler with no
 * await. Enabling the debugger makes V8 announce every script; it is disabled again at once.
 */
export function readOwnScripts(): ScriptTable {
  const scripts = new ScriptTable();
  const session = new Session();
  try {
    session.connect();
    session.on('Debugger.scriptParsed', ({ params }) => scripts.add(params));
    session.post('Debugger.enable');
    session.post('Debugger.disable');
  } catch {
    // No inspector (a Node built without it): frames keep their generated positions.
  } finally {
    session.disconnect();
  }
  return scripts;
}
