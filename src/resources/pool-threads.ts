import fs from 'node:fs';
import { syscallOf, syscallsKnown } from '../inspect/syscalls.js';
import { kernelThreadId } from '../thread.js';

/**
 * The files that threads of this process are blocked on, from Linux's /proc: a pending file-system
 * request is a thread of Node's pool inside `openat`, `read`, … , and /proc says which file (the
 * path argument, read from the process's own memory, or the file descriptor's link). The request
 * objects themselves keep no path. Elsewhere, or when /proc says nothing, none.
 */

/** A thread waiting in a file system call. */
export interface BlockedOnFile {
  syscall: string;
  path: string;
}

const PATH_MAX = 4096;

/** Every other thread of this process found blocked on a file (the calling thread is busy reading /proc). */
export function threadsBlockedOnFiles(): BlockedOnFile[] {
  if (process.platform !== 'linux' || !syscallsKnown) return [];
  try {
    const self = String(kernelThreadId());
    return fs
      .readdirSync('/proc/self/task')
      .filter((tid) => tid !== self)
      .flatMap((tid) => blockedOn(tid) ?? []);
  } catch {
    return [];
  }
}

function blockedOn(tid: string): BlockedOnFile | undefined {
  try {
    const [number, ...args] = fs.readFileSync(`/proc/self/task/${tid}/syscall`, 'utf8').trim().split(' ');
    const call = syscallOf(Number(number));
    // Only calls on a file: the read of a file descriptor, or a path.
    if (call?.path === undefined && call?.fd === undefined) return undefined;
    const path =
      call.path !== undefined
        ? readString(BigInt(args[call.path - 1] ?? '0'))
        : fs.readlinkSync(`/proc/self/fd/${Number(args[(call.fd ?? 1) - 1])}`);
    // A socket or an anonymous pipe is no file; an unreadable string is no path.
    return path?.startsWith('/') ? { syscall: call.name, path } : undefined;
  } catch {
    return undefined;
  }
}

/** A C string from this process's memory: the blocked thread's own argument, stable while it waits. */
function readString(address: bigint): string | undefined {
  if (address === 0n) return undefined;
  const fd = fs.openSync('/proc/self/mem', 'r');
  try {
    const buffer = Buffer.alloc(PATH_MAX);
    const length = fs.readSync(fd, buffer, 0, PATH_MAX, address);
    const end = buffer.subarray(0, length).indexOf(0);
    const text = buffer.subarray(0, end < 0 ? length : end).toString('utf8');
    return /^[^\p{Cc}\uFFFD]+$/u.test(text) ? text : undefined;
  } finally {
    fs.closeSync(fd);
  }
}
