import fs from 'node:fs';
import type { NativeBlock } from '../dump/model.js';
import { syscallOf } from './syscalls.js';

const EXPLANATIONS: Record<string, string> = {
  epoll_pwait: 'waiting on a private event loop, as execSync/spawnSync do for their child process',
  epoll_pwait2: 'waiting on a private event loop, as execSync/spawnSync do for their child process',
  epoll_wait: 'waiting on a private event loop, as execSync/spawnSync do for their child process',
  wait4: 'waiting for a child process to exit',
  waitid: 'waiting for a child process to exit',
  read: 'a synchronous read that does not return (a FIFO, a pipe or a terminal with no writer, stdin)',
  readv: 'a synchronous read that does not return (a FIFO, a pipe or a terminal with no writer, stdin)',
  pread64: 'a synchronous file read that does not return (a network file system, a FIFO)',
  open: 'opening a file that does not open (a FIFO nobody writes, a network file system)',
  openat: 'opening a file that does not open (a FIFO nobody writes, a network file system)',
  newfstatat: 'a file call that does not return (a network file system)',
  statx: 'a file call that does not return (a network file system)',
  write: 'a synchronous write that does not return (a full pipe nobody reads)',
  futex: 'waiting on a lock or condition (Atomics.wait, a native addon, a thread pool)',
  nanosleep: 'sleeping in native code',
  clock_nanosleep: 'sleeping in native code',
  poll: 'waiting on file descriptors in native code',
  ppoll: 'waiting on file descriptors in native code',
  select: 'waiting on file descriptors in native code',
  pselect6: 'waiting on file descriptors in native code',
  accept: 'waiting for a connection in native code',
  accept4: 'waiting for a connection in native code',
  connect: 'connecting a socket in native code',
  recvfrom: 'receiving from a socket in native code',
  recvmsg: 'receiving from a socket in native code',
};

/**
 * What a thread that runs no JavaScript is doing, from Linux's /proc: its state, the system call it
 * waits in, the kernel function it sleeps in, and the process's children (what `execSync` waits for).
 * Elsewhere, or when /proc says nothing, an explanation without details.
 */
export function readNativeBlock(pid: number, tid: number = pid): NativeBlock {
  const task = `/proc/${pid}/task/${tid}`;
  const state = readThreadState(pid, tid);
  const syscallLine = readProc(`${task}/syscall`);
  const number = syscallLine && /^\d+/.test(syscallLine) ? Number.parseInt(syscallLine, 10) : undefined;
  const syscall = number === undefined ? undefined : (syscallOf(number)?.name ?? `syscall ${number}`);
  const wchan = task && readProc(`${task}/wchan`);
  const children = descendantsOf(pid);
  let explanation: string;
  if (state === 'R')
    explanation = 'running native code (a native addon, or V8 work that cannot be interrupted)';
  else if (syscall && EXPLANATIONS[syscall]) explanation = EXPLANATIONS[syscall];
  else if (process.platform !== 'linux')
    explanation = 'a native call (details are read from /proc, on Linux only)';
  else explanation = 'a native call that does not return';
  return {
    state,
    ...(syscall ? { syscall } : {}),
    ...(wchan && wchan !== '0' ? { wchan } : {}),
    explanation,
    children,
  };
}

/** A thread's scheduler state from /proc (`R` running, `S` sleeping, `D` in uninterruptible I/O), or `?`. */
function readThreadState(pid: number, tid: number): string {
  return statFields(`/proc/${pid}/task/${tid}/stat`)?.[0] ?? '?';
}

/**
 * How long a thread has run on a CPU, in milliseconds, from /proc (`schedstat`, else the clock ticks
 * of `stat`); undefined where /proc cannot say. A thread waiting in a system call adds nothing.
 */
function readCpuMs(pid: number, tid: number): number | undefined {
  const task = `/proc/${pid}/task/${tid}`;
  const nanoseconds = Number(readProc(`${task}/schedstat`)?.split(' ')[0]);
  if (Number.isFinite(nanoseconds)) return nanoseconds / 1e6;
  // utime and stime, fields 14 and 15, in ticks of 1/100 s (USER_HZ on Linux).
  const fields = statFields(`${task}/stat`);
  const ticks = Number(fields?.[11]) + Number(fields?.[12]);
  return Number.isFinite(ticks) ? ticks * 10 : undefined;
}

/**
 * A deadline `timeoutMs` away that moves on by as much each time it passes while the thread keeps
 * using the CPU, up to `maxMs` in all: how long to wait for a thread that runs (JavaScript, or V8 work
 * such as garbage collection), which a loaded machine may give the CPU seldom, while one inside a
 * native call (using none) is given up on at once. Returns whether the deadline has passed. Where
 * /proc gives no CPU time, the thread's state says whether it runs; without a `tid`, a plain deadline.
 */
export function runningDeadline(
  pid: number,
  tid: number | undefined,
  timeoutMs: number,
  maxMs: number,
): () => boolean {
  const started = Date.now();
  let until = started + timeoutMs;
  let last = tid === undefined ? undefined : readCpuMs(pid, tid);
  const running = (): boolean => {
    if (tid === undefined) return false;
    const used = readCpuMs(pid, tid);
    const ran = used === undefined ? readThreadState(pid, tid) === 'R' : used !== last;
    last = used;
    return ran;
  };
  return () => {
    const now = Date.now();
    if (now < until) return false;
    if (now - started >= maxMs || !running()) return true;
    until = now + timeoutMs;
    return false;
  };
}

/** The process's descendants, children first: `execSync('sh -c …')` waits on a shell and what it started. */
function descendantsOf(pid: number): { pid: number; command: string }[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  const parents = new Map<number, number[]>();
  for (const entry of entries) {
    const ppid = Number(statFields(`/proc/${entry}/stat`)?.[1]);
    if (!Number.isInteger(ppid)) continue;
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
  }
  const found: { pid: number; command: string }[] = [];
  const queue = [...(parents.get(pid) ?? [])];
  for (let child = queue.shift(); child !== undefined; child = queue.shift()) {
    const command = readProc(`/proc/${child}/cmdline`)?.split('\0').filter(Boolean).join(' ');
    found.push({ pid: child, command: command || '?' });
    queue.push(...(parents.get(child) ?? []));
  }
  return found;
}

/**
 * A `stat` file of /proc from its third field on (the state, the parent, …): the command name before
 * it is in parentheses and may hold spaces, so the fields start after its closing one.
 */
function statFields(file: string): string[] | undefined {
  return readProc(file)
    ?.replace(/^.*\) /s, '')
    .split(' ');
}

function readProc(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}
