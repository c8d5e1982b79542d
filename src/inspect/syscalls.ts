/**
 * The Linux system calls a Node thread is found waiting in (`/proc/<pid>/task/<tid>/syscall` gives
 * the number and the arguments), by number, per architecture. For calls on a file, which argument
 * names it: its path (a pointer) or a file descriptor. One table for the native block of a BLOCKED
 * thread and for the files Node's thread pool waits on.
 */

/** A system call: its name and, for a call on a file, the 1-based argument that names the file. */
export interface Syscall {
  name: string;
  path?: number;
  fd?: number;
}

const TABLES: Record<string, Record<number, Syscall>> = {
  x64: {
    0: { name: 'read', fd: 1 },
    1: { name: 'write' },
    2: { name: 'open', path: 1 },
    7: { name: 'poll' },
    17: { name: 'pread64', fd: 1 },
    19: { name: 'readv', fd: 1 },
    23: { name: 'select' },
    35: { name: 'nanosleep' },
    42: { name: 'connect' },
    43: { name: 'accept' },
    45: { name: 'recvfrom' },
    47: { name: 'recvmsg' },
    61: { name: 'wait4' },
    202: { name: 'futex' },
    230: { name: 'clock_nanosleep' },
    232: { name: 'epoll_wait' },
    247: { name: 'waitid' },
    257: { name: 'openat', path: 2 },
    262: { name: 'newfstatat', path: 2 },
    270: { name: 'pselect6' },
    271: { name: 'ppoll' },
    281: { name: 'epoll_pwait' },
    288: { name: 'accept4' },
    332: { name: 'statx', path: 2 },
    441: { name: 'epoll_pwait2' },
  },
  arm64: {
    22: { name: 'epoll_pwait' },
    56: { name: 'openat', path: 2 },
    63: { name: 'read', fd: 1 },
    64: { name: 'write' },
    65: { name: 'readv', fd: 1 },
    67: { name: 'pread64', fd: 1 },
    72: { name: 'pselect6' },
    73: { name: 'ppoll' },
    79: { name: 'newfstatat', path: 2 },
    95: { name: 'waitid' },
    98: { name: 'futex' },
    101: { name: 'nanosleep' },
    115: { name: 'clock_nanosleep' },
    202: { name: 'accept' },
    203: { name: 'connect' },
    207: { name: 'recvfrom' },
    212: { name: 'recvmsg' },
    242: { name: 'accept4' },
    260: { name: 'wait4' },
    291: { name: 'statx', path: 2 },
    441: { name: 'epoll_pwait2' },
  },
};

/** The system call of this number on this machine's architecture, if known. */
export function syscallOf(number: number): Syscall | undefined {
  return TABLES[process.arch]?.[number];
}

/** Whether the system calls of this architecture are known. */
export const syscallsKnown: boolean = process.arch in TABLES;
