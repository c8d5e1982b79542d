import { Session } from 'node:inspector';

/** One inspector target: the guarded thread, however it is reached. */
export interface Transport {
  post<T = unknown>(method: string, params?: object): Promise<T>;
  /** Listens to an event of the target; returns the function that stops listening. */
  on(event: string, listener: (params: Record<string, unknown>) => void): () => void;
}

/**
 * The process's main thread, through `Session.connectToMainThread()`: a session from any worker
 * (the watchdog is one) reaches the main thread, however deeply nested the worker is.
 */
export function mainThreadTransport(session: Session): Transport {
  return {
    post: (method, params) =>
      withDeadline(
        method,
        new Promise((resolve, reject) =>
          session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as never))),
        ),
      ),
    on(event, listener) {
      const handler = ({ params }: { params: Record<string, unknown> }) => listener(params);
      session.on(event, handler);
      return () => session.off(event, handler);
    },
  };
}

/**
 * A worker thread (Vitest's `threads` pool, Jest's `workerThreads`), reached from a main-thread
 * session through the `NodeWorker` domain: every message to the worker is wrapped in
 * `NodeWorker.sendMessageToWorker`, every reply and event comes back in
 * `NodeWorker.receivedMessageFromWorker`. Workers are told apart by their title, `[worker <threadId>]`.
 */
export async function workerTransport(
  main: Transport,
  threadId: number,
  timeoutMs: number,
): Promise<Transport> {
  const sessionId = await new Promise<string | undefined>((resolve) => {
    const stop = main.on('NodeWorker.attachedToWorker', (params) => {
      const info = params.workerInfo as { title?: string } | undefined;
      if (new RegExp(`^\\[worker ${threadId}\\]`).test(info?.title ?? '')) {
        stop();
        resolve(params.sessionId as string);
      }
    });
    main.post('NodeWorker.enable', { waitForDebuggerOnStart: false }).catch(() => resolve(undefined));
    setTimeout(() => {
      stop();
      resolve(undefined);
    }, timeoutMs);
  });
  if (sessionId === undefined)
    throw new Error(`worker thread ${threadId} is not reachable through the inspector`);
  let nextId = 0;
  const pending = new Map<number, { resolve: (value: never) => void; reject: (error: Error) => void }>();
  const listeners = new Map<string, Set<(params: Record<string, unknown>) => void>>();
  main.on('NodeWorker.receivedMessageFromWorker', (params) => {
    if (params.sessionId !== sessionId) return;
    const message = JSON.parse(params.message as string) as {
      id?: number;
      method?: string;
      params?: Record<string, unknown>;
      result?: unknown;
      error?: { message: string };
    };
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (waiter && message.id !== undefined) {
      pending.delete(message.id);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result as never);
    } else if (message.method) {
      for (const listener of listeners.get(message.method) ?? []) listener(message.params ?? {});
    }
  });
  return {
    post(method, params) {
      const id = ++nextId;
      const reply = new Promise<never>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        main
          .post('NodeWorker.sendMessageToWorker', {
            sessionId,
            message: JSON.stringify({ id, method, params }),
          })
          .catch(reject);
      });
      return withDeadline(method, reply).finally(() => pending.delete(id));
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
      return () => set.delete(listener);
    },
  };
}

/** A session on the process's main thread, from the watchdog. */
export function connectMainThread(): Session {
  const session = new Session();
  session.connectToMainThread();
  return session;
}

/**
 * How long one inspector call may take. A reply that never comes (a thread ended meanwhile, a message
 * lost) must not leave the watchdog waiting forever: its caller then falls back (SIGKILL, a dump
 * without that part). Generous, for a heap walk on a large heap.
 */
const CALL_TIMEOUT_MS = 5000;

/** Rejects when `reply` has not come within {@link CALL_TIMEOUT_MS}. */
export function withDeadline<T>(method: string, reply: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`inspector call ${method} got no reply in ${CALL_TIMEOUT_MS} ms`)),
      CALL_TIMEOUT_MS,
    );
  });
  return Promise.race([reply, timeout]).finally(() => clearTimeout(timer));
}
