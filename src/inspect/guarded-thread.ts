import { ScriptTable } from '../sourcemap/index.js';
import type { RawFrame } from '../stack/frame.js';
import { readTimers, runAsync, type TimerDetail } from './timers.js';
import { connectMainThread, mainThreadTransport, type Transport, workerTransport } from './transport.js';

/** A paused thread: its frames, innermost first, and the ids to evaluate on them. */
export interface Paused {
  frames: RawFrame[];
  callFrameIds: string[];
}

/** The thread a watchdog guards. */
export interface GuardedThread {
  isMainThread: boolean;
  threadId: number;
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

/** How long the main thread may take to announce a worker thread through `NodeWorker`. */
const ATTACH_TIMEOUT_MS = 1000;

/**
 * The watchdog's inspector session on the guarded thread, the main thread or a worker thread.
 * Connected on the first BLOCKED hang only: until then the guarded thread pays nothing for it.
 * Inspector messages are served by V8 interrupts, so they reach a thread spinning in JavaScript; a
 * thread inside a native call serves none.
 */
export class GuardedThreadInspector {
  readonly scripts = new ScriptTable();
  readonly #thread: GuardedThread;
  #main: Transport | undefined;
  #target: Promise<Transport> | undefined;
  /** The frames of the pause the thread is in now, if it is paused. */
  #pausedAt: CallFrame[] | undefined;

  readonly #open: () => Transport | Promise<Transport>;

  /**
   * `open` reaches the guarded process's main thread; by default through this process's own
   * inspector (the watchdog is a thread of the guarded process), else over a socket.
   */
  constructor(thread: GuardedThread, open: () => Transport | Promise<Transport> = localMainThread) {
    this.#thread = thread;
    this.#open = open;
  }

  /**
   * Pauses the thread and reads its frames; undefined when the pause did not land within `graceMs`
   * (the thread is inside a native call, or cannot be reached). A pause that lands later stays
   * pending: see `nextPause`.
   */
  async pause(graceMs: number): Promise<Paused | undefined> {
    const target = await this.#connect().catch(() => undefined);
    if (!target) return undefined;
    const paused = this.nextPause(graceMs);
    target.post('Debugger.enable').catch(() => {});
    target.post('Debugger.pause').catch(() => {});
    return paused;
  }

  /** Whether the thread's inspector can be reached (connecting to it on the first call). */
  reachable(): Promise<boolean> {
    return this.#connect().then(
      () => true,
      () => false,
    );
  }

  /**
   * Waits up to `timeoutMs` for the thread to pause (a pause requested earlier that lands late, even
   * while nobody waited for it).
   */
  async nextPause(timeoutMs: number): Promise<Paused | undefined> {
    const target = await this.#connect().catch(() => undefined);
    if (!target) return undefined;
    let stop = () => {};
    const callFrames =
      this.#pausedAt ??
      (await Promise.race([
        new Promise<CallFrame[]>((resolve) => {
          stop = target.on('Debugger.paused', (params) => resolve(params.callFrames as CallFrame[]));
        }),
        // setTimeout takes an infinite delay for 1 ms: an endless wait has no timer.
        ...(Number.isFinite(timeoutMs) ? [delay(timeoutMs)] : []),
      ]));
    stop();
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
    const target = await this.#connect();
    for (const callFrameId of paused.callFrameIds) {
      const evaluate = (text: string) =>
        target
          .post<EvaluateResult>('Debugger.evaluateOnCallFrame', {
            callFrameId,
            expression: text,
            returnByValue: true,
            silent: true,
          })
          .catch(() => undefined);
      if ((await evaluate(`typeof (${probe}) !== 'undefined'`))?.result.value !== true) continue;
      const result = await evaluate(expression);
      return result?.exceptionDetails ? undefined : result?.result.value;
    }
    const result = await target
      .post<EvaluateResult>('Runtime.evaluate', {
        expression: `typeof (${probe}) !== 'undefined' ? (${expression}) : undefined`,
        returnByValue: true,
        silent: true,
      })
      .catch(() => undefined);
    return result?.exceptionDetails ? undefined : result?.result.value;
  }

  /** The paused thread's live timers (see `readTimers`); none when they cannot be read. */
  async readTimers(probe: string): Promise<TimerDetail[]> {
    const target = await this.#connect();
    return runAsync(readTimers(probe), (call) => target.post(call.method, call.params)).catch(() => []);
  }

  /** Lets the thread run again and stops debugging it, so it pays nothing more. */
  async resume(): Promise<void> {
    const target = await this.#connect();
    await target.post('Debugger.resume').catch(() => {});
    await target.post('Debugger.disable').catch(() => {});
  }

  /**
   * Ends a guarded worker thread: it is let go, then terminated by its owner on the main thread, as
   * `worker.terminate()` would (a worker cannot end itself while paused; and terminating its running
   * script through the inspector crashes Node). Returns false when the worker was not found.
   */
  async terminateWorker(): Promise<boolean> {
    await this.resume();
    const main = this.#main;
    if (!main) return false;
    const prototype = await main.post<{ result: { objectId?: string } }>('Runtime.evaluate', {
      expression: `process.getBuiltinModule?.('node:worker_threads').Worker.prototype`,
    });
    if (!prototype.result.objectId) return false;
    const { objects } = await main.post<{ objects: { objectId: string } }>('Runtime.queryObjects', {
      prototypeObjectId: prototype.result.objectId,
    });
    const ended = await main.post<EvaluateResult>('Runtime.callFunctionOn', {
      objectId: objects.objectId,
      functionDeclaration: `function (id) {
        const worker = this.find((w) => { try { return w.threadId === id; } catch { return false; } });
        if (worker) worker.terminate();
        return Boolean(worker);
      }`,
      arguments: [{ value: this.#thread.threadId }],
      returnByValue: true,
    });
    return ended.result.value === true;
  }

  #connect(): Promise<Transport> {
    this.#target ??= (async () => {
      const main = await this.#open();
      this.#main = main;
      const target = this.#thread.isMainThread
        ? main
        : await workerTransport(main, this.#thread.threadId, ATTACH_TIMEOUT_MS);
      target.on('Debugger.scriptParsed', (params) => this.scripts.add(params as never));
      target.on('Debugger.paused', (params) => {
        this.#pausedAt = params.callFrames as CallFrame[];
      });
      target.on('Debugger.resumed', () => {
        this.#pausedAt = undefined;
      });
      return target;
    })();
    return this.#target;
  }
}

function localMainThread(): Transport {
  return mainThreadTransport(connectMainThread());
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(resolve, ms, undefined));
}
