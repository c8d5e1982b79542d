/**
 * Which thread this is, without loading `node:worker_threads` on a process's main thread: a test
 * runner's worker process starts hangdump once per test file, and that module costs each of them
 * about 1.5 ms to load. Node replaces `process.chdir` in worker threads by a function marked
 * `disabled` (since Node 10); there the module is loaded already, and asking it costs nothing.
 */
export const isMainThread = (process.chdir as { disabled?: boolean }).disabled !== true;

/** This thread's id: 0 on the main thread. */
export const threadId: number = isMainThread ? 0 : process.getBuiltinModule('node:worker_threads').threadId;

/**
 * This thread's kernel id (Linux), through which /proc tells whether it runs or waits in a system
 * call: the pid on the main thread; for a worker thread, read from the `/proc/thread-self` link
 * (`<pid>/task/<tid>`), which names the thread that reads it. Undefined where there is no /proc.
 */
export function kernelThreadId(): number | undefined {
  if (isMainThread) return process.pid;
  try {
    const tid = Number(
      process.getBuiltinModule('node:fs').readlinkSync('/proc/thread-self').split('/').pop(),
    );
    return Number.isInteger(tid) ? tid : undefined;
  } catch {
    return undefined;
  }
}
