import { Session } from 'node:inspector';
import { ScriptTable } from '../sourcemap/index.js';
import type { RawFrame } from '../stack/frame.js';

/** A paused main thread: its frames, innermost first, and the ids to evaluate on them. */
export interface Paused {
  frames: RawFrame[];
  callFrameIds: string[];
}

interface CallFrame {
  callFrameId: string;
  functionName: string;
  url: string;
  location: { scriptId: string; lineNumber: number; columnNumber: number };
}

interface EvaluateResult {
  result: { type: string; value?: unknown };
  exceptionDetails?: unknown;
}

/**
 * The watchdog's inspector session on the guarded (main) thread. Connected on the first hang only:
 * until then the guarded thread pays nothing for it. Inspector messages are served by V8 interrupts,
 * so they reach a thread spinning in JavaScript; a thread inside a native call serves none.
 */
export class MainThreadInspector {
  readonly scripts = new ScriptTable();
  #session: Session | undefined;

  /**
   * Pauses the thread and reads its frames; undefined when the pause did not land within `graceMs`
   * (the thread is inside a native call). A pause that lands later stays pending: see `nextPause`.
   */
  async pause(graceMs: number): Promise<Paused | undefined> {
    const paused = this.nextPause(graceMs);
    this.#post('Debugger.enable').catch(() => {});
    this.#post('Debugger.pause').catch(() => {});
    return paused;
  }

  /** Waits up to `timeoutMs` for the thread to pause (a pause requested earlier that lands late). */
  async nextPause(timeoutMs: number): Promise<Paused | undefined> {
    const session = this.#connect();
    let onPaused: ((message: { params: { callFrames: unknown[] } }) => void) | undefined;
    const callFrames = await Promise.race([
      new Promise<CallFrame[]>((resolve) => {
        onPaused = ({ params }) => resolve(params.callFrames as CallFrame[]);
        session.once('Debugger.paused', onPaused);
      }),
      delay(timeoutMs),
    ]);
    if (onPaused) session.off('Debugger.paused', onPaused);
    if (!callFrames) return undefined;
    return {
      frames: callFrames.map((frame) => ({
        url: frame.url || this.scripts.byId(frame.location.scriptId)?.url || '',
        line: frame.location.lineNumber + 1,
        column: frame.location.columnNumber + 1,
        functionName: frame.functionName,
      })),
      callFrameIds: callFrames.map((frame) => frame.callFrameId),
    };
  }

  /**
   * Evaluates `expression` on the paused thread, trying each frame's context until `probe` names a
   * defined value there (test code may run in a vm context of its own, as in Jest), then the
   * thread's default context. Returns the value, or undefined.
   */
  async evaluate(paused: Paused, probe: string, expression: string): Promise<unknown> {
    for (const callFrameId of paused.callFrameIds) {
      const found = await this.#post<EvaluateResult>('Debugger.evaluateOnCallFrame', {
        callFrameId,
        expression: `typeof (${probe}) !== 'undefined'`,
        returnByValue: true,
        silent: true,
      }).catch(() => undefined);
      if (found?.result.value !== true) continue;
      const result = await this.#post<EvaluateResult>('Debugger.evaluateOnCallFrame', {
        callFrameId,
        expression,
        returnByValue: true,
        silent: true,
      }).catch(() => undefined);
      return result?.exceptionDetails ? undefined : result?.result.value;
    }
    const result = await this.#post<EvaluateResult>('Runtime.evaluate', {
      expression: `typeof (${probe}) !== 'undefined' ? (${expression}) : undefined`,
      returnByValue: true,
      silent: true,
    }).catch(() => undefined);
    return result?.exceptionDetails ? undefined : result?.result.value;
  }

  /** Lets the thread run again and stops debugging it, so it pays nothing more. */
  async resume(): Promise<void> {
    await this.#post('Debugger.resume').catch(() => {});
    await this.#post('Debugger.disable').catch(() => {});
  }

  #connect(): Session {
    if (this.#session) return this.#session;
    const session = new Session();
    session.connectToMainThread();
    session.on('Debugger.scriptParsed', ({ params }) => this.scripts.add(params));
    this.#session = session;
    return session;
  }

  #post<T = unknown>(method: string, params?: object): Promise<T> {
    const session = this.#connect();
    return new Promise((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))),
    );
  }
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(resolve, ms, undefined));
}
